"""Asynchronous invocation: 202 after a durable commit, retries, age limit, DLQ, destinations."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.packages import make_zip
from tests.support.server import RunningServer, running_server

pytestmark = [pytest.mark.integration, pytest.mark.slow]

HANDLERS = """
import json, os, time

def ok(event, context):
    return {"doubled": event["n"] * 2}

def fail(event, context):
    # Count attempts in /tmp: the environment is reused across retries while warm.
    path = "/tmp/attempts"
    count = int(open(path).read()) if os.path.exists(path) else 0
    open(path, "w").write(str(count + 1))
    raise RuntimeError(f"attempt {count + 1} failed")
"""


@pytest.fixture(scope="module")
def fast_retry_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data_dir = tmp_path_factory.mktemp("async") / "data"
    with running_server(data_dir, "--async-retry-delay", "0.2") as server:
        yield server


def create(server: RunningServer, handler: str, **extra: Any) -> str:
    name = f"async-{uuid.uuid4().hex[:8]}"
    server.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Handler=f"app.{handler}",
        Code={"ZipFile": make_zip({"app.py": HANDLERS})},
        **extra,
    )
    return name


def make_queue(server: RunningServer) -> tuple[str, str]:
    sqs = server.client("sqs")
    url: str = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn: str = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def receive_one(server: RunningServer, url: str, timeout_s: float = 30) -> dict[str, Any]:
    sqs = server.client("sqs")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        got = sqs.receive_message(
            QueueUrl=url, WaitTimeSeconds=2, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if got:
            message: dict[str, Any] = got[0]
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            return message
    raise AssertionError("no message arrived in time")


def test_event_invoke_returns_202_and_runs(fast_retry_server: RunningServer) -> None:
    server = fast_retry_server
    lam = server.client("lambda")
    url, arn = make_queue(server)
    name = create(server, "ok")
    lam.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": arn}}
    )
    reply = lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 21}')
    assert reply["StatusCode"] == 202
    request_id = reply["ResponseMetadata"]["RequestId"]
    record = json.loads(receive_one(server, url)["Body"])
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["requestId"] == request_id
    assert record["requestPayload"] == {"n": 21}
    assert record["responsePayload"] == {"doubled": 42}
    assert record["responseContext"]["statusCode"] == 200


def test_failures_are_retried_then_land_in_the_dead_letter_queue(
    fast_retry_server: RunningServer,
) -> None:
    server = fast_retry_server
    lam = server.client("lambda")
    url, arn = make_queue(server)
    name = create(server, "fail", DeadLetterConfig={"TargetArn": arn})
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
    reply = lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 1}')
    message = receive_one(server, url)
    assert json.loads(message["Body"]) == {"n": 1}  # the original event
    attributes = message["MessageAttributes"]
    assert attributes["RequestID"]["StringValue"] == reply["ResponseMetadata"]["RequestId"]
    assert "attempt 2 failed" in attributes["ErrorMessage"]["StringValue"]  # 1 + 1 retry


def test_on_failure_destination_gets_lambdas_record(fast_retry_server: RunningServer) -> None:
    server = fast_retry_server
    lam = server.client("lambda")
    url, arn = make_queue(server)
    name = create(server, "fail")
    lam.put_function_event_invoke_config(
        FunctionName=name,
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": arn}},
    )
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 3}')
    record = json.loads(receive_one(server, url)["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "attempt 1 failed"


def test_reserved_concurrency_zero_holds_events_until_lifted(
    fast_retry_server: RunningServer,
) -> None:
    server = fast_retry_server
    lam = server.client("lambda")
    url, arn = make_queue(server)
    name = create(server, "ok")
    lam.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": arn}}
    )
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    assert (
        lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 5}')["StatusCode"]
        == 202
    )
    sqs = server.client("sqs")
    held = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=3).get("Messages", [])
    assert held == []  # throttled: not run, still queued
    lam.delete_function_concurrency(FunctionName=name)
    record = json.loads(receive_one(server, url, timeout_s=90)["Body"])
    assert record["responsePayload"] == {"doubled": 10}


def test_events_older_than_the_maximum_age_go_to_the_failure_path(tmp_path: Path) -> None:
    with running_server(tmp_path / "data", "--async-retry-delay", "0.2") as server:
        lam = server.client("lambda")
        url, arn = make_queue(server)
        name = create(server, "ok")
        lam.put_function_event_invoke_config(
            FunctionName=name,
            MaximumEventAgeInSeconds=60,
            DestinationConfig={"OnFailure": {"Destination": arn}},
        )
        lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
        lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 7}')
        # Throttled events wait; once older than 60 s they are dropped to OnFailure.
        record = json.loads(receive_one(server, url, timeout_s=150)["Body"])
        assert record["requestContext"]["condition"] == "EventAgeExceeded"
        assert record["requestPayload"] == {"n": 7}
        assert "responsePayload" not in record
