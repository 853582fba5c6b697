"""Nobody reaches a handler without permission, and every request leaves one audit record.

For every declared operation that is not public, requests that the model accepts (drawn from
the operation's input shape) are sent by a principal with no policy at all: each one must be
refused before its handler runs, with the service's access-denied error (or the not-found
error a scope answers before access, where AWS does so), and the same requests sent by the
account's administrator must run. Either way exactly one audit record names the request.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from stockade.services.declaration import Public, ServiceTable
from tests.meta.kernel_support import JournalTail, Observed, declared, model
from tests.support.inprocess import InProcessServer
from tests.support.shape_strategies import valid

EXAMPLES = int(os.environ.get("STOCKADE_ACCESS_EXAMPLES", "6"))
SERVED = ("lambda", "iam", "sts", "kms", "sqs", "logs", "cloudtrail", "signer")
# Errors a declared scope may answer before access, as AWS does (a key that does not exist).
REFUSED_BEFORE_ACCESS = {
    "kms": {"NotFoundException", "InvalidArnException", "InvalidCiphertextException"},
}
_QUEUE_NAME = st.from_regex(r"[A-Za-z0-9_-]{1,80}", fullmatch=True)
# Members whose model shape is a bare string but whose service needs a well-formed value before
# it can name a resource to authorize on.
NAMED: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "sqs": {
        "QueueName": _QUEUE_NAME,
        "QueueUrl": st.builds(
            lambda account, name: f"https://stockade.test/{account}/{name}",
            st.from_regex(r"[0-9]{12}", fullmatch=True),
            _QUEUE_NAME,
        ),
        "QueueOwnerAWSAccountId": st.from_regex(r"[0-9]{12}", fullmatch=True),
    },
    "kms": {"AliasName": st.from_regex(r"alias/[a-z][a-zA-Z0-9/_-]{0,20}", fullmatch=True)},
}
# Operations that even an administrator may use only on a resource that lets it in, which
# drawn requests never name (the denial is still checked; running them is tested elsewhere).
NEED_AN_EXISTING_RESOURCE = {
    ("sts", "AssumeRole"): "the role's trust policy must allow the caller",
}


@pytest.fixture(scope="module")
def nobody(kernel_server: InProcessServer) -> tuple[str, str]:
    iam = kernel_server.client("iam")
    iam.create_user(UserName="nobody")
    key = iam.create_access_key(UserName="nobody")["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def call(client: Any, name: str, params: dict[str, Any]) -> tuple[int, str]:
    try:
        reply = client._make_api_call(name, params)
    except ClientError as error:
        meta = error.response.get("ResponseMetadata", {})
        return int(meta.get("HTTPStatusCode", 0)), str(error.response["Error"]["Code"])
    return int(reply.get("ResponseMetadata", {}).get("HTTPStatusCode", 200)), ""


def _tables(server: InProcessServer) -> dict[str, ServiceTable]:
    assert server.built is not None
    assert server.built.kernel is not None
    return dict(server.built.kernel.tables)


def _checked(service: str, tables: dict[str, ServiceTable]) -> Iterator[str]:
    for owner, op in declared(tables):
        if owner == service and not isinstance(op.access, Public):
            yield op.name


@pytest.mark.parametrize("service", SERVED)
def test_no_policy_means_no_handler_and_one_audit_record_either_way(
    kernel_server: InProcessServer, nobody: tuple[str, str], service: str
) -> None:
    tables = _tables(kernel_server)
    table = tables[service]
    protocol = model(service).metadata["protocol"]
    denied, invalid = table.errors.access_denied("x"), table.errors.validation("x")
    # JSON services that left the query protocol (SQS) also send their query codes.
    denied_codes = {denied.wire_code(protocol), denied.wire_code("query")}
    invalid_codes = {invalid.wire_code(protocol), invalid.wire_code("query")}
    allowed_codes = denied_codes | REFUSED_BEFORE_ACCESS.get(service, set())
    stranger = kernel_server.client(service, nobody, validate=False)
    admin = kernel_server.client(service, validate=False)
    observed = Observed(kernel_server)
    assert kernel_server.built is not None
    journal = JournalTail(kernel_server.built.settings.data_dir)
    failures: dict[str, str] = {}
    never_ran: list[str] = []
    for name in _checked(service, tables):
        shape = model(service).operation_model(name).input_shape
        ran: list[bool] = []

        def check(request: dict[str, Any], name: str, ran: list[bool]) -> None:
            status, code = call(stranger, name, request)
            trace = observed.last()
            # The strategy drew what the model refuses, or what cannot route (an empty label).
            assume(code not in invalid_codes and trace.operation is not None)
            assert not trace.handled, f"handler ran for a principal with no policy ({code})"
            assert code in allowed_codes, f"{status} {code}"
            records = [r for r in journal.new_records() if r["requestID"] == trace.request_id]
            assert len(records) == 1, f"{len(records)} audit records for a denied request"
            assert trace.error is not None
            assert records[0]["errorCode"] == trace.error.wire_code(protocol)
            status, code = call(admin, name, request)
            trace = observed.last()
            assert status < 500, f"administrator's request answered {status} {code}"
            records = [r for r in journal.new_records() if r["requestID"] == trace.request_id]
            assert len(records) == 1, f"{len(records)} audit records for an allowed request"
            ran.append(trace.handled)

        drawn = valid(shape, named=NAMED.get(service)) if shape is not None else st.just({})
        run = _hypothesis(drawn, lambda request, n=name, r=ran: check(request, n, r))
        try:
            run()
        except Exception as exc:  # gathered so that one report names every operation
            failures[name] = f"{type(exc).__name__}: {str(exc)[:300]}"
            continue
        if not any(ran) and (service, name) not in NEED_AN_EXISTING_RESOURCE:
            never_ran.append(name)
    assert not failures, "\n" + "\n".join(f"{k}: {v}" for k, v in sorted(failures.items()))
    # An operation none of whose drawn requests reached its handler as the administrator
    # was not really checked (its needs refuse everything, or the strategy misses).
    assert never_ran == []


def _hypothesis(drawn: st.SearchStrategy[Any], body: Any) -> Any:
    """`body(request)` for requests drawn from `drawn`, reproducibly."""

    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(request=drawn)
    def run(request: Any) -> None:
        body(request)

    return run
