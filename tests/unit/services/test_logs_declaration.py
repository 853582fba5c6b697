"""CloudWatch Logs' declaration: what each operation needs on which ARN, its audit
classification, and its error shapes on the wire."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.parsers import create_parser

from stockade.api.json_endpoint import JsonEndpoint
from stockade.clock import FakeClock
from stockade.domain.identity import Principal, PrincipalKind
from stockade.errors import ApiError
from stockade.kernel.audit_records import is_read_only
from stockade.services.context import RequestContext
from stockade.services.declaration import Public, ServiceTable
from stockade.services.logs import ERRORS, LogsService
from stockade.services.logs.errors import InvalidParameterError
from stockade.store.logs import SqliteLogStore
from stockade.types import AccountId, Region, RequestId

REGION = Region("us-east-1")
ACCOUNT = AccountId("111122223333")
OTHER = "444455556666"
GROUP = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app/web"
CALLER = RequestContext(
    RequestId("r"),
    Principal(PrincipalKind.IAM_USER, ACCOUNT, f"arn:aws:iam::{ACCOUNT}:user/u", "AIDAU", "u"),
    REGION, "127.0.0.1", "test", True, datetime(2026, 1, 1, tzinfo=UTC), "",
)  # fmt: skip


@pytest.fixture
def table(tmp_path: Path) -> Iterator[ServiceTable]:
    store = SqliteLogStore(tmp_path / "logs.db")
    yield LogsService(store, REGION, FakeClock()).table()
    store.close()


def needs(table: ServiceTable, name: str, request: dict[str, Any]) -> list[tuple[str, str]]:
    access = table.operations[name].access
    assert not isinstance(access, Public)
    return [(n.action, n.resource) for n in access(CALLER, request)]


def test_the_served_operations_are_declared_as_management_events(table: ServiceTable) -> None:
    assert sorted(table.operations) == sorted([
        "DescribeLogGroups", "CreateLogGroup", "DeleteLogGroup", "DescribeLogStreams",
        "GetLogEvents", "FilterLogEvents",
    ])  # fmt: skip
    for name, op in table.operations.items():
        assert not isinstance(op.access, Public), name
        assert not op.audit.data_event, name
        assert op.audit.read_only == is_read_only("logs", name), name


@pytest.mark.parametrize(
    ("name", "request_", "expected"),
    [
        ("DescribeLogGroups", {"logGroupNamePrefix": "/app/"},
         [("logs:DescribeLogGroups", f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:*")]),
        ("CreateLogGroup", {"logGroupName": "/app/web"}, [("logs:CreateLogGroup", f"{GROUP}:*")]),
        ("DeleteLogGroup", {"logGroupName": "/app/web"}, [("logs:DeleteLogGroup", f"{GROUP}:*")]),
        ("DescribeLogStreams", {"logGroupIdentifier": "/app/web"},
         [("logs:DescribeLogStreams", f"{GROUP}:*")]),
        ("GetLogEvents", {"logGroupName": "/app/web", "logStreamName": "s1"},
         [("logs:GetLogEvents", f"{GROUP}:log-stream:s1")]),
        ("GetLogEvents", {"logGroupName": "/app/web", "logStreamName": "s1", "unmask": True},
         [("logs:GetLogEvents", f"{GROUP}:log-stream:s1"), ("logs:Unmask", f"{GROUP}:*")]),
        ("FilterLogEvents", {"logGroupName": "/app/web", "unmask": False},
         [("logs:FilterLogEvents", f"{GROUP}:*")]),
        ("FilterLogEvents", {"logGroupName": "/app/web", "unmask": True},
         [("logs:FilterLogEvents", f"{GROUP}:*"), ("logs:Unmask", f"{GROUP}:*")]),
        # Another account's group is authorised as such (and so denied: no cross-account).
        ("FilterLogEvents",
         {"logGroupIdentifier": f"arn:aws:logs:{REGION}:{OTHER}:log-group:/app/web"},
         [("logs:FilterLogEvents", f"arn:aws:logs:{REGION}:{OTHER}:log-group:/app/web:*")]),
    ],
)  # fmt: skip
def test_each_operation_needs_its_action_on_the_group_or_stream_it_names(
    table: ServiceTable, name: str, request_: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert needs(table, name, request_) == expected


@pytest.mark.parametrize(
    "request_",
    [
        {},
        {"logGroupName": "/app/web", "logGroupIdentifier": "/app/web"},
        {"logGroupIdentifier": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group"},
        {"logGroupIdentifier": f"arn:aws:s3:{REGION}:{ACCOUNT}:log-group:/app/web"},
    ],
)
def test_a_request_naming_no_single_group_is_an_invalid_parameter(
    table: ServiceTable, request_: dict[str, Any]
) -> None:
    with pytest.raises(InvalidParameterError):
        needs(table, "FilterLogEvents", request_)


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [
        (ERRORS.validation("1 validation error detected: Value '100' at 'limit' failed to"
                           " satisfy constraint: Member must have value less than or equal to"
                           " 50"), "InvalidParameterException", 400),
        (ERRORS.internal("An internal error occurred."), "ServiceUnavailableException", 500),
        (ERRORS.access_denied("User: u is not authorized"), "AccessDeniedException", 403),
    ],
)  # fmt: skip
def test_the_kernel_refusals_answer_in_cloudwatch_logs_own_codes(
    error: ApiError, code: str, status: int
) -> None:
    # Without the endpoint's code overrides: the declared classes carry the codes themselves.
    model = botocore.session.get_session().get_service_model("logs")
    response = JsonEndpoint("logs", model).serialize_error(error, "rid")
    parsed = create_parser("json").parse(
        {"status_code": response.status, "headers": dict(response.headers),
         "body": response.body}, None,
    )  # fmt: skip
    assert (parsed["Error"]["Code"], response.status) == (code, status)
    assert parsed["Error"]["Message"] == error.message
