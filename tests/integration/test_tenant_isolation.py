"""Tenant isolation mode end to end: boto3 against a real server, real Python and Node.js
functions in real sandboxes.

An environment of a PER_TENANT function serves one tenant only (the developer guide's "Tenant
isolation" page): what tenant A leaves in /tmp or in globals is never seen by tenant B, while
tenant A's next invocation reuses its warm environment. The tenant id reaches the function's
context object (Python `context.tenant_id`, Node.js `context.tenantId`: "Accessing tenant
identifier in Lambda function code").
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.support.packages import make_zip
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration

PER_TENANT = {"TenantIsolationMode": "PER_TENANT"}

MARKER_HANDLER = """
import os, uuid

ENVIRONMENT = uuid.uuid4().hex  # one per execution environment
SERVED = []  # every tenant this environment ever served
MARKER = "/tmp/tenant-marker"

def handler(event, context):
    SERVED.append(context.tenant_id)
    found = open(MARKER).read() if os.path.exists(MARKER) else None
    if event.get("write"):
        with open(MARKER, "w") as f:
            f.write(event["write"])
    return {"environment": ENVIRONMENT, "tenant": context.tenant_id, "found": found,
            "served": SERVED}
"""


def create(server: RunningServer, code: bytes, runtime: str, handler: str, **extra: Any) -> str:
    name = f"tenant-{uuid.uuid4().hex[:8]}"
    server.client("lambda").create_function(
        FunctionName=name,
        Runtime=runtime,
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Handler=handler,
        Code={"ZipFile": code},
        **extra,
    )
    return name


def invoke(server: RunningServer, name: str, event: dict[str, Any], **extra: Any) -> Any:
    reply = server.client("lambda").invoke(
        FunctionName=name, Payload=json.dumps(event).encode(), **extra
    )
    body = reply["Payload"].read()
    assert "FunctionError" not in reply, body
    return json.loads(body)


def test_two_tenants_never_share_an_environment_and_one_reuses_its_own(
    server: RunningServer,
) -> None:
    name = create(
        server,
        make_zip({"app.py": MARKER_HANDLER}),
        "python3.11",
        "app.handler",
        TenancyConfig=PER_TENANT,
    )
    secret = f"secret-of-a-{uuid.uuid4().hex}"
    a1 = invoke(server, name, {"write": secret}, TenantId="tenant-a")
    assert a1["tenant"] == "tenant-a"
    assert a1["found"] is None  # a fresh environment: nothing in /tmp
    b1 = invoke(server, name, {}, TenantId="tenant-b")
    assert b1["tenant"] == "tenant-b"
    assert b1["environment"] != a1["environment"]
    assert b1["found"] is None  # tenant A's marker is not in tenant B's /tmp
    assert b1["served"] == ["tenant-b"]
    a2 = invoke(server, name, {}, TenantId="tenant-a")
    assert a2["environment"] == a1["environment"]  # warm reuse for the same tenant
    assert a2["found"] == secret  # ...with its own /tmp
    assert a2["served"] == ["tenant-a", "tenant-a"]
    b2 = invoke(server, name, {}, TenantId="tenant-b")
    assert b2["environment"] == b1["environment"]
    assert b2["found"] is None
    assert b2["served"] == ["tenant-b", "tenant-b"]


def test_the_node_context_has_the_tenant(server: RunningServer) -> None:
    code = make_zip(
        {
            "index.js": "exports.handler = async (event, context) =>"
            " ({ tenant: context.tenantId === undefined ? null : context.tenantId });\n"
        }
    )
    isolated = create(server, code, "nodejs20.x", "index.handler", TenancyConfig=PER_TENANT)
    assert invoke(server, isolated, {}, TenantId="blue") == {"tenant": "blue"}
    shared = create(server, code, "nodejs20.x", "index.handler")
    assert invoke(server, shared, {}) == {"tenant": None}


def test_a_shared_function_has_no_tenant_in_its_context(server: RunningServer) -> None:
    name = create(server, make_zip({"app.py": MARKER_HANDLER}), "python3.11", "app.handler")
    assert invoke(server, name, {})["tenant"] is None


def test_the_aws_cli_passes_the_tenant(server: RunningServer, tmp_path: Path) -> None:
    name = create(
        server,
        make_zip({"app.py": MARKER_HANDLER}),
        "python3.11",
        "app.handler",
        TenancyConfig=PER_TENANT,
    )
    out = tmp_path / "out.json"
    done = subprocess.run(
        [sys.executable, "-m", "awscli", "lambda", "invoke", "--function-name", name,
         "--tenant-id", "cli-tenant", "--payload", "{}", str(out)],
        env=server.cli_env(), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["tenant"] == "cli-tenant"


JSON_LOGGER: dict[str, str | bytes] = {
    "app.py": "import logging\n"
    "def handler(event, context):\n"
    "    logging.getLogger().info('for %s', context.tenant_id)\n"
    "    return 1\n",
    "index.js": "exports.handler = async (event, context) => {\n"
    "  console.info(`for ${context.tenantId}`);\n"
    "  return 1;\n"
    "};\n",
}


@pytest.mark.parametrize(
    ("runtime", "handler"), [("python3.11", "app.handler"), ("nodejs20.x", "index.handler")]
)
def test_json_log_records_name_the_tenant(
    server: RunningServer, runtime: str, handler: str
) -> None:
    """ "The tenantId property is included for platform events (like platform.start and
    platform.report) and custom logs you print in your function code" (Monitoring Lambda
    functions with tenant isolation), with JSON logging."""
    name = create(
        server, make_zip(JSON_LOGGER), runtime, handler, TenancyConfig=PER_TENANT,
        LoggingConfig={"LogFormat": "JSON"},
    )  # fmt: skip
    reply = server.client("lambda").invoke(FunctionName=name, TenantId="blue", LogType="Tail")
    records = [json.loads(line) for line in _tail(reply).splitlines() if line.strip()]
    app = [r for r in records if r.get("message") == "for blue"]
    assert [r["tenantId"] for r in app] == ["blue"]
    platform = {r["type"]: r["record"] for r in records if "type" in r}
    assert platform["platform.start"]["tenantId"] == "blue"
    assert platform["platform.report"]["tenantId"] == "blue"


def _tail(reply: dict[str, Any]) -> str:
    return base64.b64decode(reply["LogResult"]).decode()
