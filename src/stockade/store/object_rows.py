"""The object database's schema and how its rows map to the port's records and back.

Keys are stored as BLOBs of their UTF-8 bytes, so SQLite's ordering (memcmp) is S3's: UTF-8
binary order. `current` holds, per key, the version a plain GET sees when it is an object (not
a delete marker): ListObjectsV2 walks that index and never the whole version history.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from stockade.private_files import private_database
from stockade.store.object_ports import (
    BucketInfo,
    ChecksumAlgorithm,
    Checksums,
    Encryption,
    ObjectHeaders,
    ObjectVersion,
    PutOptions,
    Sse,
    Versioning,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS buckets (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    region TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    versioning TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS buckets_owner ON buckets (owner, name);
CREATE TABLE IF NOT EXISTS versions (
    seq INTEGER PRIMARY KEY,
    bucket TEXT NOT NULL,
    key BLOB NOT NULL,
    version_id TEXT NOT NULL,
    delete_marker INTEGER NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    stored_ms INTEGER NOT NULL,
    meta TEXT NOT NULL,
    wrapped BLOB NOT NULL,
    bodies TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS versions_by_key ON versions (bucket, key, seq DESC);
CREATE UNIQUE INDEX IF NOT EXISTS versions_by_id ON versions (bucket, key, version_id);
CREATE TABLE IF NOT EXISTS current (
    bucket TEXT NOT NULL,
    key BLOB NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (bucket, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS uploads (
    upload_id TEXT PRIMARY KEY,
    bucket TEXT NOT NULL,
    key BLOB NOT NULL,
    initiated_ms INTEGER NOT NULL,
    options TEXT NOT NULL,
    wrapped BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS uploads_by_key ON uploads (bucket, key, initiated_ms);
CREATE TABLE IF NOT EXISTS parts (
    upload_id TEXT NOT NULL,
    part_number INTEGER NOT NULL,
    body TEXT NOT NULL,
    size INTEGER NOT NULL,
    md5 BLOB NOT NULL,
    checksums TEXT NOT NULL,
    stored_ms INTEGER NOT NULL,
    PRIMARY KEY (upload_id, part_number)
) WITHOUT ROWID;
"""


def connect(path: Path, busy_timeout_s: float = 5.0) -> sqlite3.Connection:
    db = sqlite3.connect(private_database(path), check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")  # a committed put survives power loss
    db.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
    return db


@dataclass(frozen=True)
class Body:
    """One sealed body file (a single put's body, or a part of a multipart object)."""

    body_id: str
    size: int

    def to_json(self) -> list[Any]:
        return [self.body_id, self.size]

    @staticmethod
    def from_json(item: list[Any]) -> Body:
        return Body(str(item[0]), int(item[1]))


def bodies_json(bodies: list[Body]) -> str:
    return json.dumps([b.to_json() for b in bodies])


def bodies_of(text: str) -> list[Body]:
    return [Body.from_json(item) for item in json.loads(text)]


def bucket_of(row: tuple[Any, ...]) -> BucketInfo:
    name, owner, region, created_ms, versioning = row
    return BucketInfo(name, owner, region, created_ms, Versioning(versioning))


def options_json(options: PutOptions) -> str:
    algorithm = options.checksum_algorithm
    return json.dumps(
        {
            "headers": asdict(options.headers),
            "tags": [list(t) for t in options.tags],
            "sse": options.encryption.sse.value,
            "kms": options.encryption.kms_key_id,
            "algorithm": "" if algorithm is None else algorithm.value,
        }
    )


def options_of(text: str) -> PutOptions:
    data = json.loads(text)
    headers = dict(data["headers"])
    headers["user_metadata"] = tuple(tuple(p) for p in headers["user_metadata"])
    return PutOptions(
        headers=ObjectHeaders(**headers),
        tags=tuple((k, v) for k, v in data["tags"]),
        encryption=Encryption(Sse(data["sse"]), data["kms"]),
        checksum_algorithm=ChecksumAlgorithm(data["algorithm"]) if data["algorithm"] else None,
    )


def meta_json(options: PutOptions, checksums: Checksums, parts_count: int) -> str:
    data = json.loads(options_json(options))
    data["checksums"] = asdict(checksums)
    data["parts"] = parts_count
    return json.dumps(data)


VERSION_COLUMNS = "bucket, key, version_id, delete_marker, size, etag, stored_ms, meta"


def version_of(row: tuple[Any, ...], is_latest: bool) -> ObjectVersion:
    bucket, key, version_id, marker, size, etag, stored_ms, meta = row
    data = json.loads(meta)
    options = options_of(meta)
    return ObjectVersion(
        bucket=bucket,
        key=bytes(key).decode("utf-8"),
        version_id=version_id,
        is_latest=is_latest,
        delete_marker=bool(marker),
        size=size,
        etag=etag,
        stored_ms=stored_ms,
        checksums=Checksums(**data.get("checksums", {})),
        headers=options.headers,
        tags=options.tags,
        encryption=options.encryption,
        parts_count=int(data.get("parts", 0)),
    )


def checksums_json(checksums: Checksums) -> str:
    return json.dumps(asdict(checksums))


def checksums_of(text: str) -> Checksums:
    return Checksums(**json.loads(text))
