"""Shared plumbing of the SQLite adapters: a table of JSON documents keyed by some columns."""

from __future__ import annotations

import sqlite3
from typing import Any, TypeVar

from stockade.store import codec

T = TypeVar("T")


class Docs:
    """Shared plumbing: one table of JSON documents keyed by some columns."""

    def __init__(self, conn: sqlite3.Connection, doc_codec: codec.DocCodec) -> None:
        self.conn = conn
        self.codec = doc_codec

    def one(self, cls: type[T], sql: str, *args: Any) -> T | None:
        row = self.conn.execute(sql, args).fetchone()
        return self.codec.loads(cls, row[0]) if row else None

    def many(self, cls: type[T], sql: str, *args: Any) -> list[T]:
        return [self.codec.loads(cls, row[0]) for row in self.conn.execute(sql, args)]
