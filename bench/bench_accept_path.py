"""CPU of the request path of an Event invoke, without sockets, TLS or a load generator.

bench_async.py measures acceptance end to end, where the client's signing and the server's
TLS share two cores with the work under study and the machine's noise swamps small changes.
This drives the server's ASGI app in-process instead: requests are signed before the clock
starts, and the figure is the CPU time of the thread that runs the app (the queue engine's
writer thread, which only inserts and fsyncs, is not in it) per accepted event.

Prints, per round: CPU per Event invoke and the rate; baseline: CPU per request of the
unauthenticated health endpoint through the same app, in the same run.

Usage: python bench/bench_accept_path.py [--events N] [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from tests.support.server import start_server

from bench.bench_invoke import create
from stockade.api.app import StockadeApp
from stockade.config import Settings
from stockade.wiring import Stockade, build

Message = dict[str, Any]
HOST = "127.0.0.1:9000"


async def call(
    app: StockadeApp, method: str, path: str, headers: dict[str, str], body: bytes
) -> int:
    scope: Message = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 9000),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }  # fmt: skip
    delivered = False
    statuses: list[int] = []

    async def receive() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)  # the app never waits for a disconnect here
        return {"type": "http.disconnect"}

    async def send(message: Mapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(scope, receive, send)
    return statuses[0]


def signed_events(key: str, secret: str, path: str, count: int) -> list[dict[str, str]]:
    signer = SigV4Auth(Credentials(key, secret), "lambda", "us-east-1")
    requests = []
    for _ in range(count):
        request = AWSRequest("POST", f"http://{HOST}{path}", data=b"{}",
                             headers={"X-Amz-Invocation-Type": "Event"})  # fmt: skip
        signer.add_auth(request)
        requests.append(dict(request.headers) | {"host": HOST})
    return requests


async def measure(stockade: Stockade, key: str, secret: str, name: str, args: Any) -> None:
    app = stockade.app
    lifespan_in: asyncio.Queue[Message] = asyncio.Queue()
    await lifespan_in.put({"type": "lifespan.startup"})

    async def lifespan_out(message: Mapping[str, Any]) -> None:
        pass

    lifespan = asyncio.create_task(app({"type": "lifespan"}, lifespan_in.get, lifespan_out))
    await asyncio.sleep(0.5)
    path = f"/2015-03-31/functions/{name}/invocations"

    async def round_of(count: int) -> tuple[float, float]:
        requests = signed_events(key, secret, path, count)
        gate = asyncio.Semaphore(16)  # as many in flight as bench_async's senders

        async def one(headers: dict[str, str]) -> None:
            async with gate:
                status = await call(app, "POST", path, headers, b"{}")
                assert status == 202, status

        cpu, wall = time.thread_time(), time.perf_counter()
        await asyncio.gather(*(one(h) for h in requests))
        return (time.thread_time() - cpu) / count * 1000, count / (time.perf_counter() - wall)

    await round_of(500)  # warm caches and the queue
    rounds = [await round_of(args.events) for _ in range(args.rounds)]
    cpu = time.thread_time()
    for _ in range(args.events):
        assert await call(app, "GET", "/_stockade/health", {"host": HOST}, b"") == 200
    health_ms = (time.thread_time() - cpu) / args.events * 1000
    for index, (ms, rate) in enumerate(rounds, start=1):
        print(f"round {index}: {ms:6.3f} ms CPU per Event invoke   {rate:6.0f} events/s")
    best = min(ms for ms, _ in rounds)
    print(f"best        {best:6.3f} ms CPU per Event invoke (app thread; n={args.events} each)")
    print(f"baseline    {health_ms:6.3f} ms CPU per health request; ratio {best / health_ms:5.1f}x")
    await lifespan_in.put({"type": "lifespan.shutdown"})
    await asyncio.wait_for(lifespan, 15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        # Set up through a real server (and boto3), then stop it: the data dir is locked.
        server = start_server(data, None, "--insecure-http")
        try:
            name = f"accept-{uuid.uuid4().hex[:6]}"
            create(server, name)
            # Reserved concurrency 0: events are held, so only acceptance is measured.
            server.client("lambda").put_function_concurrency(
                FunctionName=name, ReservedConcurrentExecutions=0
            )
            key, secret = server.credentials()
        finally:
            server.stop()
        # The access log is written as the server writes it (a file, at INFO).
        logging.basicConfig(level=logging.INFO, filename=str(Path(tmp) / "app.log"),
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")  # fmt: skip
        stockade = build(Settings(data_dir=data.resolve(), insecure_http=True))
        try:
            asyncio.run(measure(stockade, key, secret, name, args))
        finally:
            stockade.close()


if __name__ == "__main__":
    main()
