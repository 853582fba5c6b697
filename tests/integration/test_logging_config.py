"""Advanced logging controls end to end: boto3 against a running server, real runtimes.

A JSON-logging function's lines reach the log group it names (read back with CloudWatch Logs'
FilterLogEvents), the invoke's log tail (`LogType=Tail`) shows the same lines, application lines
below ApplicationLogLevel are dropped, and the platform writes its records in JSON
({"time", "type": "platform.*", "record"}; Lambda developer guide, "Log-level filtering" and
"Telemetry API Event schema reference").
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError

from tests.support.packages import make_zip
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration

PY = """
import logging
logger = logging.getLogger()

def handler(event, context):
    logger.debug("dropped debug")
    logger.info("kept info %s", event["m"])
    print("printed", event["m"])
    return "ok"
"""

NODE = """
exports.handler = async (event) => {
  console.debug("dropped debug");
  console.info("kept info", event.m);
  return "ok";
};
"""


def until(probe: Callable[[], list[str]], timeout_s: float = 20.0) -> list[str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        got = probe()
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError("log events did not arrive in time")


def create(server: RunningServer, runtime: str, handler: str, files: dict[str, str | bytes],
           logging: dict[str, str]) -> str:  # fmt: skip
    lam = server.client("lambda")
    name = f"logcfg-{uuid.uuid4().hex[:10]}"
    made = lam.create_function(
        FunctionName=name,
        Runtime=runtime,
        Handler=handler,
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Code={"ZipFile": make_zip(files)},
        MemorySize=512,
        LoggingConfig=logging,
    )
    assert made["LoggingConfig"]["LogFormat"] == "JSON"
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return name


def group_messages(server: RunningServer, group: str) -> list[str]:
    logs = server.client("logs")

    def probe() -> list[str]:
        try:
            events = logs.filter_log_events(logGroupName=group)["events"]
        except ClientError:
            return []  # not delivered yet
        messages = [str(e["message"]).rstrip("\n") for e in events]
        return messages if any('"platform.report"' in m for m in messages) else []

    return until(probe)


def check_json_invocation(server: RunningServer, name: str, group: str) -> list[str]:
    marker = uuid.uuid4().hex
    reply = server.client("lambda").invoke(
        FunctionName=name, Payload=json.dumps({"m": marker}).encode(), LogType="Tail"
    )
    assert json.loads(reply["Payload"].read()) == "ok"
    tail = base64.b64decode(reply["LogResult"]).decode().splitlines()
    stored = group_messages(server, group)
    assert stored == tail  # the tail shows what the group got
    assert not any("dropped debug" in line for line in stored)
    kinds = [json.loads(x)["type"] for x in stored if x.startswith('{"time"')]
    assert kinds == ["platform.start", "platform.report"]
    info = [json.loads(x) for x in stored if x.startswith('{"timestamp"')]
    assert [(r["level"], r["message"]) for r in info] == [("INFO", f"kept info {marker}")]
    request_id = json.loads(stored[0])["record"]["requestId"]
    assert info[0]["requestId"] == request_id
    return stored


def test_python_json_logs_reach_the_named_group_and_the_tail(server: RunningServer) -> None:
    group = f"/stockade-tests/{uuid.uuid4().hex[:8]}"
    name = create(server, "python3.11", "app.handler", {"app.py": PY},
                  {"LogFormat": "JSON", "LogGroup": group})  # fmt: skip
    stored = check_json_invocation(server, name, group)
    assert any(line.startswith("printed ") for line in stored)  # print() is not wrapped
    shown = server.client("lambda").get_function_configuration(FunctionName=name)
    assert shown["LoggingConfig"] == {
        "LogFormat": "JSON",
        "ApplicationLogLevel": "INFO",
        "SystemLogLevel": "INFO",
        "LogGroup": group,
    }


def test_node_json_logs(server: RunningServer) -> None:
    group = f"/stockade-tests/{uuid.uuid4().hex[:8]}"
    logging = {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "LogGroup": group}
    name = create(server, "nodejs20.x", "index.handler", {"index.js": NODE}, logging)
    check_json_invocation(server, name, group)


def test_switching_back_to_text(server: RunningServer) -> None:
    group = f"/stockade-tests/{uuid.uuid4().hex[:8]}"
    name = create(server, "python3.11", "app.handler", {"app.py": PY},
                  {"LogFormat": "JSON", "LogGroup": group})  # fmt: skip
    lam = server.client("lambda")
    lam.update_function_configuration(FunctionName=name, LoggingConfig={"LogFormat": "Text"})
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    reply = lam.invoke(FunctionName=name, Payload=b'{"m": "t"}', LogType="Tail")
    tail = base64.b64decode(reply["LogResult"]).decode()
    assert "START RequestId: " in tail
    assert "REPORT RequestId: " in tail
    assert '"platform.' not in tail
    assert "printed t" in tail
    # With Text, Lambda sets no log level: Python's root logger stays at WARNING.
    assert "kept info" not in tail
