"""What encryption at rest costs on two hot paths, next to same-run baselines.

Prints:
  * environment variables on cold start: opening a function's 4 KB of variables as its
    execution role (key policy + Lambda's grant evaluated, key state checked, AES-256-GCM under
    a customer key), per cold start; baseline: the AES-256-GCM decryption of the same bytes
    alone. (Warm invocations reuse the opened variables; a cold start of the sandbox itself is
    tens of milliseconds, see bench_sandbox.py.)
  * queued events: durable sends/s of the queue engine with events sealed (a data key per
    message under the platform key), next to the same engine storing them unsealed; and the
    sealing time per event for 1 KB and 256 KB payloads.

Usage: python bench/bench_at_rest.py [--rounds N] [--events N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stockade.audit.trail import AuditTrail
from stockade.clock import SystemClock
from stockade.crypto import EnvelopeCipher, EnvelopeSealer
from stockade.crypto.aead import new_key, open_, seal
from stockade.crypto.root_key import OsKeyFiles, file_root_key
from stockade.crypto.signing import Ed25519Signer
from stockade.domain.identity import Principal, PrincipalKind
from stockade.kernel.authorizer import PolicyAuthorizer
from stockade.services.audit_log import DiscardingAuditLog
from stockade.services.context import RequestContext
from stockade.services.identity import ADMIN_USER, BASIC_EXECUTION_ROLE, Identities
from stockade.services.kms import KmsService
from stockade.services.kms.for_lambda import LambdaEnvironmentKeys
from stockade.services.kms.platform import PlatformDataKeys
from stockade.store.artifacts import UnsealedBlobs
from stockade.store.ports import Sealer
from stockade.store.queue_ports import OutgoingMessage, QueueId, QueueSettings
from stockade.store.sqlite import SqliteStore
from stockade.store.sqlite_keys import SqliteKeyStore
from stockade.store.sqlite_queues import SqliteQueueEngine
from stockade.types import AccountId, Region, RequestId

REGION = Region("us-east-1")
VARIABLES = {f"SETTING_{i:02d}": "v" * 150 for i in range(24)}  # ~4 KB as JSON


def per_call_us(fn: object, rounds: int) -> float:
    assert callable(fn)
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1e6)
    return statistics.median(samples)


def environment_bench(tmp: Path, rounds: int) -> None:
    clock = SystemClock()
    root = file_root_key(tmp / "root.key", OsKeyFiles())
    cipher = EnvelopeCipher(root)
    keys = SqliteKeyStore(tmp / "keys.db")
    store = SqliteStore(tmp / "stockade.db", EnvelopeSealer(PlatformDataKeys(keys, cipher, clock)))
    account = Identities(store, clock).create_account("bench").account.account_id
    kms = KmsService(keys, cipher, clock)
    authorizer = PolicyAuthorizer(store)
    user_arn = f"arn:aws:iam::{account}:user/{ADMIN_USER}"
    admin = context(Principal(PrincipalKind.IAM_USER, account, user_arn, "AIDABENCH", ADMIN_USER))
    key_arn = kms.admin.create_key(admin, {})["KeyMetadata"]["Arn"]  # (setup: not measured)
    function_arn = f"arn:aws:lambda:{REGION}:{account}:function:bench"
    role_arn = f"arn:aws:iam::{account}:role/{BASIC_EXECUTION_ROLE}"
    role = Principal(PrincipalKind.ASSUMED_ROLE, account,
                     f"arn:aws:sts::{account}:assumed-role/{BASIC_EXECUTION_ROLE}/bench",
                     "AROABENCH:bench", "bench", role_arn=role_arn)  # fmt: skip
    trail = AuditTrail(tmp / "audit", Ed25519Signer.generate(), clock, REGION)
    env_keys = LambdaEnvironmentKeys(kms, authorizer, REGION, DiscardingAuditLog())
    audited_keys = LambdaEnvironmentKeys(kms, authorizer, REGION, trail)
    plaintext = json.dumps(VARIABLES, separators=(",", ":")).encode()
    sealed = env_keys.encrypt(admin, key_arn, function_arn, plaintext)
    assert env_keys.decrypt_for_function(role, function_arn, sealed) == plaintext
    opened = per_call_us(lambda: env_keys.decrypt_for_function(role, function_arn, sealed), rounds)
    audited = per_call_us(
        lambda: audited_keys.decrypt_for_function(role, function_arn, sealed), rounds
    )
    trail.close()
    key = new_key()
    nonce, ciphertext = seal(key, plaintext, b"aad")
    floor = per_call_us(lambda: open_(key, nonce, ciphertext, b"aad"), rounds)
    print(f"env open    {opened:8.1f} us per cold start ({len(plaintext)} bytes of variables,"
          f" customer key, p50 of {rounds})")  # fmt: skip
    print(f"  audited   {audited:8.1f} us the same, with its KMS audit record journalled (fsync)")
    print(f"baseline    {floor:8.1f} us AES-256-GCM decryption of the same bytes alone;"
          f" ratio {opened / floor:5.1f}x")  # fmt: skip
    store.close()
    keys.close()


def context(principal: Principal) -> RequestContext:
    return RequestContext(RequestId("bench"), principal, REGION, "127.0.0.1", "bench", True,
                          datetime.now(UTC), "")  # fmt: skip


async def sends_per_s(path: Path, sealer: Sealer, count: int, concurrency: int) -> float:
    engine = SqliteQueueEngine(path, sealer, SystemClock())
    queue_id = QueueId(AccountId("111122223333"), "bench")
    engine.create_queue(queue_id, QueueSettings())
    body = b'{"event": "' + b"x" * 1000 + b'"}'

    async def sender() -> None:
        for _ in range(count // concurrency):
            await engine.send_async(queue_id, [OutgoingMessage(body)])

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    rate = count // concurrency * concurrency / (time.perf_counter() - started)
    engine.close()
    return rate


def event_bench(tmp: Path, count: int, rounds: int) -> None:
    clock = SystemClock()
    cipher = EnvelopeCipher(file_root_key(tmp / "root.key", OsKeyFiles()))
    keys = SqliteKeyStore(tmp / "event-keys.db")
    sealer = EnvelopeSealer(PlatformDataKeys(keys, cipher, clock))
    for size in (1024, 256 * 1024):
        payload = b"x" * size
        took = per_call_us(lambda p=payload: sealer.seal(p, ("queue-message", "id", "m")), rounds)
        print(f"seal        {took:8.1f} us per event of {size // 1024} KB")
    plain = asyncio.run(sends_per_s(tmp / "plain.db", UnsealedBlobs(), count, 64))
    sealed = asyncio.run(sends_per_s(tmp / "sealed.db", sealer, count, 64))
    print(f"sends       {sealed:8.0f} durable sends/s with events sealed (1 KB events, n={count})")
    print(f"baseline    {plain:8.0f} durable sends/s unsealed, same engine and disk;"
          f" ratio {sealed / plain:4.2f}x")  # fmt: skip
    keys.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--events", type=int, default=10000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        environment_bench(Path(tmp), args.rounds)
        event_bench(Path(tmp), args.events, args.rounds)


if __name__ == "__main__":
    main()
