"""Nothing a mapped queue holds is lost when the server is killed mid-stream.

5,000 messages wait in a queue mapped to a function that reports each message it processed to
a second queue. The server is killed with SIGKILL while the pollers are mid-way and started
again on the same data dir: every message must then be processed at least once (duplicates are
allowed: delivery is at least once, as Lambda's is for SQS).
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.packages import make_zip
from tests.support.server import RunningServer, start_server

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MESSAGES = 5_000
REPORTER = """
import json, os, time
import boto3

sqs = boto3.client("sqs")

def handler(event, context):
    ids = [r["body"] for r in event["Records"]]
    time.sleep(0.05)
    url = os.environ["RESULTS"]
    sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "MessageBody": body} for i, body in enumerate(ids)])
"""
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}  # fmt: skip


def _setup(server: RunningServer) -> tuple[str, str]:
    sqs, iam, lam = server.client("sqs"), server.client("iam"), server.client("lambda")
    source = sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "10"})["QueueUrl"]
    results = sqs.create_queue(QueueName="done")["QueueUrl"]
    source_arn = sqs.get_queue_attributes(QueueUrl=source, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]  # fmt: skip
    role = iam.create_role(RoleName="reporter", AssumeRolePolicyDocument=json.dumps(TRUST))[
        "Role"]["Arn"]  # fmt: skip
    iam.attach_role_policy(
        RoleName="reporter",
        PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole",
    )
    iam.put_role_policy(RoleName="reporter", PolicyName="report", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}],
    }))  # fmt: skip
    lam.create_function(FunctionName="reporter", Runtime="python3.11", Role=role,
                        Handler="app.handler", Timeout=10, MemorySize=256,
                        Code={"ZipFile": make_zip({"app.py": REPORTER})},
                        Environment={"Variables": {"RESULTS": results}})  # fmt: skip
    lam.get_waiter("function_active_v2").wait(FunctionName="reporter")
    for start in range(0, MESSAGES, 10):
        sqs.send_message_batch(QueueUrl=source, Entries=[
            {"Id": str(i), "MessageBody": str(start + i)} for i in range(10)])  # fmt: skip
    lam.create_event_source_mapping(FunctionName="reporter", EventSourceArn=source_arn,
                                    BatchSize=10)  # fmt: skip
    return source, results


def _waiting(server: RunningServer, url: str) -> int:
    found = server.client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(found["ApproximateNumberOfMessages"])


def _drain(server: RunningServer, url: str, seen: set[str], deadline: float) -> None:
    sqs = server.client("sqs")
    while len(seen) < MESSAGES and time.monotonic() < deadline:
        got: Any = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        messages = got.get("Messages", [])
        for message in messages:
            seen.add(message["Body"])
        if messages:
            sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(messages)])  # fmt: skip


def test_every_message_is_processed_at_least_once_across_a_sigkill(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = start_server(data_dir)
    try:
        _, results = _setup(server)
        deadline = time.monotonic() + 120
        while _waiting(server, results) < MESSAGES // 5 and time.monotonic() < deadline:
            time.sleep(0.1)
        reported_before = _waiting(server, results)
        assert MESSAGES // 5 <= reported_before < MESSAGES, reported_before  # killed midway
    finally:
        server.stop(signal.SIGKILL)
    restarted = start_server(data_dir, server.port)
    try:
        seen: set[str] = set()
        _drain(restarted, results, seen, time.monotonic() + 240)
        assert seen == {str(i) for i in range(MESSAGES)}
    finally:
        restarted.stop()
