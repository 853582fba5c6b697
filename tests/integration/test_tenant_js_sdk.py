"""The AWS SDK for JavaScript v3 invokes a tenant-isolated function with `TenantId` (sent as
X-Amz-Tenant-Id) and reads `TenancyConfig` back, as against AWS."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.integration.test_js_sdk import run_node
from tests.support.js_sdk import js_sdk_dir
from tests.support.packages import make_zip
from tests.support.server import RunningServer

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SCRIPT = r"""
const { LambdaClient, InvokeCommand, GetFunctionConfigurationCommand } =
  require("@aws-sdk/client-lambda");

async function main() {
  const [endpoint, region, accessKeyId, secretAccessKey, name] = process.argv.slice(1);
  const lambda = new LambdaClient(
    { endpoint, region, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
  const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
  const reply = await lambda.send(new InvokeCommand(
    { FunctionName: name, TenantId: "js-tenant", Payload: Buffer.from("{}") }));
  let missing;
  try {
    await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from("{}") }));
  } catch (e) {
    missing = e.name;
  }
  console.log(JSON.stringify({
    tenancy: config.TenancyConfig,
    body: JSON.parse(Buffer.from(reply.Payload).toString()),
    missing,
  }));
}
main().catch((e) => { console.error(e.name + ": " + e.message); process.exit(1); });
"""


@pytest.fixture(scope="module")
def sdk() -> Path:
    found = js_sdk_dir()
    if found is None:
        pytest.skip("node and npm are needed for the JavaScript SDK")
    return found


def test_the_js_sdk_invokes_with_a_tenant(server: RunningServer, sdk: Path) -> None:
    name = f"js-tenant-{uuid.uuid4().hex[:8]}"
    handler = "def handler(event, context):\n    return {'tenant': context.tenant_id}\n"
    server.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": handler})},
        TenancyConfig={"TenantIsolationMode": "PER_TENANT"},
    )
    out = run_node(server, sdk, SCRIPT, name)
    assert out["tenancy"] == {"TenantIsolationMode": "PER_TENANT"}
    assert out["body"] == {"tenant": "js-tenant"}
    assert out["missing"] == "InvalidParameterValueException"
