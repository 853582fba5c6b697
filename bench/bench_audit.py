"""What the audit trail costs on the control plane and on warm invokes, with same-run baselines.

Every request is audited and the record is fsync'd before the response leaves, so there is no
"audit off" server to compare against. The bench measures it three ways (read the ratios; the
machines here are noisy):
  * end to end, two servers in the same run, warm invokes interleaved: the default server (Invoke
    is a data event, not recorded) against one started with --audit-data-events;
  * end to end on the control plane: GetFunctionConfiguration and TagResource p50, next to the
    unaudited health route on the same connection;
  * in process, the audit step itself (model-driven redaction, the CloudTrail record, the
    journal's fsync) for the same operations, one at a time and 16 at once (group commit),
    as a share of the end-to-end time measured above.

Usage: python bench/bench_audit.py [--calls N] [--records N]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.server import RunningServer, start_server

from bench.bench_invoke import SignedConnection, create, percentiles, timed
from stockade.audit.trail import AuditTrail
from stockade.clock import SystemClock
from stockade.crypto.signing import Ed25519Signer
from stockade.domain.identity import Principal, PrincipalKind
from stockade.kernel.auditing import AuditStep, Trace
from stockade.kernel.exchange import EdgeFacts
from stockade.types import AccessKeyId, AccountId, RequestId

ACCOUNT = AccountId("111122223333")


class ControlPlane(SignedConnection):
    def call(self, method: str, path: str, body: bytes = b"") -> int:
        key, secret = self._server.credentials()
        request = AWSRequest(method, f"{self._server.url}{path}", data=body)
        SigV4Auth(Credentials(key, secret), "lambda", self._server.region).add_auth(request)
        self._conn.request(method, path, body=body, headers=dict(request.headers))
        reply = self._conn.getresponse()
        reply.read()
        return reply.status


def bench_invoke(plain: RunningServer, audited: RunningServer, count: int) -> None:
    conns = {}
    for label, server in (("plain", plain), ("audited", audited)):
        name = f"audit-{uuid.uuid4().hex[:8]}"
        create(server, name)
        conn = SignedConnection(server)
        for _ in range(50):
            status, body = conn.invoke(name)
            assert status == 200, body
        conns[label] = (conn, name)
    samples: dict[str, list[float]] = {"plain": [], "audited": []}
    for _ in range(count):  # interleaved, so drift hits both alike
        for label, (conn, name) in conns.items():
            samples[label].append(timed(conn.invoke, name))
    for conn, _ in conns.values():
        conn.close()
    p50, p99 = percentiles(samples["plain"])
    a50, a99 = percentiles(samples["audited"])
    print(f"warm invoke, Invoke not audited (default)  p50 {p50:6.3f} ms  p99 {p99:6.3f} ms")
    print(f"warm invoke, --audit-data-events           p50 {a50:6.3f} ms  p99 {a99:6.3f} ms")
    print(f"  audit overhead per invoke                p50 {a50 - p50:+6.3f} ms"
          f"  ratio {a50 / p50:5.2f}x   (n={count} each)")  # fmt: skip


def bench_control_plane(server: RunningServer, count: int) -> dict[str, float]:
    name = f"audit-cp-{uuid.uuid4().hex[:8]}"
    create(server, name)
    arn = f"arn:aws:lambda:{server.region}:{server.account_id}:function:{name}"
    conn = ControlPlane(server)
    calls = {
        "GetFunctionConfiguration": ("GET", f"/2015-03-31/functions/{name}/configuration", b""),
        "TagResource": ("POST", f"/2017-03-31/tags/{arn}", b'{"Tags": {"team": "payments"}}'),
    }
    results: dict[str, float] = {}
    health = []
    for operation, (method, path, body) in calls.items():
        assert conn.call(method, path, body) in (200, 204), operation
        took = []
        for _ in range(count):
            health.append(timed(conn.health))
            took.append(timed(conn.call, method, path, body))
        p50, p99 = percentiles(took)
        results[operation] = p50
        print(f"{operation:<25} p50 {p50:6.3f} ms  p99 {p99:6.3f} ms  (audited, n={count})")
    h50, _ = percentiles(health)
    print(f"{'baseline health':<25} p50 {h50:6.3f} ms             (not audited)")
    conn.close()
    return results


def bench_audit_step(tmp: Path, records: int, end_to_end: dict[str, float]) -> None:
    models = botocore.session.get_session().get_service_model("lambda")
    principal = Principal(PrincipalKind.IAM_USER, ACCOUNT, f"arn:aws:iam::{ACCOUNT}:user/admin",
                          "AIDABENCH", "admin", access_key_id=AccessKeyId("AKIABENCH"))  # fmt: skip
    function_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:bench"
    params: dict[str, dict[str, Any]] = {
        "GetFunctionConfiguration": {"FunctionName": "bench"},
        "TagResource": {"Resource": function_arn, "Tags": {"team": "payments"}},
    }
    trail = AuditTrail(tmp / "audit", Ed25519Signer.generate(), SystemClock(), "us-east-1")
    sink = AuditStep(trail, SystemClock(), "us-east-1", ACCOUNT)
    facts = EdgeFacts(RequestId("req"), "127.0.0.1", "bench", True, SystemClock().now(), "")

    def seen(operation: str) -> Trace:
        return Trace(service="lambda", protocol="rest-json",
                     operation=models.operation_model(operation), principal=principal,
                     params=params[operation], result={})  # fmt: skip

    async def one_at_a_time(operation: str) -> float:
        started = time.perf_counter()
        for _ in range(records):
            await sink.record(seen(operation), facts)
        return (time.perf_counter() - started) / records * 1e6

    async def sixteen_at_once(operation: str) -> float:
        started = time.perf_counter()
        for _ in range(records // 16):
            await asyncio.gather(*(sink.record(seen(operation), facts) for _ in range(16)))
        return (time.perf_counter() - started) / (records // 16 * 16) * 1e6

    try:
        for operation in params:
            serial = asyncio.run(one_at_a_time(operation))
            grouped = asyncio.run(sixteen_at_once(operation))
            share = serial / 1000 / end_to_end[operation]
            print(f"audit step {operation:<25} {serial:7.1f} us one at a time"
                  f" ({share:4.0%} of its end-to-end p50); {grouped:6.1f} us each, 16 at once"
                  " (group commit)")  # fmt: skip
    finally:
        trail.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--records", type=int, default=800)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        plain = start_server(Path(tmp) / "plain")
        audited = start_server(Path(tmp) / "audited", None, "--audit-data-events")
        try:
            bench_invoke(plain, audited, args.calls)
            end_to_end = bench_control_plane(plain, args.calls)
        finally:
            plain.stop()
            audited.stop()
        bench_audit_step(Path(tmp), args.records, end_to_end)
        for server in (plain, audited):
            log = server.log()
            print(f"server log: {len(log.splitlines())} lines; errors: {log.count(' ERROR ')}")


if __name__ == "__main__":
    main()
