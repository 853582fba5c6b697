"""Queue -> function through an event source mapping, against a real server on this host.

Prints, with baselines measured in the same run (machines here are noisy: read the ratios):
  * throughput: N messages already in the queue, BatchSize 10, a handler that only counts:
    messages per second from the mapping's creation until the queue is empty; baseline: the
    same number of messages received and deleted by a client in batches of 10;
  * latency from SendMessage to the handler's start (the handler compares its clock with the
    record's SentTimestamp), p50/p99, one message at a time into an idle mapping; baseline:
    a synchronous Invoke of the same function.

Usage: python bench/bench_event_source_mapping.py [--messages N] [--latency N]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.packages import make_zip
from tests.support.server import RunningServer, start_server

from bench.bench_invoke import percentiles, timed

HANDLER = """
import json, os, time
import boto3

sqs = boto3.client("sqs")

def handler(event, context):
    now_ms = time.time() * 1000
    if os.environ.get("REPORT"):
        lags = [now_ms - int(r["attributes"]["SentTimestamp"]) for r in event["Records"]]
        sqs.send_message(QueueUrl=os.environ["REPORT"], MessageBody=json.dumps(lags))
"""
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}  # fmt: skip


def setup(server: RunningServer) -> str:
    iam = server.client("iam")
    role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]
    iam.attach_role_policy(
        RoleName="bench",
        PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole",
    )
    iam.put_role_policy(RoleName="bench", PolicyName="report", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}],
    }))  # fmt: skip
    return str(role["Arn"])


def function(server: RunningServer, name: str, role: str, report: str = "") -> None:
    lam = server.client("lambda")
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=role, Handler="app.handler",
                        Code={"ZipFile": make_zip({"app.py": HANDLER})}, MemorySize=256,
                        Environment={"Variables": {"REPORT": report}})  # fmt: skip
    lam.get_waiter("function_active_v2").wait(FunctionName=name)


def queue(server: RunningServer, name: str) -> tuple[str, str]:
    sqs = server.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return str(url), str(arn["QueueArn"])


def fill(server: RunningServer, url: str, count: int) -> None:
    sqs = server.client("sqs")
    for start in range(0, count, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": str(start + i)} for i in range(10)])  # fmt: skip


def pending(server: RunningServer, url: str) -> int:
    found = server.client("sqs").get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(v) for v in found.values())


def bench_throughput(server: RunningServer, role: str, count: int) -> None:
    sqs, lam = server.client("sqs"), server.client("lambda")
    base_url, _ = queue(server, "baseline")
    fill(server, base_url, count)
    started = time.perf_counter()
    for _ in range(count):  # bounded: at most one receive per message
        got: Any = sqs.receive_message(QueueUrl=base_url, MaxNumberOfMessages=10)
        messages = got.get("Messages", [])
        if not messages:
            break
        sqs.delete_message_batch(QueueUrl=base_url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
        ])  # fmt: skip
    client_s = time.perf_counter() - started
    function(server, "counter", role)
    url, arn = queue(server, "work")
    fill(server, url, count)
    started = time.perf_counter()
    lam.create_event_source_mapping(FunctionName="counter", EventSourceArn=arn, BatchSize=10)
    deadline = time.monotonic() + 600
    while pending(server, url) and time.monotonic() < deadline:
        time.sleep(0.05)
    mapped_s = time.perf_counter() - started
    print(f"mapping, batch 10   {count / mapped_s:8.0f} messages/s  ({count} in {mapped_s:.2f} s)")
    print(
        f"baseline client     {count / client_s:8.0f} messages/s  (receive + delete, batches of 10)"
    )


def bench_latency(server: RunningServer, role: str, count: int) -> None:
    sqs, lam = server.client("sqs"), server.client("lambda")
    report_url, _ = queue(server, "lags")
    function(server, "timer", role, report_url)
    url, arn = queue(server, "single")
    lam.create_event_source_mapping(FunctionName="timer", EventSourceArn=arn, BatchSize=1)
    time.sleep(2.0)  # the mapping settles and its poller starts
    lags: list[float] = []
    for i in range(count):
        sqs.send_message(QueueUrl=url, MessageBody=str(i))
        got: Any = sqs.receive_message(QueueUrl=report_url, WaitTimeSeconds=10)
        for message in got.get("Messages", []):
            lags.extend(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=report_url, ReceiptHandle=message["ReceiptHandle"])
    payload = json.dumps({"Records": []}).encode()
    invoke = [
        timed(lambda: lam.invoke(FunctionName="timer", Payload=payload)) for _ in range(count)
    ]
    p50, p99 = percentiles(lags)
    i50, i99 = percentiles(invoke)
    print(f"send -> handler     p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  (n={len(lags)})")
    print(f"baseline Invoke     p50 {i50:7.1f} ms  p99 {i99:7.1f} ms  (boto3, synchronous)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--latency", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "data", None, "--function-network", "none")
        try:
            role = setup(server)
            bench_throughput(server, role, args.messages)
            bench_latency(server, role, args.latency)
        finally:
            server.stop()
        log = server.log()
        print(f"server log: {len(log.splitlines())} lines; errors: {log.count(' ERROR ')}")


if __name__ == "__main__":
    main()
