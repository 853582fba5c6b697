"""The built-in python3.11 runtime in a real sandbox: handler contract, context, errors, SDK."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.sandbox.support import SandboxHarness, make_spec, make_zip, zip_with_packages

pytestmark = pytest.mark.slow

CONTEXT_APP = """
import os, sys
def handler(event, context):
    return {
        "event": event,
        "aws_request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining": context.get_remaining_time_in_millis(),
        "client_context": context.client_context,
        "identity_id": context.identity.cognito_identity_id,
        "cwd": os.getcwd(),
        "executable": sys.executable,
    }
"""


def payload(raw: bytes) -> Any:
    return json.loads(raw)


def test_handler_gets_the_event_and_a_lambda_context(sandbox: SandboxHarness) -> None:
    spec = make_spec(make_zip({"app.py": CONTEXT_APP}), name="ctx", memory_mb=512, timeout_s=7)
    result = sandbox.invoke(spec, b'{"k": [1, 2]}')
    assert result.function_error is None, result.payload
    body = payload(result.payload)
    assert body["event"] == {"k": [1, 2]}
    assert body["function_name"] == "ctx"
    assert body["function_version"] == "$LATEST"
    assert body["invoked_function_arn"] == spec.function_arn
    assert body["memory_limit_in_mb"] == "512"
    assert body["log_group_name"] == "/aws/lambda/ctx"
    assert body["log_stream_name"].split("]")[0].endswith("[$LATEST")
    assert 5000 < body["remaining"] <= 7000
    assert body["identity_id"] is None
    assert body["cwd"] == "/var/task"
    assert result.init_duration_ms is not None
    assert result.billed_duration_ms >= 1
    assert result.executed_version == "$LATEST"


def test_handler_exception_is_lambdas_error_shape_and_logged(sandbox: SandboxHarness) -> None:
    code = "def handler(event, context):\n    raise KeyError('missing')\n"
    result = sandbox.invoke(make_spec(make_zip({"app.py": code}), name="raises"))
    assert result.function_error == "Unhandled"
    assert result.error_type == "KeyError"
    body = payload(result.payload)
    assert body["errorMessage"] == "'missing'"
    assert body["errorType"] == "KeyError"
    assert any('File "/var/task/app.py"' in frame for frame in body["stackTrace"])
    assert b"[ERROR] KeyError: 'missing'\rTraceback (most recent call last):" in result.log_tail


@pytest.mark.parametrize(
    ("files", "handler", "error_type"),
    [
        ({"other.py": ""}, "app.handler", "Runtime.ImportModuleError"),
        ({"app.py": "x = 1\n"}, "app.handler", "Runtime.HandlerNotFound"),
        ({"app.py": "def handler(:\n"}, "app.handler", "Runtime.UserCodeSyntaxError"),
        ({"app.py": ""}, "nohandler", "Runtime.MalformedHandlerName"),
    ],
    ids=["import", "handler-not-found", "syntax", "malformed"],
)
def test_init_failures_have_lambdas_error_types(
    sandbox: SandboxHarness, files: dict[str, str], handler: str, error_type: str
) -> None:
    spec = make_spec(make_zip(files), name=f"init-{error_type}", handler=handler)
    result = sandbox.invoke(spec)
    assert result.error_type == error_type
    assert payload(result.payload)["errorType"] == error_type


def test_runtime_exit_is_reported_with_its_status(sandbox: SandboxHarness) -> None:
    code = "import sys\ndef handler(event, context):\n    sys.exit(1)\n"
    result = sandbox.invoke(make_spec(make_zip({"app.py": code}), name="exits"))
    assert result.error_type == "Runtime.ExitError"
    assert payload(result.payload)["errorMessage"].endswith(
        "Runtime exited with error: exit status 1"
    )


def test_print_output_lands_between_start_and_end(sandbox: SandboxHarness) -> None:
    code = "def handler(event, context):\n    print('hello log')\n    return 1\n"
    result = sandbox.invoke(make_spec(make_zip({"app.py": code}), name="printer"))
    lines = result.log_tail.decode().splitlines()
    assert lines[0].startswith("START RequestId: ")
    assert lines[1] == "hello log"
    assert lines[2].startswith("END RequestId: ")
    assert lines[3].startswith("REPORT RequestId: ")
    assert "Max Memory Used: " in lines[3]


def test_boto3_is_importable_read_only_as_on_lambda(sandbox: SandboxHarness) -> None:
    code = (
        "import boto3, botocore, os\n"
        "def handler(event, context):\n"
        "    path = os.path.dirname(boto3.__file__)\n"
        "    try:\n"
        "        open(os.path.join(path, 'x'), 'w')\n"
        "        writable = True\n"
        "    except OSError:\n"
        "        writable = False\n"
        "    return {'version': boto3.__version__, 'path': path, 'writable': writable}\n"
    )
    spec = make_spec(make_zip({"app.py": code}), name="sdk", memory_mb=1769, timeout_s=10)
    result = sandbox.invoke(spec)
    assert result.function_error is None, result.payload
    body = payload(result.payload)
    assert body["path"] == "/var/runtime/boto3"
    assert body["writable"] is False


def test_layers_are_importable_from_opt(sandbox: SandboxHarness) -> None:
    layer = make_zip({"python/shared_lib.py": "VALUE = 'from layer'\n"})
    code = "import shared_lib\ndef handler(event, context):\n    return shared_lib.VALUE\n"
    spec = make_spec(make_zip({"app.py": code}), name="layered", layers=(layer,))
    result = sandbox.invoke(spec)
    assert payload(result.payload) == "from layer"


def test_powertools_logger_works_inside_a_function(sandbox: SandboxHarness) -> None:
    code = (
        "from aws_lambda_powertools import Logger\n"
        "logger = Logger(service='orders')\n"
        "@logger.inject_lambda_context\n"
        "def handler(event, context):\n"
        "    logger.info('order placed')\n"
        "    return 'ok'\n"
    )
    package = zip_with_packages({"app.py": code}, ("aws_lambda_powertools", "typing_extensions"))
    spec = make_spec(package, name="powertools", memory_mb=1024, timeout_s=10)
    result = sandbox.invoke(spec)
    assert result.function_error is None, result.payload
    records = [
        json.loads(line) for line in result.log_tail.decode().splitlines() if line.startswith("{")
    ]
    (record,) = records
    assert record["message"] == "order placed"
    assert record["service"] == "orders"
    assert record["function_name"] == "powertools"
    assert record["function_request_id"]
