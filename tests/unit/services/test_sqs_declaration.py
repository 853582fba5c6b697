"""SQS's declaration: what each operation needs, where a queue's policy is found, and the audit
classification, on a real queue engine and IAM's real authorizer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.parsers import JSONParser

from stockade.api.json_endpoint import JsonEndpoint
from stockade.clock import FakeClock
from stockade.domain.identity import Principal, PrincipalKind
from stockade.errors import ApiError
from stockade.kernel.audit_records import DATA_EVENTS, is_read_only
from stockade.kernel.authorizer import PolicyAuthorizer
from stockade.services.context import RequestContext
from stockade.services.declaration import Need, Public, ServiceTable
from stockade.services.identity import Identities
from stockade.services.sqs import SqsService
from stockade.services.sqs.errors import (
    AccessDeniedError,
    InvalidAddressError,
    InvalidParameterValueError,
    QueueDoesNotExistError,
)
from stockade.services.sqs.scope import QueueScope
from stockade.services.sqs.service import ERRORS
from stockade.shapes import sqs as shapes
from stockade.store.artifacts import UnsealedBlobs
from stockade.store.queue_ports import QueueId, QueueSettings
from stockade.store.sqlite import SqliteStore
from stockade.store.sqlite_queues import SqliteQueueEngine
from stockade.types import AccountId, Region, RequestId

REGION = Region("us-east-1")
OWNER = AccountId("111122223333")
URL = f"http://localhost:9000/{OWNER}/orders"
ARN = f"arn:aws:sqs:{REGION}:{OWNER}:orders"
SERVED = (
    "CreateQueue", "GetQueueUrl", "ListQueues", "DeleteQueue", "GetQueueAttributes",
    "SetQueueAttributes", "ListDeadLetterSourceQueues", "PurgeQueue", "SendMessage",
    "SendMessageBatch", "ReceiveMessage", "DeleteMessage", "DeleteMessageBatch",
    "ChangeMessageVisibility", "ChangeMessageVisibilityBatch", "TagQueue", "UntagQueue",
    "ListQueueTags",
)  # fmt: skip


def context(account: str, arn: str = "", name: str = "admin") -> RequestContext:
    arn = arn or f"arn:aws:iam::{account}:user/{name}"
    principal = Principal(PrincipalKind.IAM_USER, AccountId(account), arn, "AIDAEXAMPLE", name)
    return RequestContext(RequestId("r"), principal, REGION, "127.0.0.1", "test", True,
                          datetime(2026, 1, 1, tzinfo=UTC), "http://localhost:9000")  # fmt: skip


CALLER = context(OWNER)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[SqliteQueueEngine]:
    engine = SqliteQueueEngine(tmp_path / "queues.db", UnsealedBlobs(), FakeClock())
    yield engine
    engine.close()


@pytest.fixture
def table(engine: SqliteQueueEngine) -> ServiceTable:
    return SqsService(engine, REGION).table()


def needs(table: ServiceTable, name: str, request: dict[str, Any]) -> list[tuple[str, str]]:
    access = table.operations[name].access
    assert not isinstance(access, Public)
    return [(n.action, n.resource) for n in access(CALLER, request)]


def test_every_served_operation_is_declared_with_needs(table: ServiceTable) -> None:
    assert sorted(table.operations) == sorted(SERVED)
    assert set(table.operations) <= set(shapes.OPERATIONS)
    assert not any(isinstance(op.access, Public) for op in table.operations.values())


@pytest.mark.parametrize(
    ("name", "request_", "expected"),
    [
        ("SendMessage", {"QueueUrl": URL, "MessageBody": "x"}, [("sqs:SendMessage", ARN)]),
        ("SendMessageBatch", {"QueueUrl": URL, "Entries": []}, [("sqs:SendMessage", ARN)]),
        ("ReceiveMessage", {"QueueUrl": URL}, [("sqs:ReceiveMessage", ARN)]),
        ("DeleteMessageBatch", {"QueueUrl": URL, "Entries": []}, [("sqs:DeleteMessage", ARN)]),
        ("ChangeMessageVisibilityBatch", {"QueueUrl": URL, "Entries": []},
         [("sqs:ChangeMessageVisibility", ARN)]),
        ("PurgeQueue", {"QueueUrl": URL}, [("sqs:PurgeQueue", ARN)]),
        ("SetQueueAttributes", {"QueueUrl": URL, "Attributes": {}},
         [("sqs:SetQueueAttributes", ARN)]),
        ("CreateQueue", {"QueueName": "orders"}, [("sqs:CreateQueue", ARN)]),
        ("GetQueueUrl", {"QueueName": "orders"}, [("sqs:GetQueueUrl", ARN)]),
        ("GetQueueUrl", {"QueueName": "theirs", "QueueOwnerAWSAccountId": "444455556666"},
         [("sqs:GetQueueUrl", f"arn:aws:sqs:{REGION}:444455556666:theirs")]),
        ("ListQueues", {}, [("sqs:ListQueues", f"arn:aws:sqs:{REGION}:{OWNER}:*")]),
        ("TagQueue", {"QueueUrl": URL, "Tags": {"a": "b"}}, [("sqs:TagQueue", ARN)]),
        ("UntagQueue", {"QueueUrl": URL, "TagKeys": ["a"]}, [("sqs:UntagQueue", ARN)]),
        ("ListQueueTags", {"QueueUrl": URL}, [("sqs:ListQueueTags", ARN)]),
    ],
)  # fmt: skip
def test_each_operation_needs_its_action_on_the_queue_it_names(
    table: ServiceTable, name: str, request_: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert needs(table, name, request_) == expected


def test_a_queue_url_of_another_endpoint_names_the_same_queue(table: ServiceTable) -> None:
    other = f"https://sqs.{REGION}.amazonaws.com/{OWNER}/orders"
    assert needs(table, "DeleteQueue", {"QueueUrl": other}) == [("sqs:DeleteQueue", ARN)]


@pytest.mark.parametrize(
    ("name", "request_", "error"),
    [
        # Internal queues (names with a slash) and malformed URLs name no queue at all.
        ("SendMessage", {"QueueUrl": "not a url", "MessageBody": "x"}, InvalidAddressError),
        ("SendMessage", {"QueueUrl": f"http://h/{OWNER}/__stockade_async/f", "MessageBody": "x"},
         InvalidAddressError),
        ("CreateQueue", {"QueueName": "has/slash"}, InvalidParameterValueError),
        ("CreateQueue", {"QueueName": "orders.fifo"}, InvalidParameterValueError),
        ("GetQueueUrl", {"QueueName": "__stockade_async/f"}, QueueDoesNotExistError),
        ("GetQueueUrl", {"QueueName": "q", "QueueOwnerAWSAccountId": "12"},
         QueueDoesNotExistError),
    ],
)  # fmt: skip
def test_requests_that_name_no_possible_queue_are_refused_before_authorisation(
    table: ServiceTable, name: str, request_: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        needs(table, name, request_)


def test_message_operations_are_data_events_on_the_queue(table: ServiceTable) -> None:
    for name, op in table.operations.items():
        assert op.audit.data_event == (name in DATA_EVENTS["sqs"]), name
        assert op.audit.read_only == is_read_only("sqs", name), name
        if op.audit.data_event:
            assert op.audit.resources is not None
            assert list(op.audit.resources(CALLER, {"QueueUrl": URL})) == [ARN], name


def test_the_scope_finds_the_queue_policy(engine: SqliteQueueEngine) -> None:
    scope = QueueScope(engine, REGION)
    assert scope.locate(CALLER, ARN).policy is None  # no queue: no policy
    engine.create_queue(QueueId(OWNER, "orders"), QueueSettings())
    assert scope.locate(CALLER, ARN).policy is None  # a queue without one
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": ARN}
        ],
    }
    engine.set_settings(QueueId(OWNER, "orders"), QueueSettings(policy=json.dumps(document)))
    located = scope.locate(CALLER, ARN)
    assert located.arn == ARN
    assert located.policy is not None
    assert located.policy.policy_id == ARN
    assert not located.policy_required  # within the account, identity policies suffice
    with pytest.raises(InvalidAddressError):
        scope.locate(CALLER, f"arn:aws:sqs:eu-west-1:{OWNER}:orders")


@dataclass
class TwoAccounts:
    authorizer: PolicyAuthorizer
    scope: QueueScope
    engine: SqliteQueueEngine
    owner: RequestContext
    outsider: RequestContext
    queue_arn: str


@pytest.fixture
def accounts(tmp_path: Path, engine: SqliteQueueEngine) -> Iterator[TwoAccounts]:
    store = SqliteStore(tmp_path / "stockade.db")
    identities = Identities(store, FakeClock())
    callers = []
    for name in ("owner", "outsider"):
        account = AccountId(identities.create_account(name).account.account_id)
        with store.read() as tx:
            admin = tx.users.all_in(account)[0]
        callers.append(context(account, admin.arn, admin.name))
    owner, outsider = callers
    queue = QueueId(owner.principal.account_id, "shared")
    engine.create_queue(queue, QueueSettings())
    arn = f"arn:aws:sqs:{REGION}:{queue.account_id}:shared"
    yield TwoAccounts(PolicyAuthorizer(store, cache_ttl_s=0), QueueScope(engine, REGION), engine,
                      owner, outsider, arn)  # fmt: skip
    store.close()


def decide(world: TwoAccounts, ctx: RequestContext, action: str) -> None:
    world.authorizer.decide(ctx, Need(action, world.queue_arn, world.scope), AccessDeniedError)


def test_another_account_reaches_a_queue_only_through_its_policy(accounts: TwoAccounts) -> None:
    decide(accounts, accounts.owner, "sqs:SendMessage")  # the owner's identity policy suffices
    with pytest.raises(AccessDeniedError) as denied:
        decide(accounts, accounts.outsider, "sqs:SendMessage")
    assert accounts.queue_arn in denied.value.message
    outsider_account = accounts.outsider.principal.account_id
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": outsider_account}, "Action": "sqs:SendMessage",
         "Resource": accounts.queue_arn}]}  # fmt: skip
    queue = QueueId(accounts.owner.principal.account_id, "shared")
    accounts.engine.set_settings(queue, QueueSettings(policy=json.dumps(policy)))
    decide(accounts, accounts.outsider, "sqs:SendMessage")
    with pytest.raises(AccessDeniedError):
        decide(accounts, accounts.outsider, "sqs:ReceiveMessage")


def test_the_queue_policy_grants_no_other_account_tagging(
    accounts: TwoAccounts, table: ServiceTable
) -> None:
    # "Cross-account permissions don't apply to this action" (TagQueue, SQS API reference):
    # the tag operations' needs name no scope, so the queue's policy is never consulted.
    outsider_account = accounts.outsider.principal.account_id
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": outsider_account}, "Action": "sqs:*",
         "Resource": accounts.queue_arn}]}  # fmt: skip
    queue = QueueId(accounts.owner.principal.account_id, "shared")
    accounts.engine.set_settings(queue, QueueSettings(policy=json.dumps(policy)))
    decide(accounts, accounts.outsider, "sqs:SendMessage")  # the policy does let it in
    url = f"http://localhost:9000/{queue.account_id}/shared"
    for name in ("TagQueue", "UntagQueue", "ListQueueTags"):
        access = table.operations[name].access
        assert not isinstance(access, Public)
        [need] = access(accounts.outsider, {"QueueUrl": url, "Tags": {"a": "b"},
                                            "TagKeys": ["a"]})  # fmt: skip
        assert need.scope is None
        with pytest.raises(AccessDeniedError):
            accounts.authorizer.decide(accounts.outsider, need, AccessDeniedError)
        accounts.authorizer.decide(accounts.owner, need, AccessDeniedError)


@pytest.mark.parametrize(
    ("error", "code", "query_code", "status", "fault"),
    [
        (ERRORS.validation("1 validation error detected: Value null at 'messageBody' failed to"
                           " satisfy constraint: Member must not be null"),
         "ValidationException", "ValidationError", 400, "Sender"),
        (ERRORS.internal("An internal error occurred."), "InternalFailure", "InternalError", 500,
         "Receiver"),
        (ERRORS.access_denied("User: u is not authorized"), "AccessDeniedException",
         "AccessDenied", 403, "Sender"),
    ],
)  # fmt: skip
def test_the_kernel_refusals_answer_with_sqs_codes_and_legacy_codes(
    error: ApiError, code: str, query_code: str, status: int, fault: str
) -> None:
    model = botocore.session.get_session().get_service_model("sqs")
    response = JsonEndpoint("sqs", model).serialize_error(error, "rid")
    headers = {k.lower(): v for k, v in response.headers}
    parsed = JSONParser().parse(
        {"status_code": response.status, "headers": headers, "body": response.body}, None
    )
    assert response.status == status
    assert parsed["Error"]["Code"] == query_code  # what boto3 shows, from x-amzn-query-error
    assert parsed["Error"]["QueryErrorCode"] == code
    assert parsed["Error"]["Type"] == fault
