"""Function URL requests against a real server, next to the Invoke API in the same run.

Prints, for one hello-world Python function (machines here are noisy: read the ratios):
  * latency, one keep-alive connection each, interleaved so drift hits all alike:
    Invoke API (SigV4-signed) | NONE URL (unsigned) | AWS_IAM URL (SigV4-signed) ->
    p50/p99 and each URL's ratio to Invoke;
  * throughput: C client threads, each on its own keep-alive connection, for a fixed number of
    requests: requests per second through the Invoke API and through the NONE URL.

Usage: python bench/bench_function_url.py [--requests N] [--clients C] [--per-client N]
"""

from __future__ import annotations

import argparse
import http.client
import ssl
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.function_urls import allow_public, create_function
from tests.support.packages import make_zip
from tests.support.server import RunningServer, start_server

from bench.bench_invoke import SignedConnection, percentiles, timed

HELLO = make_zip(
    {"app.py": "def handler(event, context):\n    return {'statusCode': 200, 'body': 'hello'}\n"}
)


class UrlConnection:
    """One keep-alive connection to a function URL; signs each request when `signer` is set."""

    def __init__(self, server: RunningServer, url: str, sign: bool) -> None:
        parts = urllib.parse.urlsplit(url)
        self._url, self._path = url, parts.path
        context = ssl.create_default_context(cafile=server.ca_bundle)
        self._conn = http.client.HTTPSConnection(
            "127.0.0.1", parts.port, timeout=60, context=context
        )
        key, secret = server.credentials()
        credentials = Credentials(key, secret)
        self._signer = SigV4Auth(credentials, "lambda", server.region) if sign else None

    def get(self) -> int:
        headers: dict[str, str] = {}
        if self._signer is not None:
            request = AWSRequest("GET", self._url)
            self._signer.add_auth(request)
            headers = dict(request.headers)
        self._conn.request("GET", self._path, headers=headers)
        reply = self._conn.getresponse()
        body = reply.read()
        assert reply.status == 200, (reply.status, body)
        return reply.status

    def close(self) -> None:
        self._conn.close()


def setup(server: RunningServer) -> tuple[str, str, str]:
    name = create_function(server, HELLO, "app.handler")
    lam = server.client("lambda")
    public = lam.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
    allow_public(server, name)
    alias = "signed"
    lam.create_alias(FunctionName=name, Name=alias, FunctionVersion="$LATEST")
    signed = lam.create_function_url_config(FunctionName=name, Qualifier=alias, AuthType="AWS_IAM")[
        "FunctionUrl"
    ]
    return name, public, signed


def bench_latency(server: RunningServer, name: str, public: str, signed: str, count: int) -> None:
    invoke = SignedConnection(server)
    none = UrlConnection(server, public, sign=False)
    iam = UrlConnection(server, signed, sign=True)
    calls: dict[str, Callable[[], object]] = {
        "Invoke API": lambda: invoke.invoke(name),
        "URL (NONE)": none.get,
        "URL (AWS_IAM)": iam.get,
    }
    for _ in range(50):  # warm every path
        for call in calls.values():
            call()
    samples: dict[str, list[float]] = {label: [] for label in calls}
    for _ in range(count):
        for label, call in calls.items():
            samples[label].append(timed(call))
    base, _ = percentiles(samples["Invoke API"])
    for label, values in samples.items():
        p50, p99 = percentiles(values)
        print(
            f"{label:14s} p50 {p50:7.3f} ms  p99 {p99:7.3f} ms  ratio to Invoke {p50 / base:5.2f}x"
        )
    for connection in (invoke, none, iam):
        connection.close()


def bench_throughput(
    server: RunningServer, name: str, public: str, clients: int, per_client: int
) -> None:
    def invoke_client() -> int:
        conn = SignedConnection(server)
        for _ in range(per_client):
            status, body = conn.invoke(name)
            assert status == 200, body
        conn.close()
        return per_client

    def url_client() -> int:
        conn = UrlConnection(server, public, sign=False)
        for _ in range(per_client):
            conn.get()
        conn.close()
        return per_client

    for label, client in (("Invoke API", invoke_client), ("URL (NONE)", url_client)):
        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            done = sum(pool.map(lambda run: run(), [client] * clients))
        wall = time.perf_counter() - started
        print(f"{label:14s} {done / wall:8.0f} requests/s  ({done} requests, {clients} clients)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--per-client", type=int, default=250)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "data", None, "--function-network", "none")
        print(f"server: {server.url}; function URLs on port {server.url_port}")
        try:
            name, public, signed = setup(server)
            bench_latency(server, name, public, signed, args.requests)
            bench_throughput(server, name, public, args.clients, args.per_client)
        finally:
            server.stop()
        log = server.log()
        print(f"server log: {len(log.splitlines())} lines; errors: {log.count(' ERROR ')}")


if __name__ == "__main__":
    main()
