"""Asynchronous invocation: durable acceptance rate and drain rate, against a real server.

Prints:
  * acceptance: InvocationType=Event requests answered 202 per second (each 202 follows a
    durable commit of the event), from N concurrent signed keep-alive connections; baseline:
    synchronous no-op invokes per second over the same connections, measured in the same run;
  * drain: how fast the pollers then run the accepted events through a no-op function (until
    the OnSuccess destination queue holds a record for each). Acceptance is measured while the
    function's reserved concurrency is 0, so that draining does not share the CPU with it.

Target (issue): acceptance >= 2,000 events/s.

Usage: python bench/bench_async.py [--events N] [--senders N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.server import RunningServer, start_server

from bench.bench_invoke import SignedConnection, create


def server_cpu_s(server: RunningServer) -> float:
    """CPU time (user + system) the server process has used so far."""
    fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rate(server: RunningServer, name: str, total: int, senders: int, event: bool) -> float:
    per_sender = total // senders
    failures: list[int] = []

    def run() -> None:
        conn = SignedConnection(server)
        for _ in range(per_sender):
            status, _ = conn.invoke(name, b"{}", event=event)
            if status not in (200, 202):
                failures.append(status)
        conn.close()

    threads = [threading.Thread(target=run) for _ in range(senders)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        print(f"  ({len(failures)} requests failed: {sorted(set(failures))})")
    return per_sender * senders / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=6000)
    parser.add_argument("--senders", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "data")
        try:
            sqs = server.client("sqs")
            url = sqs.create_queue(QueueName="bench-done")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            name = f"async-{uuid.uuid4().hex[:6]}"
            create(server, name)
            server.client("lambda").put_function_event_invoke_config(
                FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": arn}}
            )
            lam = server.client("lambda")
            sync_rate = rate(server, name, min(args.events, 2000), args.senders, event=False)
            # Acceptance measured alone: with reserved concurrency 0 the pollers hold every
            # event (as they would for a throttled function) instead of running it meanwhile.
            lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
            cpu_before = server_cpu_s(server)
            event_rate = rate(server, name, args.events, args.senders, event=True)
            cpu_per_event_ms = (server_cpu_s(server) - cpu_before) / args.events * 1000
            lam.delete_function_concurrency(FunctionName=name)
            accepted_at = time.perf_counter()
            print(f"acceptance  {event_rate:8.0f} events/s   (n={args.events}, "
                  f"{args.senders} senders; target >= 2000)")  # fmt: skip
            print(f"server CPU  {cpu_per_event_ms:8.3f} ms per accepted event (user + system,"
                  " all of the server's threads)")  # fmt: skip
            print(f"baseline    {sync_rate:8.0f} sync invokes/s over the same connections;"
                  f" ratio {event_rate / sync_rate:4.2f}x")  # fmt: skip
            deadline = time.monotonic() + 300
            done = 0
            while time.monotonic() < deadline:
                attributes = sqs.get_queue_attributes(
                    QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
                )["Attributes"]
                done = int(attributes["ApproximateNumberOfMessages"])
                if done >= args.events:
                    break
                time.sleep(0.5)
            drained = time.perf_counter() - accepted_at
            print(f"drain       {done / drained:8.0f} events/s   ({done}/{args.events} run in"
                  f" {drained:.1f} s once released)")  # fmt: skip
        finally:
            server.stop()


if __name__ == "__main__":
    main()
