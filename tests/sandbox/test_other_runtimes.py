"""nodejs20.x, provided.al2023 and the official awslambdaric as a custom runtime."""

from __future__ import annotations

import json

import pytest

from stockade.sandbox import Runtime
from tests.sandbox.support import SandboxHarness, make_spec, make_zip, zip_with_packages

pytestmark = pytest.mark.slow


def test_node_async_handler(sandbox: SandboxHarness) -> None:
    code = (
        "exports.handler = async (event, context) => {\n"
        "  console.log('node says', event.n);\n"
        "  const left = context.getRemainingTimeInMillis() > 0;\n"
        "  return {n: event.n * 2, fn: context.functionName, left};\n"
        "};\n"
    )
    spec = make_spec(
        make_zip({"index.js": code}),
        name="node-async",
        runtime=Runtime.NODEJS20,
        handler="index.handler",
        memory_mb=512,
    )
    result = sandbox.invoke(spec, b'{"n": 21}')
    assert result.function_error is None, result.payload
    assert json.loads(result.payload) == {"n": 42, "fn": "node-async", "left": True}
    assert "\tINFO\tnode says 21" in result.log_tail.decode()


def test_node_callback_handler(sandbox: SandboxHarness) -> None:
    code = (
        "exports.handler = (event, context, callback) => {\n"
        "  setTimeout(() => callback(null, 'done'), 1);\n"
        "};\n"
    )
    spec = make_spec(
        make_zip({"index.js": code}),
        name="node-cb",
        runtime=Runtime.NODEJS20,
        handler="index.handler",
        memory_mb=512,
    )
    assert json.loads(sandbox.invoke(spec).payload) == "done"


def test_node_errors_have_lambdas_shape(sandbox: SandboxHarness) -> None:
    code = "exports.handler = async () => { throw new TypeError('bad input'); };\n"
    spec = make_spec(
        make_zip({"index.js": code}),
        name="node-err",
        runtime=Runtime.NODEJS20,
        handler="index.handler",
        memory_mb=512,
    )
    result = sandbox.invoke(spec)
    assert result.error_type == "TypeError"
    body = json.loads(result.payload)
    assert body["errorMessage"] == "bad input"
    assert body["trace"][0] == "TypeError: bad input"
    missing = make_spec(
        make_zip({"index.js": "exports.other = 1;\n"}),
        name="node-missing",
        runtime=Runtime.NODEJS20,
        handler="index.handler",
        memory_mb=512,
    )
    assert sandbox.invoke(missing).error_type == "Runtime.HandlerNotFound"


SHELL_BOOTSTRAP = """#!/bin/sh
set -eu
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
while true; do
  HEADERS=$(mktemp)
  EVENT=$(curl -sS -D "$HEADERS" "$API/invocation/next")
  ID=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$HEADERS" | cut -d' ' -f2 | tr -d '\\r\\n')
  curl -sS -X POST "$API/invocation/$ID/response" -d "{\\"echo\\": $EVENT}" > /dev/null
done
"""


def test_provided_runtime_runs_an_executable_bootstrap(sandbox: SandboxHarness) -> None:
    code = make_zip({"bootstrap": SHELL_BOOTSTRAP}, executable=("bootstrap",))
    spec = make_spec(code, name="shell-runtime", runtime=Runtime.PROVIDED_AL2023, handler="x")
    first = sandbox.invoke(spec, b'{"a": 1}')
    second = sandbox.invoke(spec, b'{"a": 2}')
    assert json.loads(first.payload) == {"echo": {"a": 1}}
    assert json.loads(second.payload) == {"echo": {"a": 2}}
    assert second.init_duration_ms is None


def test_provided_runtime_bootstrap_exit_is_an_exit_error(sandbox: SandboxHarness) -> None:
    code = make_zip({"bootstrap": "#!/bin/sh\nexit 1\n"}, executable=("bootstrap",))
    spec = make_spec(code, name="bad-bootstrap", runtime=Runtime.PROVIDED_AL2023, handler="x")
    result = sandbox.invoke(spec)
    assert result.error_type == "Runtime.ExitError"
    assert json.loads(result.payload)["errorMessage"].endswith("exit status 1")


def test_official_awslambdaric_works_unmodified_as_a_bootstrap(sandbox: SandboxHarness) -> None:
    files = {
        "bootstrap": (
            '#!/bin/sh\ncd "$LAMBDA_TASK_ROOT"\n'
            'exec /usr/bin/python3.11 -m awslambdaric "$_HANDLER"\n'
        ),
        "app.py": (
            "def handler(event, context):\n"
            "    print('ric invoked', context.aws_request_id)\n"
            "    if event.get('fail'):\n"
            "        raise RuntimeError('ric failure')\n"
            "    return {'ric': event, 'fn': context.function_name}\n"
        ),
    }
    modules = ("awslambdaric", "runtime_client", "simplejson", "snapshot_restore_py")
    package = zip_with_packages(files, modules, executable=("bootstrap",))
    spec = make_spec(
        package,
        name="ric",
        runtime=Runtime.PROVIDED_AL2023,
        handler="app.handler",
        memory_mb=1024,
        timeout_s=10,
    )
    ok = sandbox.invoke(spec, b'{"q": 1}')
    assert ok.function_error is None, ok.payload
    assert json.loads(ok.payload) == {"ric": {"q": 1}, "fn": "ric"}
    failed = sandbox.invoke(spec, b'{"fail": true}')
    assert failed.error_type == "RuntimeError"
    assert json.loads(failed.payload)["errorMessage"] == "ric failure"


def test_node_es_module_handler(sandbox: SandboxHarness) -> None:
    code = "export const handler = async (event) => ({ esm: true, got: event });\n"
    spec = make_spec(
        make_zip({"index.mjs": code}),
        name="node-esm",
        runtime=Runtime.NODEJS20,
        handler="index.handler",
        memory_mb=512,
    )
    result = sandbox.invoke(spec, b'{"a": 1}')
    assert result.function_error is None, result.payload
    assert json.loads(result.payload) == {"esm": True, "got": {"a": 1}}
