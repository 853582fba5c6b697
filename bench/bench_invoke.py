"""Invoke through the signed HTTP API, end to end, against a real server on this host.

Prints, with a baseline measured in the same run (machines here are noisy: read the ratios):
  * warm invoke of a no-op Python function: p50/p99, and the platform overhead over a bare
    HTTP round trip to the same server stack (GET /_stockade/health on the same connection);
  * cold invoke (first call of a new function: new isolated environment + runtime + import);
  * 100 concurrent first-time invokes of 100 different functions: all served, p50/p99.

Requests are signed with botocore's SigV4 signer and sent over a keep-alive http.client
connection, so the client's own cost stays small and is included in the figures.

Usage: python bench/bench_invoke.py [--warm N] [--cold N] [--fanout N]
                                   [--function-network default|none]
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.packages import make_zip
from tests.support.server import RunningServer, start_server

NOOP = make_zip({"app.py": "def handler(event, context):\n    return None\n"})


class SignedConnection:
    def __init__(self, server: RunningServer) -> None:
        key, secret = server.credentials()
        self._signer = SigV4Auth(Credentials(key, secret), "lambda", server.region)
        self._server = server
        context = server.ssl_context()
        self._conn: http.client.HTTPConnection = (
            http.client.HTTPSConnection("127.0.0.1", server.port, timeout=60, context=context)
            if server.url.startswith("https")
            else http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        )

    def invoke(self, name: str, payload: bytes = b"{}", event: bool = False) -> tuple[int, bytes]:
        path = f"/2015-03-31/functions/{name}/invocations"
        headers = {"X-Amz-Invocation-Type": "Event"} if event else {}
        request = AWSRequest("POST", f"{self._server.url}{path}", data=payload, headers=headers)
        self._signer.add_auth(request)
        self._conn.request("POST", path, body=payload, headers=dict(request.headers))
        reply = self._conn.getresponse()
        return reply.status, reply.read()

    def health(self) -> int:
        self._conn.request("GET", "/_stockade/health")
        reply = self._conn.getresponse()
        reply.read()
        return reply.status

    def close(self) -> None:
        self._conn.close()


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99


def create(server: RunningServer, name: str) -> None:
    server.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Handler="app.handler",
        Code={"ZipFile": NOOP},
    )


def timed(fn: Callable[..., object], *args: object) -> float:
    started = time.perf_counter()
    fn(*args)
    return (time.perf_counter() - started) * 1000


def bench_warm(server: RunningServer, count: int) -> None:
    name = f"warm-{uuid.uuid4().hex[:8]}"
    create(server, name)
    conn = SignedConnection(server)
    status, body = conn.invoke(name)
    assert status == 200, body
    for _ in range(50):  # warm up both paths
        conn.invoke(name)
        conn.health()
    invoke_ms: list[float] = []
    health_ms: list[float] = []
    for _ in range(count):  # interleaved, so drift hits both alike
        health_ms.append(timed(conn.health))
        invoke_ms.append(timed(conn.invoke, name))
    conn.close()
    inv50, inv99 = percentiles(invoke_ms)
    base50, base99 = percentiles(health_ms)
    print(f"warm invoke      p50 {inv50:7.3f} ms  p99 {inv99:7.3f} ms   (n={count})")
    print(f"baseline health  p50 {base50:7.3f} ms  p99 {base99:7.3f} ms")
    print(
        f"overhead         p50 {inv50 - base50:7.3f} ms  ratio {inv50 / base50:5.2f}x"
        "   (targets: invoke p50 <= 1.5 ms, overhead <= 1 ms)"
    )


def bench_cold(server: RunningServer, count: int) -> None:
    names = [f"cold-{uuid.uuid4().hex[:8]}" for _ in range(count)]
    for name in names:
        create(server, name)
    conn = SignedConnection(server)
    cold = [timed(conn.invoke, name) for name in names]
    warm = [timed(conn.invoke, name) for name in names]
    conn.close()
    c50, c99 = percentiles(cold)
    w50, _ = percentiles(warm)
    print(
        f"cold invoke      p50 {c50:7.3f} ms  p99 {c99:7.3f} ms   (n={count};"
        f" same functions warm p50 {w50:.3f} ms; targets p50 <= 10 ms, p99 <= 25 ms)"
    )


def bench_fanout(server: RunningServer, count: int) -> None:
    names = [f"fan-{uuid.uuid4().hex[:8]}" for _ in range(count)]
    for name in names:
        create(server, name)

    def first_call(name: str) -> tuple[float, int]:
        conn = SignedConnection(server)
        started = time.perf_counter()
        status, _ = conn.invoke(name)
        elapsed = (time.perf_counter() - started) * 1000
        conn.close()
        return elapsed, status

    started = time.perf_counter()
    with ThreadPoolExecutor(count) as pool:
        results = list(pool.map(first_call, names))
    wall = time.perf_counter() - started
    served = sum(1 for _, status in results if status == 200)
    p50, p99 = percentiles([ms for ms, _ in results])
    print(
        f"fan-out          {served}/{count} served in {wall:.2f} s;"
        f" p50 {p50:7.1f} ms  p99 {p99:7.1f} ms   (target: all served, p99 <= 1000 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=1000)
    parser.add_argument("--cold", type=int, default=40)
    parser.add_argument("--fanout", type=int, default=100)
    parser.add_argument(
        "--insecure-http", action="store_true", help="serve plain HTTP (compare TLS's cost)"
    )
    parser.add_argument(
        "--function-network",
        choices=("default", "none"),
        default="default",
        help="the network of functions (compare the default network's cost with none)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        extra: tuple[str, ...] = ("--function-network", args.function_network)
        if args.insecure_http:
            extra += ("--insecure-http",)
        server = start_server(Path(tmp) / "data", None, *extra)
        print(f"server: {server.url}")
        try:
            bench_warm(server, args.warm)
            bench_cold(server, args.cold)
            if args.fanout > 0:
                bench_fanout(server, args.fanout)
        finally:
            server.stop()
        log = server.log()
        print(f"server log: {len(log.splitlines())} lines; errors: {log.count(' ERROR ')}")


if __name__ == "__main__":
    main()
