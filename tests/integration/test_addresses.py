"""A URL the API hands out works unchanged inside a function as outside: the guest reaches the
SDK channel at the server's own scheme, host and port, trusting the server's CA."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.support.js_sdk import js_sdk_dir
from tests.support.packages import make_zip
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration

TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}  # fmt: skip

# The JavaScript SDK v3 sends SQS calls to the QueueUrl's host (useQueueUrlAsEndpoint).
SQS_FROM_NODE = """
const { SQSClient, SendMessageCommand, GetQueueUrlCommand } = require("@aws-sdk/client-sqs");
exports.handler = async (event) => {
  const sqs = new SQSClient({});
  await sqs.send(new SendMessageCommand({ QueueUrl: event.queueUrl, MessageBody: event.body }));
  const found = await sqs.send(new GetQueueUrlCommand({ QueueName: event.queueName }));
  return { endpoint: process.env.AWS_ENDPOINT_URL, inside: found.QueueUrl };
};
"""

DOWNLOAD = """
import base64, hashlib, urllib.request
def handler(event, context):
    body = urllib.request.urlopen(event["url"], timeout=10).read()
    return {"sha256": base64.b64encode(hashlib.sha256(body).digest()).decode()}
"""


def _role(server: RunningServer, actions: list[str]) -> str:
    iam = server.client("iam")
    name = f"addr-{uuid.uuid4().hex[:8]}"
    arn: str = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"][
        "Arn"
    ]
    policy = {"Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}  # fmt: skip
    iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    return arn


def _node_modules_layer(root: Path) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted((root / "node_modules").rglob("*")):
            if path.is_file() and not path.is_symlink():
                z.write(path, "nodejs/" + str(path.relative_to(root)))
    return out.getvalue()


def _invoke(server: RunningServer, name: str, payload: dict[str, Any]) -> Any:
    lam = server.client("lambda")
    reply = lam.invoke(FunctionName=name, Payload=json.dumps(payload).encode())
    body = json.loads(reply["Payload"].read())
    assert "FunctionError" not in reply, body
    return body


def test_a_queue_url_from_outside_works_inside_with_the_js_sdk(server: RunningServer) -> None:
    sdk = js_sdk_dir()
    if sdk is None:
        pytest.skip("node and npm are needed for the JavaScript SDK")
    sqs, lam = server.client("sqs"), server.client("lambda")
    queue = f"addr-{uuid.uuid4().hex[:8]}"
    outside = sqs.create_queue(QueueName=queue)["QueueUrl"]
    layer = lam.publish_layer_version(LayerName=f"jsv3-{uuid.uuid4().hex[:8]}",
                                      Content={"ZipFile": _node_modules_layer(sdk)})  # fmt: skip
    name = f"addr-node-{uuid.uuid4().hex[:8]}"
    lam.create_function(FunctionName=name, Runtime="nodejs20.x", Handler="index.handler",
                        Role=_role(server, ["sqs:SendMessage", "sqs:GetQueueUrl"]),
                        Code={"ZipFile": make_zip({"index.js": SQS_FROM_NODE})},
                        Layers=[layer["LayerVersionArn"]], Timeout=30)  # fmt: skip
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    marker = uuid.uuid4().hex
    got = _invoke(server, name, {"queueUrl": outside, "queueName": queue, "body": marker})
    # The same address on both sides: the server's own URL, not a channel's private one.
    assert got == {"endpoint": server.url, "inside": outside}
    messages = sqs.receive_message(QueueUrl=outside, WaitTimeSeconds=5)["Messages"]
    assert [m["Body"] for m in messages] == [marker]


def test_a_code_location_from_outside_downloads_inside(server: RunningServer) -> None:
    lam = server.client("lambda")
    name = f"addr-py-{uuid.uuid4().hex[:8]}"
    lam.create_function(
        FunctionName=name, Runtime="python3.11", Handler="app.handler",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Code={"ZipFile": make_zip({"app.py": DOWNLOAD})}, Timeout=30,
    )  # fmt: skip
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    fn = lam.get_function(FunctionName=name)
    assert fn["Code"]["Location"].startswith(server.url + "/")
    got = _invoke(server, name, {"url": fn["Code"]["Location"]})
    assert got["sha256"] == fn["Configuration"]["CodeSha256"]


def test_the_guest_trusts_the_servers_ca_and_nothing_is_plain_http(server: RunningServer) -> None:
    code = """
import os, urllib.request, urllib.error
def handler(event, context):
    plain = os.environ["AWS_ENDPOINT_URL"].replace("https://", "http://", 1)
    try:
        urllib.request.urlopen(plain + "/_stockade/health", timeout=5)
        answered = True
    except Exception:
        answered = False
    return {"endpoint": os.environ["AWS_ENDPOINT_URL"],
            "ca": open(os.environ["AWS_CA_BUNDLE"]).read(), "plain_http": answered}
"""
    lam = server.client("lambda")
    name = f"addr-ca-{uuid.uuid4().hex[:8]}"
    lam.create_function(
        FunctionName=name, Runtime="python3.11", Handler="app.handler",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Code={"ZipFile": make_zip({"app.py": code})},
    )  # fmt: skip
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    got = _invoke(server, name, {})
    assert server.ca_bundle is not None
    assert got == {"endpoint": server.url, "ca": Path(server.ca_bundle).read_text(),
                   "plain_http": False}  # fmt: skip
