"""An object engine as the server would build it: sealed segments, SSE-S3 data keys under the
platform key from a real key store, a local key service for SSE-KMS, a fake clock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from stockade.clock import FakeClock
from stockade.crypto import AesRootKey, EnvelopeCipher
from stockade.crypto.segments import SEGMENT_BYTES, AesGcmSegments
from stockade.services.kms.platform import PlatformDataKeys
from stockade.store.object_ports import PutOptions
from stockade.store.sqlite_keys import SqliteKeyStore
from stockade.store.sqlite_objects import SqliteObjectEngine
from tests.support.object_kms import LocalKmsDataKeys

ROOT = bytes(range(32))
SEG = SEGMENT_BYTES


def open_engine(data_dir: Path, kms: LocalKmsDataKeys | None = None) -> SqliteObjectEngine:
    clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
    keys = PlatformDataKeys(SqliteKeyStore(data_dir / "keys.db"), EnvelopeCipher(AesRootKey(ROOT)),
                            clock)  # fmt: skip
    return SqliteObjectEngine(data_dir, AesGcmSegments(), keys, clock, kms)


def chunked(data: bytes, size: int = 10_000) -> Iterator[bytes]:
    for at in range(0, len(data), size):
        yield data[at : at + size]


def put(engine: SqliteObjectEngine, bucket: str, key: str, data: bytes) -> str:
    return engine.put_object(bucket, key, chunked(data), PutOptions()).version_id


def read_all(engine: SqliteObjectEngine, bucket: str, key: str, version_id: str = "") -> bytes:
    return b"".join(engine.get_object(bucket, key, version_id).chunks)


def random_bytes(size: int) -> bytes:
    return os.urandom(size)
