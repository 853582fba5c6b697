"""Accepted asynchronous events survive a SIGKILL: each is processed at least once."""

from __future__ import annotations

import json
import signal
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.packages import make_zip
from tests.support.server import RunningServer, start_server

pytestmark = [pytest.mark.integration, pytest.mark.slow]

EVENTS = 10_000
SENDERS = 8


def send_events(server: RunningServer, name: str, count: int) -> set[str]:
    """Invoke with InvocationType=Event; the ids of the accepted (202) events."""

    def send(chunk: range) -> list[str]:
        lam = server.client("lambda")
        accepted = []
        for i in chunk:
            reply = lam.invoke(
                FunctionName=name, InvocationType="Event", Payload=json.dumps({"i": i}).encode()
            )
            assert reply["StatusCode"] == 202
            accepted.append(reply["ResponseMetadata"]["RequestId"])
        return accepted

    chunks = [range(k, count, SENDERS) for k in range(SENDERS)]
    with ThreadPoolExecutor(SENDERS) as pool:
        return {rid for ids in pool.map(send, chunks) for rid in ids}


def drain(server: RunningServer, url: str, seen: set[str], want: set[str], deadline: float) -> None:
    sqs = server.client("sqs")
    while not want <= seen and time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        )
        for message in got:
            seen.add(json.loads(message["Body"])["requestContext"]["requestId"])
        if got:
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(got)
                ],
            )


def test_sigkill_midway_loses_no_accepted_event(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = start_server(data_dir)
    try:
        lam, sqs = server.client("lambda"), server.client("sqs")
        url = sqs.create_queue(QueueName="done")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        name = f"durable-{uuid.uuid4().hex[:6]}"
        lam.create_function(
            FunctionName=name,
            Runtime="python3.11",
            Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
            Handler="app.handler",
            Code={"ZipFile": make_zip({"app.py": "def handler(e, c):\n    return e\n"})},
        )
        lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": arn}}
        )
        accepted = send_events(server, name, EVENTS)
        assert len(accepted) == EVENTS
        seen: set[str] = set()
        drain(server, url, seen, accepted, time.monotonic() + 2)  # part of it is processed
        server.stop(signal.SIGKILL)
        assert len(seen) < EVENTS, "everything finished before the kill: nothing was tested"
        server = start_server(data_dir, server.port)
        drain(server, url, seen, accepted, time.monotonic() + 240)
        missing = accepted - seen
        assert not missing, f"{len(missing)} accepted events were never processed"
    finally:
        server.stop()
