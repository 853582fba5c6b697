"""What the operation kernel costs per request, and what it did to the warm invoke.

Part 1 (in-process, no sockets): for a few representative operations, the kernel's stages
timed one by one over the real composition (stores, policies, audit journal with fsync):
decode (route + wire parse), validate (against the botocore shape), authorize (needs, scopes,
policy evaluation), audit (build the record and journal it, fsync'd), serialize; p50 and p99
in microseconds, with the sum, next to a baseline measured in the same run: an unauthenticated
health request through the same ASGI app.

Part 2 (end to end, `--baseline REF`): warm invokes of a no-op function against two real
servers started side by side, this tree and REF (default: the last commit before the kernel),
interleaved so that the machine's drift hits both alike; p50/p99 of each and the ratio.

Usage: python bench/bench_kernel.py [--requests N] [--warm N] [--baseline REF | --no-baseline]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from tests.support.inprocess import ENDPOINT, REGION, InProcessServer
from tests.support.packages import make_zip
from tests.support.server import REPO, start_server

from bench.bench_invoke import SignedConnection, create, percentiles, timed
from stockade.api.authn import authenticate
from stockade.api.exchange import HttpExchange
from stockade.api.http import HttpRequest
from stockade.kernel import EdgeFacts, Trace
from stockade.kernel.validation import validate
from stockade.services.context import RequestContext
from stockade.services.declaration import Public
from stockade.types import Region, RequestId

BEFORE_KERNEL = "ff98b08"  # main's head before the operation kernel
NOOP = make_zip({"app.py": "def handler(event, context):\n    return None\n"})


def signed(server: InProcessServer, service: str, target: str | None, path: str,
           body: bytes) -> HttpRequest:  # fmt: skip
    key, secret = server.admin_credentials()
    headers = {"Content-Type": "application/x-amz-json-1.0"}
    if target:
        headers["X-Amz-Target"] = target
    request = AWSRequest("POST" if body or target else "GET", f"{ENDPOINT}{path}", data=body,
                         headers=headers)  # fmt: skip
    SigV4Auth(Credentials(key, secret), service, REGION).add_auth(request)
    sent = {k.lower(): str(v) for k, v in request.headers.items()}
    sent["host"] = ENDPOINT.split("//")[1]
    method = request.method or "GET"
    return HttpRequest(method, path, "", sent, body, "127.0.0.1", "https")


def stage_costs(server: InProcessServer, name: str, request: HttpRequest, count: int) -> None:
    built = server.built
    assert built is not None
    assert built.kernel is not None
    app, kernel = built.app, built.kernel
    endpoint = app._endpoints[_service_of(request)]
    table = kernel.tables[endpoint.service]
    authorizer = kernel._authorizer
    audit = kernel._audit
    principal = authenticate(request, endpoint.service, REGION, server.clock.now(),
                             app._credentials)  # fmt: skip
    times: dict[str, list[float]] = {s: [] for s in ("decode", "validate", "authorize",
                                                     "audit", "serialize")}  # fmt: skip
    loop = asyncio.new_event_loop()
    try:
        for _ in range(count):
            facts = EdgeFacts(RequestId(str(uuid.uuid4())), "127.0.0.1", "bench", True,
                              server.clock.now(), ENDPOINT)  # fmt: skip
            exchange = HttpExchange(endpoint, request, facts, principal=principal)
            started = time.perf_counter()
            operation = exchange.route()
            params = exchange.decode(operation)
            times["decode"].append(time.perf_counter() - started)
            declared = table.operations[operation.name]
            started = time.perf_counter()
            if operation.input_shape is not None:
                assert not validate(operation.input_shape, params)
            times["validate"].append(time.perf_counter() - started)
            ctx = RequestContext(facts.request_id, principal, Region(REGION), facts.source_ip,
                                 facts.user_agent, True, facts.received_at, facts.base_url,
                                 operation=operation.name)  # fmt: skip
            started = time.perf_counter()
            access = declared.access
            if not isinstance(access, Public):  # public: nothing to decide
                for need in access(ctx, params):
                    authorizer.decide(ctx, need, table.errors.access_denied)
            times["authorize"].append(time.perf_counter() - started)
            trace = Trace(endpoint.service, endpoint.protocol, facts.request_id, operation,
                          declared.audit, principal, params, {})  # fmt: skip
            started = time.perf_counter()
            loop.run_until_complete(audit.record(trace, facts))
            times["audit"].append(time.perf_counter() - started)
            started = time.perf_counter()
            exchange.respond(operation, {})
            times["serialize"].append(time.perf_counter() - started)
    finally:
        loop.close()
    total = 0.0
    parts = []
    for stage, samples in times.items():
        p50, p99 = percentiles(samples)
        total += p50
        parts.append(f"{stage} {p50 * 1e6:6.1f}/{p99 * 1e6:6.1f}")
    print(f"{name:<26} {'  '.join(parts)}   sum of p50 {total * 1e6:7.1f} us")


def _service_of(request: HttpRequest) -> str:
    credential = request.headers["authorization"].split("Credential=")[1].split(",")[0]
    return credential.split("/")[3]


def health_baseline(server: InProcessServer, count: int) -> float:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        server.request("GET", f"{ENDPOINT}/_stockade/health", {"host": "stockade.test"})
        samples.append(time.perf_counter() - started)
    p50, p99 = percentiles(samples)
    print(f"{'baseline: health request':<26} p50 {p50 * 1e6:6.1f} us  p99 {p99 * 1e6:6.1f} us"
          "  (the whole in-process app, unauthenticated)")  # fmt: skip
    return p50


def part_one(count: int) -> None:
    print(f"kernel stages, in-process, p50/p99 in us over {count} requests each:")
    with tempfile.TemporaryDirectory() as tmp, InProcessServer(Path(tmp) / "data") as server:
        account = server.account_id
        lam, sqs = server.client("lambda"), server.client("sqs")
        role = f"arn:aws:iam::{account}:role/stockade-lambda-basic-execution"
        lam.create_function(FunctionName="bench", Runtime="python3.11", Role=role,
                            Handler="app.handler", Code={"ZipFile": NOOP})  # fmt: skip
        url = sqs.create_queue(QueueName="bench")["QueueUrl"]
        cases: list[tuple[str, HttpRequest]] = [
            ("lambda GetFunctionConfig.", signed(server, "lambda", None,
                                               "/2015-03-31/functions/bench/configuration", b"")),
            ("sqs SendMessage (data ev.)", signed(server, "sqs", "AmazonSQS.SendMessage", "/",
                                       f'{{"QueueUrl":"{url}","MessageBody":"x"}}'.encode())),
            ("iam GetUser", _query(server, "iam", "Action=GetUser&Version=2010-05-08"
                                                  "&UserName=stockade-admin")),
            ("sts GetCallerIdentity", _query(server, "sts",
                                             "Action=GetCallerIdentity&Version=2011-06-15")),
        ]  # fmt: skip
        for name, request in cases:
            stage_costs(server, name, request, count)
        health_baseline(server, count)


def _query(server: InProcessServer, service: str, form: str) -> HttpRequest:
    key, secret = server.admin_credentials()
    body = form.encode()
    request = AWSRequest("POST", f"{ENDPOINT}/", data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    SigV4Auth(Credentials(key, secret), service, REGION).add_auth(request)
    sent = {k.lower(): str(v) for k, v in request.headers.items()}
    sent["host"] = ENDPOINT.split("//")[1]
    return HttpRequest("POST", "/", "", sent, body, "127.0.0.1", "https")


def part_two(ref: str, count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "baseline"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), ref],
                       check=True, capture_output=True)  # fmt: skip
        try:
            env = {"PYTHONPATH": str(tree / "src")}
            before = start_server(Path(tmp) / "before", None, env_extra=env, cwd=tree)
            after = start_server(Path(tmp) / "after", None)
            try:
                _interleave(ref, before, after, count)
            finally:
                before.stop()
                after.stop()
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
                           check=False, capture_output=True)  # fmt: skip


def _interleave(ref: str, before: Any, after: Any, count: int) -> None:
    runs: dict[str, tuple[SignedConnection, str]] = {}
    for label, server in (("before", before), ("after", after)):
        name = f"kernel-{uuid.uuid4().hex[:8]}"
        create(server, name)
        conn = SignedConnection(server)
        for _ in range(100):
            status, body = conn.invoke(name)
            assert status == 200, body
        runs[label] = (conn, name)
    samples: dict[str, list[float]] = {"before": [], "after": []}
    invoke: Callable[..., object]
    for index in range(count):
        order = ("before", "after") if index % 2 == 0 else ("after", "before")
        for label in order:
            conn, name = runs[label]
            invoke = conn.invoke
            samples[label].append(timed(invoke, name))
    for conn, _ in runs.values():
        conn.close()
    b50, b99 = percentiles(samples["before"])
    a50, a99 = percentiles(samples["after"])
    print(f"warm invoke, {ref} (before the kernel)  p50 {b50:6.3f} ms"
          f"  p99 {b99:6.3f} ms")  # fmt: skip
    print(f"warm invoke, this tree (the kernel)   p50 {a50:6.3f} ms"
          f"  p99 {a99:6.3f} ms")  # fmt: skip
    print(f"  ratio after/before p50 {a50 / b50:5.3f}  (n={count} each, interleaved)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warm", type=int, default=2000)
    parser.add_argument("--baseline", default=BEFORE_KERNEL)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    part_one(args.requests)
    if not args.no_baseline:
        part_two(args.baseline, args.warm)


if __name__ == "__main__":
    main()
