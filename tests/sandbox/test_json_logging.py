"""LogFormat JSON in real sandboxes: the python3.11 and nodejs20.x runtimes' JSON application
logs, their level filtering, and the host's filter behind them.

Shapes from Lambda's runtimes as documented ("Python Lambda function logging", "Node.js Lambda
function logging", awslambdaric / the Node runtime interface client): Python `logging` records
become {"timestamp", "level", "message", "logger", "requestId"} (+ "stackTrace", "errorType",
"errorMessage", "location" for exceptions, + `extra` fields); print() is not wrapped; Node's
console methods become {"timestamp", "level", "requestId", "message"}.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import pytest

from stockade.sandbox import EnvironmentSpec, Runtime
from stockade.sandbox.log_controls import Level, LogControls, LogFormat
from tests.sandbox.support import SandboxHarness, make_spec, make_zip

pytestmark = pytest.mark.slow

STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")

PY_CODE = """
import logging

logger = logging.getLogger()

def handler(event, context):
    print("plain print")
    logger.debug("a debug line")
    logger.info("info %s", 1, extra={"order": "o-1"})
    logging.getLogger("child").warning("warned")
    try:
        1 / 0
    except ZeroDivisionError:
        logger.exception("it failed")
    return context.aws_request_id

def sneaky(event, context):
    # A function may lower its runtime's level; the host still applies ApplicationLogLevel.
    logger.setLevel(logging.DEBUG)
    logger.debug("sneaky debug")
    print('{"level": "DEBUG", "message": "forged level"}')
    logger.error("kept error")
    return 1

def fail(event, context):
    raise ValueError("bad input")
"""

NODE_CODE = """
exports.handler = async (event, context) => {
  console.log("hello", 42);
  console.debug("a debug line");
  console.warn({ k: "v" });
  console.error(new TypeError("logged error"));
  return context.awsRequestId;
};
exports.fail = async () => { throw new RangeError("out of range"); };
"""


def json_spec(
    name: str, runtime: Runtime, handler: str, code: bytes, app: Level = Level.INFO
) -> EnvironmentSpec:
    spec = make_spec(
        code, name=name, runtime=runtime, handler=handler, memory_mb=512, config_key=app.name
    )
    controls = LogControls(LogFormat.JSON, application_level=app, system_level=Level.INFO)
    return dataclasses.replace(spec, log_controls=controls)


def tail_lines(sandbox: SandboxHarness, spec: EnvironmentSpec) -> tuple[Any, list[str]]:
    result = sandbox.invoke(spec)
    return result, result.log_tail.decode().splitlines()


def objects(lines: list[str]) -> list[dict[str, Any]]:
    found = []
    for line in lines:
        if line.startswith("{"):
            doc = json.loads(line)
            if "type" not in doc:  # platform records are checked elsewhere
                found.append(doc)
    return found


def test_python_logging_records_are_lambdas_json(sandbox: SandboxHarness) -> None:
    spec = json_spec("py-json", Runtime.PYTHON311, "app.handler", make_zip({"app.py": PY_CODE}))
    result, lines = tail_lines(sandbox, spec)
    request_id = json.loads(result.payload)
    assert "plain print" in lines  # print() goes out as is
    records = objects(lines)
    assert [r["message"] for r in records] == ["info 1", "warned", "it failed"]
    info, warned, failed = records
    for record in records:
        assert STAMP.fullmatch(record["timestamp"])
        assert record["requestId"] == request_id
    assert info["level"] == "INFO"
    assert info["logger"] == "root"
    assert info["order"] == "o-1"  # `extra` fields are kept
    assert "stackTrace" not in info
    assert warned["level"] == "WARNING"
    assert warned["logger"] == "child"
    assert failed["level"] == "ERROR"
    assert failed["errorType"] == "ZeroDivisionError"
    assert failed["errorMessage"] == "division by zero"
    assert any("1 / 0" in frame for frame in failed["stackTrace"])
    assert failed["location"] == "/var/task/app.py:handler:14"
    assert [r["type"] for r in map(json.loads, (x for x in lines if '"type"' in x))] == [
        "platform.start",
        "platform.report",
    ]


def test_python_debug_level_and_trace_is_debug(sandbox: SandboxHarness) -> None:
    code = make_zip({"app.py": PY_CODE})
    for level in (Level.DEBUG, Level.TRACE):
        spec = json_spec(f"py-{level.name}", Runtime.PYTHON311, "app.handler", code, level)
        _, lines = tail_lines(sandbox, spec)
        debug = [r for r in objects(lines) if r["message"] == "a debug line"]
        assert [r["level"] for r in debug] == ["DEBUG"]


def test_the_host_filters_what_the_function_lets_through(sandbox: SandboxHarness) -> None:
    code = make_zip({"app.py": PY_CODE})
    spec = json_spec("py-sneaky", Runtime.PYTHON311, "app.sneaky", code, Level.INFO)
    _, lines = tail_lines(sandbox, spec)
    assert [r["message"] for r in objects(lines)] == ["kept error"]


def test_python_unhandled_error_is_one_json_line(sandbox: SandboxHarness) -> None:
    spec = json_spec("py-fail", Runtime.PYTHON311, "app.fail", make_zip({"app.py": PY_CODE}))
    result, lines = tail_lines(sandbox, spec)
    assert result.error_type == "ValueError"
    (error,) = objects(lines)
    assert error["level"] == "ERROR"
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "bad input"
    assert isinstance(error["stackTrace"], list)
    assert error["requestId"] == json.loads(result.payload)["requestId"]
    report = json.loads(lines[-1])
    assert report["type"] == "platform.report"
    assert report["record"]["status"] == "error"
    assert report["record"]["errorType"] == "ValueError"


def test_node_console_is_lambdas_json_and_filtered(sandbox: SandboxHarness) -> None:
    code = make_zip({"index.js": NODE_CODE})
    spec = json_spec("node-json", Runtime.NODEJS20, "index.handler", code)
    result, lines = tail_lines(sandbox, spec)
    request_id = json.loads(result.payload)
    records = objects(lines)
    assert [r["level"] for r in records] == ["INFO", "WARN", "ERROR"]  # no DEBUG at INFO
    hello, warned, failed = records
    for record in records:
        assert STAMP.fullmatch(record["timestamp"])
        assert record["requestId"] == request_id
    assert hello["message"] == "hello 42"
    assert warned["message"] == {"k": "v"}
    assert failed["message"]["errorType"] == "TypeError"
    assert failed["message"]["errorMessage"] == "logged error"
    assert failed["message"]["stackTrace"][0] == "TypeError: logged error"
    debug_spec = json_spec("node-debug", Runtime.NODEJS20, "index.handler", code, Level.DEBUG)
    _, debug_lines = tail_lines(sandbox, debug_spec)
    assert "a debug line" in [r["message"] for r in objects(debug_lines)]


def test_node_invoke_error_in_json(sandbox: SandboxHarness) -> None:
    code = make_zip({"index.js": NODE_CODE})
    spec = json_spec("node-fail", Runtime.NODEJS20, "index.fail", code)
    result, lines = tail_lines(sandbox, spec)
    assert result.error_type == "RangeError"
    (error,) = objects(lines)
    assert error["level"] == "ERROR"
    assert error["message"]["errorType"] == "RangeError"
    assert error["message"]["errorMessage"] == "out of range"
