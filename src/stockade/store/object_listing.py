"""ListObjectsV2 and ListObjectVersions over the object database's indexes.

Keys compare as UTF-8 bytes. Keys under `prefix` are exactly those in [prefix, prefix + 0xFF):
no UTF-8 string contains the byte 0xFF. The same bound lets a delimiter listing jump over a
whole common prefix `cp` with one index seek past `cp + 0xFF` instead of reading its keys, so a
page costs O(page size) seeks however many keys a common prefix rolls up.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stockade.store.object_rows import VERSION_COLUMNS

PAST = b"\xff"
_BATCH = 256


@dataclass(frozen=True)
class Entry:
    """A key (with its row) or a common prefix (row None)."""

    key: bytes
    row: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class Listed:
    entries: list[Entry]
    truncated: bool


@dataclass(frozen=True)
class _Position:
    """Where a walk stands: rows after `key` (or from it, if `inclusive`); with `seq`, the
    versions of `key` older than `seq` come first."""

    key: bytes
    inclusive: bool = False
    seq: int | None = None


# fetch(position, upper bound, limit) -> rows in listing order; the key is at column key_at.
_Fetch = Callable[[_Position, bytes, int], list[tuple[Any, ...]]]


def rolled(key: bytes, prefix: bytes, delimiter: bytes) -> bytes | None:
    """The common prefix `key` is rolled up into, if any."""
    if not delimiter:
        return None
    at = key.find(delimiter, len(prefix))
    return None if at < 0 else key[: at + len(delimiter)]


def _walk(
    fetch: _Fetch, start: _Position, prefix: bytes, delimiter: bytes, max_keys: int, key_at: int
) -> Listed:
    entries: list[Entry] = []
    position = start
    upper = prefix + PAST
    if max_keys <= 0:
        return Listed(entries, False)
    while True:
        rows = fetch(position, upper, _BATCH)
        jumped = False
        for row in rows:
            key = bytes(row[key_at])
            if len(entries) == max_keys:
                return Listed(entries, True)
            common = rolled(key, prefix, delimiter)
            if common is not None:
                entries.append(Entry(common))
                position = _Position(common + PAST)
                jumped = True
                break
            entries.append(Entry(key, row))
            position = _Position(key, seq=row[0] if key_at == 2 else None)
        if not jumped and len(rows) < _BATCH:
            return Listed(entries, False)


def _first(prefix: bytes, after: bytes) -> _Position:
    return _Position(after) if after >= prefix else _Position(prefix, inclusive=True)


def list_current(
    db: sqlite3.Connection, bucket: str, prefix: bytes, delimiter: bytes, after: bytes,
    max_keys: int,
) -> Listed:  # fmt: skip
    """Keys whose current version is an object, after `after` (exclusive)."""
    columns = VERSION_COLUMNS.replace("bucket, key", "v.bucket, v.key")

    def fetch(at: _Position, upper: bytes, limit: int) -> list[tuple[Any, ...]]:
        op = ">=" if at.inclusive else ">"
        rows: list[tuple[Any, ...]] = db.execute(
            f"SELECT {columns} FROM current c JOIN versions v ON v.seq = c.seq"  # noqa: S608
            f" WHERE c.bucket = ? AND c.key {op} ? AND c.key < ? ORDER BY c.key LIMIT ?",
            (bucket, at.key, upper, limit),
        ).fetchall()
        return rows

    return _walk(fetch, _first(prefix, after), prefix, delimiter, max_keys, key_at=1)


def list_versions(
    db: sqlite3.Connection, bucket: str, prefix: bytes, delimiter: bytes, key_marker: bytes,
    after_seq: int | None, max_keys: int,
) -> Listed:  # fmt: skip
    """Every version and delete marker, keys in order and each key's newest first, after
    `key_marker` (with `after_seq`: after that version of it). Rows carry `seq` first."""

    def fetch(at: _Position, upper: bytes, limit: int) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        if at.seq is not None:
            rows = db.execute(
                f"SELECT seq, {VERSION_COLUMNS} FROM versions WHERE bucket = ?"  # noqa: S608
                " AND key = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
                (bucket, at.key, at.seq, limit),
            ).fetchall()
            if len(rows) == limit:
                return rows
        op = ">=" if at.inclusive else ">"
        rows += db.execute(
            f"SELECT seq, {VERSION_COLUMNS} FROM versions WHERE bucket = ?"  # noqa: S608
            f" AND key {op} ? AND key < ? ORDER BY key, seq DESC LIMIT ?",
            (bucket, at.key, upper, limit - len(rows)),
        ).fetchall()
        return rows

    start = _first(prefix, key_marker)
    if key_marker and key_marker >= prefix:
        common = rolled(key_marker, prefix, delimiter)
        if common is not None:  # the marker names a common prefix (or a key inside one)
            start = _Position(common + PAST)
        elif after_seq is not None:
            start = _Position(key_marker, seq=after_seq)
    return _walk(fetch, start, prefix, delimiter, max_keys, key_at=2)
