"""LoggingConfig: Lambda's rules for format, levels and log group, and what the host does with them.

In-process (tests/support/inprocess.py) with the fake sandbox backend, whose guests write raw
lines to the real log pipe: the level filter and the platform records are the host's, so a guest
that writes past its runtime's own filter is still filtered.
Facts: botocore's model (enums, LogGroup pattern); the InvalidParameterValueException message as
Lambda returns it for a level with Text (quoted by CloudFormation / cfn-lint users); defaults
and the system record shapes from Lambda's developer guide ("Configuring advanced logging
controls", "Log-level filtering", "Telemetry API Event schema reference").
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stockade.sandbox.backends.fake import FakeBackend, FakeContext, GuestCrash
from tests.support.inprocess import InProcessServer
from tests.support.packages import PYTHON_ECHO

TEXT_WITH_LEVEL = (
    'LogLevel is not supported when LogFormat is set to "Text". Remove LogLevel from your'
    ' request or change the LogFormat to "JSON" and try again.'
)


async def chatty(event: bytes, ctx: FakeContext) -> bytes:
    """Writes straight to the log pipe, as a function that ignores its runtime's filter would."""
    for level in ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"):
        ctx.log(json.dumps({"level": level, "message": f"at {level.lower()}"}))
    ctx.log(json.dumps({"level": "warning", "message": "python spelling"}))
    ctx.log("plain text is INFO")
    ctx.log('{"level": "nonsense", "message": "unknown level is INFO"}')
    return b'{"ok": true}'


async def hanging(event: bytes, ctx: FakeContext) -> bytes:
    ctx.log('{"level": "INFO", "message": "about to hang"}')
    await asyncio.sleep(3600)
    return b""


async def exiting(event: bytes, ctx: FakeContext) -> bytes:
    raise GuestCrash(1 << 8)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    backend = FakeBackend({"app.handler": chatty, "app.hang": hanging, "app.exit": exiting})
    with InProcessServer(tmp_path_factory.mktemp("logging") / "data", sandbox=backend) as s:
        yield s


def create(server: InProcessServer, **extra: Any) -> dict[str, Any]:
    lam = server.client("lambda", validate=False)
    params: dict[str, Any] = {
        "FunctionName": f"log-{uuid.uuid4().hex[:10]}",
        "Runtime": "python3.11",
        "Role": f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        "Handler": "app.handler",
        "Code": {"ZipFile": PYTHON_ECHO},
        **extra,
    }
    reply: dict[str, Any] = lam.create_function(**params)
    return reply


def error_of(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as exc:
        call(**params)
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


def test_default_is_text_and_the_functions_own_group(server: InProcessServer) -> None:
    made = create(server)
    name = made["FunctionName"]
    expected = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
    assert made["LoggingConfig"] == expected
    lam = server.client("lambda")
    assert lam.get_function_configuration(FunctionName=name)["LoggingConfig"] == expected
    assert lam.get_function(FunctionName=name)["Configuration"]["LoggingConfig"] == expected


def test_json_defaults_both_levels_to_info_and_shows_them(server: InProcessServer) -> None:
    made = create(server, LoggingConfig={"LogFormat": "JSON"})
    name = made["FunctionName"]
    expected = {
        "LogFormat": "JSON",
        "ApplicationLogLevel": "INFO",
        "SystemLogLevel": "INFO",
        "LogGroup": f"/aws/lambda/{name}",
    }
    assert made["LoggingConfig"] == expected
    lam = server.client("lambda")
    assert lam.get_function_configuration(FunctionName=name)["LoggingConfig"] == expected
    listed = [
        f["LoggingConfig"]
        for page in lam.get_paginator("list_functions").paginate()
        for f in page["Functions"]
        if f["FunctionName"] == name
    ]
    assert listed == [expected]


def test_json_with_levels_and_a_group(server: InProcessServer) -> None:
    config = {
        "LogFormat": "JSON",
        "ApplicationLogLevel": "ERROR",
        "SystemLogLevel": "WARN",
        "LogGroup": "/shared/team-logs",
    }
    made = create(server, LoggingConfig=config)
    assert made["LoggingConfig"] == config
    published = server.client("lambda").publish_version(FunctionName=made["FunctionName"])
    assert published["LoggingConfig"] == config  # a version keeps its logging settings


@pytest.mark.parametrize(
    "config",
    [
        {"LogFormat": "Text", "ApplicationLogLevel": "DEBUG"},
        {"LogFormat": "Text", "SystemLogLevel": "WARN"},
        {"ApplicationLogLevel": "INFO"},  # no LogFormat is Text
    ],
)
def test_a_level_without_json_is_refused(server: InProcessServer, config: dict[str, str]) -> None:
    lam = server.client("lambda", validate=False)
    name = f"log-{uuid.uuid4().hex[:10]}"
    code, message = error_of(
        lam.create_function,
        FunctionName=name,
        Runtime="python3.11",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Handler="app.handler",
        Code={"ZipFile": PYTHON_ECHO},
        LoggingConfig=config,
    )
    assert (code, message) == ("InvalidParameterValueException", TEXT_WITH_LEVEL)
    with pytest.raises(ClientError):  # nothing half-written
        lam.get_function(FunctionName=name)
    existing = create(server)["FunctionName"]
    assert error_of(
        lam.update_function_configuration, FunctionName=existing, LoggingConfig=config
    ) == ("InvalidParameterValueException", TEXT_WITH_LEVEL)
    shown = lam.get_function_configuration(FunctionName=existing)["LoggingConfig"]
    assert shown == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{existing}"}


@pytest.mark.parametrize(
    "config",
    [
        {"LogFormat": "json"},
        {"LogFormat": "JSON", "ApplicationLogLevel": "VERBOSE"},
        {"LogFormat": "JSON", "SystemLogLevel": "ERROR"},  # not a system level
        {"LogGroup": "has spaces"},
        {"LogGroup": "g" * 513},
    ],
)
def test_values_outside_the_model_are_validation_errors(
    server: InProcessServer, config: dict[str, str]
) -> None:
    lam = server.client("lambda", validate=False)
    code, _ = error_of(
        lam.create_function,
        FunctionName=f"log-{uuid.uuid4().hex[:10]}",
        Runtime="python3.11",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Handler="app.handler",
        Code={"ZipFile": PYTHON_ECHO},
        LoggingConfig=config,
    )
    assert code == "ValidationException"


def test_update_replaces_the_whole_setting_and_omitting_it_keeps_it(
    server: InProcessServer,
) -> None:
    name = create(server, LoggingConfig={"LogFormat": "JSON", "SystemLogLevel": "DEBUG"})[
        "FunctionName"
    ]
    lam = server.client("lambda")
    lam.update_function_configuration(FunctionName=name, Description="unrelated")
    assert lam.get_function_configuration(FunctionName=name)["LoggingConfig"] == {
        "LogFormat": "JSON",
        "ApplicationLogLevel": "INFO",
        "SystemLogLevel": "DEBUG",
        "LogGroup": f"/aws/lambda/{name}",
    }
    to_text = lam.update_function_configuration(
        FunctionName=name, LoggingConfig={"LogFormat": "Text"}
    )
    assert to_text["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
    to_json = lam.update_function_configuration(
        FunctionName=name, LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "TRACE"}
    )
    assert to_json["LoggingConfig"]["ApplicationLogLevel"] == "TRACE"
    assert to_json["LoggingConfig"]["SystemLogLevel"] == "INFO"
    group_only = lam.update_function_configuration(
        FunctionName=name, LoggingConfig={"LogGroup": "/custom/group"}
    )
    assert group_only["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/custom/group"}


def invoke_tail(server: InProcessServer, name: str, error: str | None = None) -> list[str]:
    reply = server.client("lambda").invoke(FunctionName=name, Payload=b"{}", LogType="Tail")
    assert reply.get("FunctionError") == error
    return base64.b64decode(reply["LogResult"]).decode().splitlines()


def group_lines(server: InProcessServer, group: str) -> list[str]:
    assert server.built is not None
    server.built.logs.flush(10)  # the log store commits on its own thread
    logs = server.client("logs")
    events = logs.filter_log_events(logGroupName=group)["events"]
    return [e["message"].rstrip("\n") for e in events]


def platform(lines: list[str]) -> list[dict[str, Any]]:
    records = []
    for line in lines:
        if line.startswith('{"time"'):
            doc = json.loads(line)
            if str(doc.get("type", "")).startswith("platform."):
                records.append(doc)
    return records


def test_json_invocation_filters_application_lines_and_writes_system_records(
    server: InProcessServer,
) -> None:
    group = f"/team/{uuid.uuid4().hex[:8]}"
    name = create(
        server,
        LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "WARN", "LogGroup": group},
    )["FunctionName"]
    tail = invoke_tail(server, name)
    stored = group_lines(server, group)
    for lines in (tail, stored):
        kept = [json.loads(x)["message"] for x in lines if x.startswith('{"level"')]
        assert kept == ["at warn", "at error", "at fatal", "python spelling"]
        assert "plain text is INFO" not in lines  # INFO < WARN
        records = platform(lines)
        assert [r["type"] for r in records] == ["platform.start", "platform.report"]
        start, report = records
        assert start["record"]["version"] == "$LATEST"
        assert report["record"]["requestId"] == start["record"]["requestId"]
        assert report["record"]["status"] == "success"
        assert set(report["record"]["metrics"]) >= {
            "durationMs",
            "billedDurationMs",
            "memorySizeMB",
            "maxMemoryUsedMB",
        }
        assert not any(x.startswith(("START ", "END ", "REPORT ")) for x in lines)
    with pytest.raises(ClientError, match="ResourceNotFound"):  # the default group: unused
        group_lines(server, f"/aws/lambda/{name}")


def test_info_keeps_unlevelled_lines_and_system_levels_filter_records(
    server: InProcessServer,
) -> None:
    debug_name = create(server, LoggingConfig={"LogFormat": "JSON", "SystemLogLevel": "DEBUG"})[
        "FunctionName"
    ]
    tail = invoke_tail(server, debug_name)
    assert "plain text is INFO" in tail
    assert '{"level": "nonsense", "message": "unknown level is INFO"}' in tail
    assert not any('"at debug"' in x or '"at trace"' in x for x in tail)
    assert [r["type"] for r in platform(tail)] == [
        "platform.start",
        "platform.runtimeDone",
        "platform.report",
    ]
    done = platform(tail)[1]["record"]
    assert done["status"] == "success"
    assert done["metrics"]["producedBytes"] == len(b'{"ok": true}')
    warn_name = create(server, LoggingConfig={"LogFormat": "JSON", "SystemLogLevel": "WARN"})[
        "FunctionName"
    ]
    quiet = invoke_tail(server, warn_name)
    assert platform(quiet) == []
    assert "plain text is INFO" in quiet


def test_text_format_is_unfiltered_with_lambdas_text_platform_lines(
    server: InProcessServer,
) -> None:
    name = create(server)["FunctionName"]
    tail = invoke_tail(server, name)
    assert tail[0].startswith("START RequestId: ")
    assert any(x.startswith("END RequestId: ") for x in tail)
    assert any(x.startswith("REPORT RequestId: ") for x in tail)
    assert sum(x.startswith('{"level"') for x in tail) == 8  # every line, none dropped
    assert platform(tail) == []


@pytest.mark.parametrize(
    ("handler", "status", "error_type"),
    [("app.hang", "timeout", "Sandbox.Timedout"), ("app.exit", "failure", "Runtime.ExitError")],
)
def test_json_timeouts_and_exits_are_record_statuses_not_text_lines(
    server: InProcessServer, handler: str, status: str, error_type: str
) -> None:
    name = create(
        server,
        Handler=handler,
        Timeout=1,
        LoggingConfig={"LogFormat": "JSON", "SystemLogLevel": "DEBUG"},
    )["FunctionName"]
    tail = invoke_tail(server, name, error="Unhandled")
    records = platform(tail)
    assert [r["type"] for r in records] == [
        "platform.start",
        "platform.runtimeDone",
        "platform.report",
    ]
    for record in records[1:]:
        assert record["record"]["status"] == status
        assert record["record"]["errorType"] == error_type
    assert all(line.startswith("{") for line in tail)  # no "Task timed out" / exit text lines
