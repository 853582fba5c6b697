"""The writer-side SQL of object versions: S3's versioning rules for puts and deletes.

- Unversioned and suspended buckets keep at most one "null" version per key: a put (or, when
  suspended, a delete marker) replaces it, and its bodies are freed.
- Enabled buckets add a version with a fresh id on every put, and a delete marker on a delete
  without a version id; a delete with a version id removes exactly that version.
- After every change `current` names the key's newest version if it is an object, else nothing.
Bodies freed by a change are returned for the engine to unlink once the change has committed.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from stockade import entropy
from stockade.store.object_errors import NoSuchBucket
from stockade.store.object_ports import NULL_VERSION, BucketInfo, Versioning
from stockade.store.object_rows import Body, bodies_json, bodies_of, bucket_of


def new_version_id() -> str:
    # Opaque, URL-safe, 32 characters (S3's are opaque strings up to 1,024 bytes).
    return entropy.token_bytes(24).hex()[:32]


@dataclass(frozen=True)
class NewVersion:
    delete_marker: bool
    size: int
    etag: str
    meta: str
    wrapped: bytes
    bodies: tuple[Body, ...]


def require_bucket(db: sqlite3.Connection, name: str) -> BucketInfo:
    row = db.execute(
        "SELECT name, owner, region, created_ms, versioning FROM buckets WHERE name = ?", (name,)
    ).fetchone()
    if row is None:
        raise NoSuchBucket("The specified bucket does not exist")
    return bucket_of(row)


def _drop(db: sqlite3.Connection, bucket: str, key: bytes, version_id: str) -> list[Body]:
    row = db.execute(
        "SELECT seq, bodies FROM versions WHERE bucket = ? AND key = ? AND version_id = ?",
        (bucket, key, version_id),
    ).fetchone()
    if row is None:
        return []
    db.execute("DELETE FROM versions WHERE seq = ?", (row[0],))
    return bodies_of(row[1])


def refresh_current(db: sqlite3.Connection, bucket: str, key: bytes) -> None:
    row = db.execute(
        "SELECT seq, delete_marker FROM versions WHERE bucket = ? AND key = ?"
        " ORDER BY seq DESC LIMIT 1",
        (bucket, key),
    ).fetchone()
    if row is None or row[1]:
        db.execute("DELETE FROM current WHERE bucket = ? AND key = ?", (bucket, key))
    else:
        db.execute(
            "INSERT OR REPLACE INTO current (bucket, key, seq) VALUES (?, ?, ?)",
            (bucket, key, row[0]),
        )


def add_version(
    db: sqlite3.Connection, bucket: str, key: bytes, new: NewVersion, now_ms: int
) -> tuple[str, list[Body]]:
    """Insert `new` as the key's newest version; (its version id, bodies freed)."""
    info = require_bucket(db, bucket)
    freed: list[Body] = []
    if info.versioning is Versioning.ENABLED:
        version_id = new_version_id()
    else:
        version_id = NULL_VERSION
        freed = _drop(db, bucket, key, NULL_VERSION)
    db.execute(
        "INSERT INTO versions (bucket, key, version_id, delete_marker, size, etag, stored_ms,"
        " meta, wrapped, bodies) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (bucket, key, version_id, int(new.delete_marker), new.size, new.etag, now_ms, new.meta,
         new.wrapped, bodies_json(list(new.bodies))),
    )  # fmt: skip
    refresh_current(db, bucket, key)
    return version_id, freed


def delete_version(
    db: sqlite3.Connection, bucket: str, key: bytes, version_id: str
) -> tuple[bool, list[Body]]:
    """Remove one version; (whether it existed and was a delete marker, bodies freed)."""
    require_bucket(db, bucket)
    row = db.execute(
        "SELECT delete_marker FROM versions WHERE bucket = ? AND key = ? AND version_id = ?",
        (bucket, key, version_id),
    ).fetchone()
    freed = _drop(db, bucket, key, version_id)
    refresh_current(db, bucket, key)
    return bool(row and row[0]), freed
