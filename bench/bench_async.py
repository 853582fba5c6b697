"""Asynchronous invocation: durable acceptance rate and drain rate, against a real server.

Prints:
  * acceptance: InvocationType=Event requests answered 202 per second (each 202 follows a
    durable commit of the event), from N concurrent keep-alive connections, with requests
    signed before the clock starts (bench/presigned_load.py: the server still verifies every
    signature; the load generator no longer spends its share of the two cores on botocore);
    baseline: synchronous no-op invokes per second sent the same way, in the same run; and
    acceptance again with botocore signing each request inside the measured loop;
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
from bench.presigned_load import presign_invokes, send_all


def server_cpu_s(server: RunningServer) -> float:
    """CPU time (user + system) the server process has used so far."""
    fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def signing_rate(server: RunningServer, name: str, total: int, senders: int, event: bool) -> float:
    shares = [total // senders + (1 if i < total % senders else 0) for i in range(senders)]
    failures: list[int] = []

    def run(share: int) -> None:
        conn = SignedConnection(server)
        for _ in range(share):
            status, _ = conn.invoke(name, b"{}", event=event)
            if status not in (200, 202):
                failures.append(status)
        conn.close()

    threads = [threading.Thread(target=run, args=(share,)) for share in shares]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        print(f"  ({len(failures)} requests failed: {sorted(set(failures))})")
    return total / elapsed


def payloads(count: int) -> list[bytes]:
    """Distinct small JSON events (no two requests carry the same signature)."""
    return [b'{"n": %d}' % i for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=6000)
    parser.add_argument("--senders", type=int, default=16)
    parser.add_argument("--signed-events", type=int, default=2000,
                        help="events for the run that signs inside the loop")  # fmt: skip
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
            sync = send_all(server, presign_invokes(server, name, payloads(min(args.events, 2000)),
                                                    event=False), args.senders)  # fmt: skip
            # Acceptance measured alone: with reserved concurrency 0 the pollers hold every
            # event (as they would for a throttled function) instead of running it meanwhile.
            lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
            requests = presign_invokes(server, name, payloads(args.events), event=True)
            cpu_before = server_cpu_s(server)
            accepted = send_all(server, requests, args.senders)
            cpu_per_event_ms = (server_cpu_s(server) - cpu_before) / args.events * 1000
            signing = signing_rate(server, name, args.signed_events, args.senders, event=True)
            lam.delete_function_concurrency(FunctionName=name)
            accepted_at = time.perf_counter()
            total = args.events + args.signed_events
            for label, result in (("sync", sync), ("events", accepted)):
                if result.failures:
                    print(f"  ({label}: failed requests by status: {result.failures})")
            print(f"acceptance  {accepted.rate:8.0f} events/s   (n={args.events}, "
                  f"{args.senders} connections, pre-signed; target >= 2000)")  # fmt: skip
            print(f"server CPU  {cpu_per_event_ms:8.3f} ms per accepted event (user + system,"
                  " all of the server's threads)")  # fmt: skip
            print(f"sender CPU  {accepted.client_cpu_s / args.events * 1000:8.3f} ms per event"
                  " (the load generator, same cores)")  # fmt: skip
            print(f"baseline    {sync.rate:8.0f} sync invokes/s sent the same way;"
                  f" ratio {accepted.rate / sync.rate:4.2f}x")  # fmt: skip
            print(f"signing     {signing:8.0f} events/s   (n={args.signed_events}, botocore"
                  " signing each request inside the measured loop)")  # fmt: skip
            deadline = time.monotonic() + 300
            done = 0
            while time.monotonic() < deadline:
                attributes = sqs.get_queue_attributes(
                    QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
                )["Attributes"]
                done = int(attributes["ApproximateNumberOfMessages"])
                if done >= total:
                    break
                time.sleep(0.5)
            drained = time.perf_counter() - accepted_at
            print(f"drain       {done / drained:8.0f} events/s   ({done}/{total} run in"
                  f" {drained:.1f} s once released)")  # fmt: skip
        finally:
            server.stop()


if __name__ == "__main__":
    main()
