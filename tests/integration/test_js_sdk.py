"""The AWS SDK for JavaScript v3 (from npm) works against the server as it does against AWS:
CloudTrail LookupEvents (whose X-Amz-Target prefix it shortens to `CloudTrail_20131101`), SQS
ListQueues and Lambda ListFunctions succeed, and an unsupported service's refusal reaches it as
a `NotImplemented` error naming the service."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.js_sdk import js_sdk_dir
from tests.support.server import RunningServer

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SCRIPT = r"""
const { CloudTrailClient, LookupEventsCommand } = require("@aws-sdk/client-cloudtrail");
const { SQSClient, ListQueuesCommand, CreateQueueCommand } = require("@aws-sdk/client-sqs");
const { LambdaClient, ListFunctionsCommand } = require("@aws-sdk/client-lambda");

async function main() {
  const [endpoint, region, accessKeyId, secretAccessKey, queueName] = process.argv.slice(1);
  const credentials = { accessKeyId, secretAccessKey };
  const config = { endpoint, region, credentials, maxAttempts: 1 };
  const out = {};
  const trail = await new CloudTrailClient(config).send(new LookupEventsCommand({ MaxResults: 5 }));
  out.lookupEvents = trail.Events.length;
  const sqs = new SQSClient(config);
  await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
  out.queues = (await sqs.send(new ListQueuesCommand({}))).QueueUrls || [];
  out.functions = (await new LambdaClient(config).send(new ListFunctionsCommand({}))).Functions;
  console.log(JSON.stringify(out));
}
main().catch((e) => { console.error(e.name + ": " + e.message); process.exit(1); });
"""

UNSUPPORTED = r"""
const { SQSClient } = require("@aws-sdk/client-sqs");
const { CloudTrailClient, LookupEventsCommand } = require("@aws-sdk/client-cloudtrail");
// A CloudTrail client signing for another service's name: the request reaches the server as
// one for a service it does not serve, in the JSON protocol the JavaScript SDK speaks.
async function main() {
  const [endpoint, region, accessKeyId, secretAccessKey] = process.argv.slice(1);
  const client = new CloudTrailClient({
    endpoint, region, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1,
    signingName: "dynamodb",
  });
  try {
    await client.send(new LookupEventsCommand({}));
    console.log(JSON.stringify({ ok: true }));
  } catch (e) {
    const status = e.$metadata.httpStatusCode;
    console.log(JSON.stringify({ name: e.name, message: e.message, status }));
  }
}
main();
"""


def run_node(server: RunningServer, sdk: Path, script: str, *args: str) -> Any:
    key, secret = server.credentials()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["NODE_PATH"] = str(sdk / "node_modules")
    if server.ca_bundle:
        env["NODE_EXTRA_CA_CERTS"] = server.ca_bundle
    done = subprocess.run(
        # `node -e SCRIPT -- ARGS`: process.argv is [node, ...ARGS]
        ["node", "-e", script, "--", server.url, server.region, key, secret, *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def sdk() -> Path:
    found = js_sdk_dir()
    if found is None:
        pytest.skip("node and npm are needed for the JavaScript SDK")
    return found


def test_cloudtrail_sqs_and_lambda_calls_succeed(server: RunningServer, sdk: Path) -> None:
    out = run_node(server, sdk, SCRIPT, "js-sdk-queue")
    assert isinstance(out["lookupEvents"], int)
    assert any(url.endswith("/js-sdk-queue") for url in out["queues"])
    assert isinstance(out["functions"], list)


def test_an_unsupported_service_reaches_the_js_sdk_as_not_implemented(
    server: RunningServer, sdk: Path
) -> None:
    out = run_node(server, sdk, UNSUPPORTED)
    assert out["name"] == "NotImplemented"
    assert out["status"] == 501
    assert "The dynamodb service" in out["message"]
