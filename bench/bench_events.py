"""PutEvents -> target, against a real server on this host.

Prints, with a baseline measured in the same run (machines here are noisy: read the ratios):
  * PutEvents -> the event on an SQS target (a rule matching it, the queue's policy allowing
    the rule): p50/p99 from before PutEvents to the client receiving the delivered message,
    one event at a time, the client long-polling the queue;
  * baseline: SendMessage -> the same client receiving it from a queue, the same way.

Usage: python bench/bench_events.py [--events N]
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

from tests.support.server import RunningServer, start_server

from bench.bench_invoke import percentiles


def queue(server: RunningServer, name: str) -> tuple[str, str]:
    sqs = server.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return str(url), str(arn["QueueArn"])


def receive_one(server: RunningServer, url: str) -> None:
    sqs = server.client("sqs")
    for _ in range(20):  # bounded: 20 long polls of 1 s
        got: Any = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
        messages = got.get("Messages", [])
        if messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])
            return
    raise RuntimeError("nothing arrived")


def bench(server: RunningServer, count: int) -> None:
    sqs, events = server.client("sqs"), server.client("events")
    url, arn = queue(server, "target")
    rule_arn = events.put_rule(Name="bench", EventPattern=json.dumps({"source": ["bench"]}))[
        "RuleArn"]  # fmt: skip
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                       "Action": "sqs:SendMessage", "Resource": arn,
                       "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}}}]})})  # fmt: skip
    events.put_targets(Rule="bench", Targets=[{"Id": "q", "Arn": arn}])
    base_url, _ = queue(server, "baseline")
    entry = {"Source": "bench", "DetailType": "tick", "Detail": json.dumps({"k": 1})}
    delivered: list[float] = []
    direct: list[float] = []
    for _ in range(count):  # interleaved, so drift hits both alike
        started = time.perf_counter()
        events.put_events(Entries=[entry])
        receive_one(server, url)
        delivered.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        sqs.send_message(QueueUrl=base_url, MessageBody="x")
        receive_one(server, base_url)
        direct.append((time.perf_counter() - started) * 1000)
    d50, d99 = percentiles(delivered)
    b50, b99 = percentiles(direct)
    print(f"PutEvents -> target  p50 {d50:7.1f} ms  p99 {d99:7.1f} ms  (n={count})")
    print(f"baseline SendMessage p50 {b50:7.1f} ms  p99 {b99:7.1f} ms  ratio {d50 / b50:5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "data", None, "--function-network", "none")
        try:
            bench(server, args.events)
        finally:
            server.stop()
        log = server.log()
        print(f"server log: {len(log.splitlines())} lines; errors: {log.count(' ERROR ')}")


if __name__ == "__main__":
    main()
