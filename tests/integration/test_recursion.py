"""A real function that invokes itself asynchronously, through the real SDK in its sandbox.

Lambda stops a chain once a function ran 16 times in it (AWS What's New, 2023-07-13: "If a
function is invoked by the same triggering event more than 16 times, Lambda will stop the next
invocation and sends the event to a Dead-Letter Queue or on-failure destination"); with
RecursiveLoop=Allow (PutFunctionRecursionConfig) the chain runs on. Each run reports the
trace it was given, so the test also sees one trace id carried along the whole chain.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest

from tests.support.packages import make_zip
from tests.support.server import RunningServer

pytestmark = [pytest.mark.integration, pytest.mark.slow]

LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}  # fmt: skip
MAY_INVOKE_AND_SEND = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["lambda:InvokeFunction", "sqs:SendMessage"],
                   "Resource": "*"}],
}  # fmt: skip

# Reports each run to a queue, then invokes itself with n + 1 until n reaches `stop`: bounded
# by the payload whatever the server does.
SELF_INVOKER = """
import json, os
import boto3

def handler(event, context):
    n = event["n"]
    boto3.client("sqs").send_message(
        QueueUrl=event["report"],
        MessageBody=json.dumps({"n": n, "trace": os.environ.get("_X_AMZN_TRACE_ID")}),
    )
    if n < event["stop"]:
        boto3.client("lambda").invoke(
            FunctionName=context.function_name, InvocationType="Event",
            Payload=json.dumps({**event, "n": n + 1}).encode(),
        )
    return n
"""


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def make_queue(server: RunningServer) -> tuple[str, str]:
    sqs = server.client("sqs")
    url: str = sqs.create_queue(QueueName=unique("q"))["QueueUrl"]
    arn: str = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def drain(server: RunningServer, url: str, quiet_s: float, limit_s: float = 90) -> list[Any]:
    """Every message until none arrived for `quiet_s` (bounded by `limit_s`)."""
    sqs = server.client("sqs")
    bodies: list[Any] = []
    started = last = time.monotonic()
    while time.monotonic() - last < quiet_s and time.monotonic() - started < limit_s:
        got = sqs.receive_message(
            QueueUrl=url, WaitTimeSeconds=1, MaxNumberOfMessages=10,
            MessageSystemAttributeNames=["AWSTraceHeader"],
        ).get("Messages", [])  # fmt: skip
        for message in got:
            body = json.loads(message["Body"])
            body["_aws_trace_header"] = message.get("Attributes", {}).get("AWSTraceHeader")
            bodies.append(body)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        if got:
            last = time.monotonic()
    return bodies


def self_invoker(server: RunningServer, code: str = SELF_INVOKER) -> tuple[str, str]:
    """A self-invoking function whose failures go to a queue: (name, failure queue url)."""
    iam, lam = server.client("iam"), server.client("lambda")
    role_name = unique("role")
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
    iam.put_role_policy(RoleName=role_name, PolicyName="p",
                        PolicyDocument=json.dumps(MAY_INVOKE_AND_SEND))  # fmt: skip
    name = unique("loop")
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=role["Role"]["Arn"],
                        Handler="app.handler", Code={"ZipFile": make_zip({"app.py": code})},
                        Timeout=30)  # fmt: skip
    failures_url, failures_arn = make_queue(server)
    lam.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnFailure": {"Destination": failures_arn}}
    )
    return name, failures_url


def start(server: RunningServer, name: str, report: str, stop: int) -> None:
    payload = {"n": 1, "stop": stop, "report": report}
    server.client("lambda").invoke(
        FunctionName=name, InvocationType="Event", Payload=json.dumps(payload).encode()
    )


def test_a_self_invoking_chain_is_stopped_after_16_runs_and_its_event_goes_to_on_failure(
    server: RunningServer,
) -> None:
    name, failures = self_invoker(server)
    lam = server.client("lambda")
    assert lam.get_function_recursion_config(FunctionName=name)["RecursiveLoop"] == "Terminate"
    report, _ = make_queue(server)
    start(server, name, report, stop=40)

    runs = drain(server, report, quiet_s=6)
    assert sorted(run["n"] for run in runs) == list(range(1, 17))
    # One trace along the whole chain; its lineage counts the runs.
    roots = {run["trace"].split(";")[0] for run in runs}
    assert len(roots) == 1
    assert next(iter(roots)).startswith("Root=1-")
    for run in runs:
        lineage = dict(part.split("=", 1) for part in run["trace"].split(";"))["Lineage"]
        assert int(lineage.split(":")[0]) == run["n"]
        # The report the function sent carries the invocation's trace as AWSTraceHeader.
        assert run["_aws_trace_header"] == run["trace"]

    failed = drain(server, failures, quiet_s=2)
    assert len(failed) == 1
    record = failed[0]
    assert record["requestContext"]["condition"] == "RecursiveInvocationException"
    assert record["requestPayload"]["n"] == 17
    assert "responsePayload" not in record  # it never ran

    logs = server.client("logs")
    deadline = time.monotonic() + 10
    lines: list[str] = []
    while not lines and time.monotonic() < deadline:
        events = logs.filter_log_events(
            logGroupName=f"/aws/lambda/{name}", filterPattern="RecursiveInvocationException"
        )["events"]
        lines = [event["message"] for event in events]
        time.sleep(0.2)
    assert len(lines) == 1
    assert "ran 16 times" in lines[0]


def test_with_recursive_loop_allow_the_chain_runs_past_16(server: RunningServer) -> None:
    name, failures = self_invoker(server)
    lam = server.client("lambda")
    reply = lam.put_function_recursion_config(FunctionName=name, RecursiveLoop="Allow")
    assert reply["RecursiveLoop"] == "Allow"
    assert lam.get_function_recursion_config(FunctionName=name)["RecursiveLoop"] == "Allow"
    report, _ = make_queue(server)
    start(server, name, report, stop=20)  # the payload's own bound

    runs = drain(server, report, quiet_s=6)
    assert sorted(run["n"] for run in runs) == list(range(1, 21))
    assert drain(server, failures, quiet_s=1) == []


ROOT = "1-5759e988-bd862e3fe1be46a994272793"  # X-Ray's documented example trace id
TRACE_READERS: dict[str, tuple[str, dict[str, str | bytes]]] = {
    "python3.11": ("app.handler", {"app.py": (
        "import os\n"
        "def handler(event, context):\n"
        "    return os.environ.get('_X_AMZN_TRACE_ID')\n")}),
    "nodejs20.x": ("index.handler", {"index.js": (
        "exports.handler = async () => process.env._X_AMZN_TRACE_ID;\n")}),
    "provided.al2023": ("unused", {"bootstrap": (
        "#!/usr/bin/env python3\n"
        "import json, os, urllib.request\n"
        "api = os.environ['AWS_LAMBDA_RUNTIME_API']\n"
        "base = f'http://{api}/2018-06-01/runtime/invocation'\n"
        "while True:\n"
        "    with urllib.request.urlopen(f'{base}/next') as r:\n"
        "        rid = r.headers['Lambda-Runtime-Aws-Request-Id']\n"
        "        trace = r.headers.get('Lambda-Runtime-Trace-Id')\n"
        "    urllib.request.urlopen(urllib.request.Request(\n"
        "        f'{base}/{rid}/response',\n"
        "        data=json.dumps(trace).encode(), method='POST')).read()\n")}),
}  # fmt: skip


@pytest.mark.parametrize("runtime", sorted(TRACE_READERS))
def test_each_runtime_sees_the_callers_trace_continued(server: RunningServer, runtime: str) -> None:
    handler, files = TRACE_READERS[runtime]
    lam = server.client("lambda")
    name = unique("trace")
    lam.create_function(
        FunctionName=name, Runtime=runtime, Handler=handler,
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Code={"ZipFile": make_zip(files, executable=("bootstrap",))},
    )  # fmt: skip
    lam.get_waiter("function_active_v2").wait(FunctionName=name)

    def stamp(request: Any, **_: Any) -> None:
        request.headers["X-Amzn-Trace-Id"] = f"Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=0"

    lam.meta.events.register("before-sign.lambda.Invoke", stamp)
    seen = json.loads(lam.invoke(FunctionName=name)["Payload"].read())
    parts = dict(part.split("=", 1) for part in seen.split(";"))
    assert parts["Root"] == ROOT
    assert parts["Parent"] != "53995c3f42cd8ad8"
    assert len(parts["Parent"]) == 16
    assert parts["Sampled"] == "0"
    assert parts["Lineage"].startswith("1:")
