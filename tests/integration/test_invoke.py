"""Invoke through the signed HTTP API: runtimes, Lambda's headers, errors and log tail."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.sandbox.support import zip_with_packages
from tests.support.packages import make_zip
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration

PY_HANDLER = """
import json, os, time

COUNT = 0

def handler(event, context):
    global COUNT
    COUNT += 1
    print("got", json.dumps(event))
    return {
        "event": event,
        "count": COUNT,
        "request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "arn": context.invoked_function_arn,
        "memory": context.memory_limit_in_mb,
        "remaining_ok": 0 < context.get_remaining_time_in_millis() <= 3000,
        "log_group": context.log_group_name,
        "client_context": (context.client_context.custom
                           if context.client_context else None),
        "env": {k: os.environ.get(k) for k in (
            "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_REGION", "_HANDLER", "LAMBDA_TASK_ROOT",
            "AWS_LAMBDA_LOG_GROUP_NAME", "MODE")},
    }

def fail(event, context):
    raise ValueError("bad input: " + str(event.get("n")))

def sleepy(event, context):
    time.sleep(10)
"""


def create(server: RunningServer, code: bytes, runtime: str = "python3.11",
           handler: str = "app.handler", **extra: Any) -> str:  # fmt: skip
    lam = server.client("lambda")
    name = f"inv-{uuid.uuid4().hex[:10]}"
    lam.create_function(FunctionName=name, Runtime=runtime, Handler=handler,
                        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
                        Code={"ZipFile": code}, **extra)  # fmt: skip
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return name


def call(server: RunningServer, name: str, payload: Any = None, **extra: Any) -> dict[str, Any]:
    lam = server.client("lambda")
    body = b"" if payload is None else json.dumps(payload).encode()
    reply: dict[str, Any] = lam.invoke(FunctionName=name, Payload=body, **extra)
    reply["Body"] = reply.pop("Payload").read()
    return reply


@pytest.fixture(scope="module")
def python_fn(server: RunningServer) -> str:
    return create(
        server, make_zip({"app.py": PY_HANDLER}), Environment={"Variables": {"MODE": "x"}}
    )


def test_python_invoke_with_context_and_environment(server: RunningServer, python_fn: str) -> None:
    reply = call(server, python_fn, {"a": 1})
    assert reply["StatusCode"] == 200
    assert reply["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in reply
    body = json.loads(reply["Body"])
    assert body["event"] == {"a": 1}
    assert body["function_name"] == python_fn
    assert body["function_version"] == "$LATEST"
    assert body["arn"].endswith(f":function:{python_fn}")
    assert body["memory"] == "128"
    assert body["remaining_ok"] is True
    assert body["log_group"] == f"/aws/lambda/{python_fn}"
    assert body["env"] == {
        "AWS_LAMBDA_FUNCTION_NAME": python_fn,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_REGION": server.region,
        "_HANDLER": "app.handler",
        "LAMBDA_TASK_ROOT": "/var/task",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{python_fn}",
        "MODE": "x",
    }


def test_warm_environment_keeps_globals(server: RunningServer, python_fn: str) -> None:
    counts = [json.loads(call(server, python_fn, {})["Body"])["count"] for _ in range(3)]
    assert counts == sorted(counts)
    assert counts[-1] - counts[0] == 2


def test_empty_payload_is_an_empty_object(server: RunningServer, python_fn: str) -> None:
    assert json.loads(call(server, python_fn)["Body"])["event"] == {}


def test_log_tail(server: RunningServer, python_fn: str) -> None:
    reply = call(server, python_fn, {"marker": "tail-me"}, LogType="Tail")
    log = base64.b64decode(reply["LogResult"]).decode()
    assert 'got {"marker": "tail-me"}' in log
    assert "END RequestId: " in log
    assert "REPORT RequestId: " in log
    assert "Billed Duration: " in log
    assert "Memory Size: 128 MB" in log


def test_client_context(server: RunningServer, python_fn: str) -> None:
    context = base64.b64encode(json.dumps({"custom": {"k": "v"}}).encode()).decode()
    reply = call(server, python_fn, {}, ClientContext=context)
    assert json.loads(reply["Body"])["client_context"] == {"k": "v"}


def test_unhandled_error_shape(server: RunningServer) -> None:
    name = create(server, make_zip({"app.py": PY_HANDLER}), handler="app.fail")
    reply = call(server, name, {"n": 7})
    assert reply["StatusCode"] == 200
    assert reply["FunctionError"] == "Unhandled"
    error = json.loads(reply["Body"])
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "bad input: 7"
    assert isinstance(error["stackTrace"], list)


@pytest.mark.parametrize(
    ("files", "handler", "error_type"),
    [
        pytest.param({"app.py": "x = 1\n"}, "missing.handler", "Runtime.ImportModuleError",
                     id="import-error"),
        pytest.param({"app.py": "x = 1\n"}, "app.nothing", "Runtime.HandlerNotFound",
                     id="handler-not-found"),
        pytest.param({"app.py": "import sys\nsys.exit(3)\n"}, "app.handler", "Runtime.ExitError",
                     id="exit"),
    ],
)  # fmt: skip
def test_init_errors(
    server: RunningServer, files: dict[str, str | bytes], handler: str, error_type: str
) -> None:
    name = create(server, make_zip(files), handler=handler)
    reply = call(server, name, {})
    assert reply["FunctionError"] == "Unhandled"
    assert json.loads(reply["Body"])["errorType"] == error_type


def test_timeout(server: RunningServer) -> None:
    name = create(server, make_zip({"app.py": PY_HANDLER}), handler="app.sleepy", Timeout=1)
    reply = call(server, name, {}, LogType="Tail")
    assert reply["FunctionError"] == "Unhandled"
    # Lambda's timeout payload carries only the message (the log says Sandbox.Timedout).
    body = json.loads(reply["Body"])
    assert body["errorMessage"].endswith("Task timed out after 1.00 seconds")
    # The environment was killed; the next call gets a fresh one and still works the same way.
    assert call(server, name, {})["FunctionError"] == "Unhandled"


def test_node_async_and_callback_handlers(server: RunningServer) -> None:
    code = make_zip({
        "index.js": "exports.handler = async (event, context) =>"
                    " ({ got: event, fn: context.functionName });\n",
        "cb.js": "exports.handler = (event, context, callback) => callback(null, {cb: event.x});\n",
    })  # fmt: skip
    name = create(server, code, runtime="nodejs20.x", handler="index.handler")
    body = json.loads(call(server, name, {"x": 1})["Body"])
    assert body == {"got": {"x": 1}, "fn": name}
    lam = server.client("lambda")
    lam.update_function_configuration(FunctionName=name, Handler="cb.handler")
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    assert json.loads(call(server, name, {"x": 2})["Body"]) == {"cb": 2}


def test_custom_runtime_bootstrap(server: RunningServer) -> None:
    python_bootstrap = """#!/usr/bin/env python3
import json, os, urllib.request
api = os.environ["AWS_LAMBDA_RUNTIME_API"]
while True:
    with urllib.request.urlopen(f"http://{api}/2018-06-01/runtime/invocation/next") as r:
        rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(r.read())
    body = json.dumps({"custom": event, "handler": os.environ["_HANDLER"]}).encode()
    urllib.request.urlopen(urllib.request.Request(
        f"http://{api}/2018-06-01/runtime/invocation/{rid}/response", data=body, method="POST"))
"""
    code = make_zip({"bootstrap": python_bootstrap}, executable=("bootstrap",))
    name = create(server, code, runtime="provided.al2023", handler="my.handler")
    assert json.loads(call(server, name, {"q": 1})["Body"]) == {
        "custom": {"q": 1},
        "handler": "my.handler",
    }


def two_versions(server: RunningServer) -> str:
    """A function with version 1 returning 'one' and version 2 returning 'two'."""
    lam = server.client("lambda")
    name = create(server, make_zip({"app.py": "def handler(e, c):\n    return 'one'\n"}))
    lam.publish_version(FunctionName=name)
    two = make_zip({"app.py": "def handler(e, c):\n    return 'two'\n"})
    lam.update_function_code(FunctionName=name, ZipFile=two)
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    lam.publish_version(FunctionName=name)
    return name


def test_versions_and_weighted_alias(server: RunningServer) -> None:
    lam = server.client("lambda")
    name = two_versions(server)
    assert json.loads(call(server, name, {}, Qualifier="1")["Body"]) == "one"
    reply = call(server, name, {}, Qualifier="2")
    assert (json.loads(reply["Body"]), reply["ExecutedVersion"]) == ("two", "2")
    lam.create_alias(FunctionName=name, Name="canary", FunctionVersion="1",
                     RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})  # fmt: skip
    seen = {call(server, name, {}, Qualifier="canary")["ExecutedVersion"] for _ in range(40)}
    assert seen == {"1", "2"}  # 40 draws at 50/50: both show up (p of failure ~ 2e-12)


def test_every_change_reaches_the_very_next_invoke(server: RunningServer) -> None:
    """Invoke reuses what it read from the store only until something commits."""
    lam = server.client("lambda")
    name = two_versions(server)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    for _ in range(3):  # the same target, read again and again
        assert call(server, name, {}, Qualifier="live")["ExecutedVersion"] == "1"
    lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2")
    assert call(server, name, {}, Qualifier="live")["ExecutedVersion"] == "2"
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as throttled:
        lam.invoke(FunctionName=name, Qualifier="live", Payload=b"{}")
    assert throttled.value.response["Error"]["Code"] == "TooManyRequestsException"
    lam.delete_function_concurrency(FunctionName=name)
    assert call(server, name, {}, Qualifier="live")["ExecutedVersion"] == "2"
    lam.delete_alias(FunctionName=name, Name="live")
    with pytest.raises(ClientError) as gone:
        lam.invoke(FunctionName=name, Qualifier="live", Payload=b"{}")
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"
    lam.delete_function(FunctionName=name)
    with pytest.raises(ClientError) as deleted:
        lam.invoke(FunctionName=name, Payload=b"{}", InvocationType="Event")
    assert deleted.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_dry_run_and_missing_function(server: RunningServer, python_fn: str) -> None:
    lam = server.client("lambda")
    reply = lam.invoke(FunctionName=python_fn, InvocationType="DryRun")
    assert reply["StatusCode"] == 204
    with pytest.raises(ClientError) as exc:
        lam.invoke(FunctionName=f"{python_fn}-nope", Payload=b"{}")
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"


@pytest.mark.parametrize(("member", "value"), [("DurableExecutionName", "run-1")])
def test_members_asking_for_what_stockade_does_not_provide_are_refused(
    server: RunningServer, python_fn: str, member: str, value: str
) -> None:
    with pytest.raises(ClientError) as exc:
        server.client("lambda").invoke(FunctionName=python_fn, Payload=b"{}", **{member: value})
    error = exc.value.response["Error"]
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Message"].startswith(f"{member} is not supported by Stockade")


def test_payload_limits(server: RunningServer, python_fn: str) -> None:
    lam = server.client("lambda")
    with pytest.raises(ClientError) as exc:
        lam.invoke(FunctionName=python_fn, Payload=b'"' + b"x" * (6 * 1024 * 1024) + b'"')
    assert exc.value.response["Error"]["Code"] == "RequestTooLargeException"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    with pytest.raises(ClientError) as exc:
        lam.invoke(FunctionName=python_fn, Payload=b"{not json")
    assert exc.value.response["Error"]["Code"] == "InvalidRequestContentException"


def test_concurrent_invokes_use_separate_environments(server: RunningServer) -> None:
    slow = (
        "import time, uuid\nENV = uuid.uuid4().hex  # one per environment\n"
        "def handler(e, c):\n    time.sleep(0.5)\n    return ENV\n"
    )
    name = create(server, make_zip({"app.py": slow}))
    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda _: call(server, name, {}), range(4)))
    assert all("FunctionError" not in r for r in replies)
    # The four calls overlapped; an environment serves one at a time, so four served them.
    assert len({json.loads(r["Body"]) for r in replies}) == 4


def test_sdk_channel_reaches_the_api_and_is_authenticated(server: RunningServer) -> None:
    """AWS_ENDPOINT_URL inside the sandbox leads to this server, which still demands SigV4."""
    code = """
import os, urllib.request, urllib.error
def handler(event, context):
    url = os.environ["AWS_ENDPOINT_URL"] + "/2015-03-31/functions/"
    try:
        urllib.request.urlopen(url, timeout=5)
        return {"status": 200}
    except urllib.error.HTTPError as e:
        return {"status": e.code, "type": e.headers["x-amzn-ErrorType"]}
"""
    name = create(server, make_zip({"app.py": code}))
    assert json.loads(call(server, name, {})["Body"]) == {
        "status": 403,
        "type": "MissingAuthenticationTokenException",
    }


def test_logs_are_stored_and_printed(server: RunningServer, python_fn: str) -> None:
    marker = f"log-marker-{uuid.uuid4().hex}"
    request_id = call(server, python_fn, {"m": marker})["ResponseMetadata"]["RequestId"]
    assert request_id
    deadline = time.monotonic() + 10
    while True:
        done = subprocess.run(
            [sys.executable, "-m", "stockade", "logs", python_fn, "--data-dir",
             str(server.data_dir), "--json"],
            capture_output=True, text=True, timeout=60, check=False,
            env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        events = [json.loads(line) for line in done.stdout.splitlines()]
        if any(marker in e["message"] for e in events) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    messages = [e["message"] for e in events]
    assert any(marker in m for m in messages)
    assert any(m.startswith("START RequestId: ") for m in messages)
    assert any(m.startswith("REPORT RequestId: ") for m in messages)
    assert all(e["logStreamName"].count("[$LATEST]") == 1 for e in events)


def test_awslambdaric_custom_runtime_through_the_api(server: RunningServer) -> None:
    """The official runtime interface client, unmodified, as a provided.al2023 bootstrap."""
    files = {
        "bootstrap": (
            '#!/bin/sh\ncd "$LAMBDA_TASK_ROOT"\n'
            'exec /usr/bin/python3.11 -m awslambdaric "$_HANDLER"\n'
        ),
        "app.py": (
            "def handler(event, context):\n"
            "    print('ric says hi')\n"
            "    return {'ric': event, 'fn': context.function_name}\n"
        ),
    }
    modules = ("awslambdaric", "runtime_client", "simplejson", "snapshot_restore_py")
    package = zip_with_packages(files, modules, executable=("bootstrap",))
    name = create(server, package, runtime="provided.al2023", handler="app.handler",
                  MemorySize=1024, Timeout=10)  # fmt: skip
    reply = call(server, name, {"q": 1}, LogType="Tail")
    assert "FunctionError" not in reply, reply["Body"]
    assert json.loads(reply["Body"]) == {"ric": {"q": 1}, "fn": name}
    assert "ric says hi" in base64.b64decode(reply["LogResult"]).decode()
