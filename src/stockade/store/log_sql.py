"""The log store's SQL: schema and migration, connections, transactions, and its reads' queries."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from stockade.private_files import private_database
from stockade.store.log_ports import EventQuery, LogGroupNotFoundError, Position

_SCHEMA_V1 = """
CREATE TABLE log_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id TEXT NOT NULL,
    name TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    stored_bytes INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account_id, name)
);
CREATE TABLE log_streams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    first_event_ms INTEGER NOT NULL,
    last_event_ms INTEGER NOT NULL,
    last_ingestion_ms INTEGER NOT NULL,
    stored_bytes INTEGER NOT NULL,
    UNIQUE (group_id, name)
);
CREATE INDEX log_streams_by_last_event ON log_streams (group_id, last_event_ms, name);
CREATE TABLE log_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id INTEGER NOT NULL,
    stream_id INTEGER NOT NULL,
    timestamp_ms INTEGER NOT NULL,
    ingestion_ms INTEGER NOT NULL,
    size INTEGER NOT NULL,
    message TEXT NOT NULL
);
-- Index entries end with the rowid, so both serve ORDER BY timestamp_ms, id.
CREATE INDEX log_events_by_stream ON log_events (stream_id, timestamp_ms);
CREATE INDEX log_events_by_group ON log_events (group_id, timestamp_ms);
"""
# The first log store (stockade.store.function_logs) kept one flat `events` table; its events
# move into the new tables, with their timestamps standing in for ingestion times.
_FROM_FLAT_EVENTS = """
INSERT INTO log_groups (account_id, name, created_ms, stored_bytes)
    SELECT account_id, log_group, MIN(timestamp_ms), SUM(length(CAST(message AS BLOB)))
    FROM events GROUP BY account_id, log_group;
INSERT INTO log_streams (group_id, name, created_ms, first_event_ms, last_event_ms,
                         last_ingestion_ms, stored_bytes)
    SELECT g.id, e.log_stream, MIN(e.timestamp_ms), MIN(e.timestamp_ms), MAX(e.timestamp_ms),
           MAX(e.timestamp_ms), SUM(length(CAST(e.message AS BLOB)))
    FROM events e JOIN log_groups g ON g.account_id = e.account_id AND g.name = e.log_group
    GROUP BY g.id, e.log_stream;
INSERT INTO log_events (group_id, stream_id, timestamp_ms, ingestion_ms, size, message)
    SELECT g.id, s.id, e.timestamp_ms, e.timestamp_ms, length(CAST(e.message AS BLOB)), e.message
    FROM events e
    JOIN log_groups g ON g.account_id = e.account_id AND g.name = e.log_group
    JOIN log_streams s ON s.group_id = g.id AND s.name = e.log_stream
    ORDER BY e.id;
DROP TABLE events;
DROP TABLE IF EXISTS group_sizes;
"""
_SCHEMA_VERSION = 1


STREAM_COLUMNS = "name, created_ms, first_event_ms, last_event_ms, last_ingestion_ms, stored_bytes"


def events_sql(
    db: sqlite3.Connection,
    group_id: int,
    query: EventQuery,
    after: Position | None,
    forward: bool,
) -> tuple[str | None, list[Any]]:
    """The SELECT for a read; None when no stream can match. Values are always bound."""
    where = ["e.group_id = ?"]
    args: list[Any] = [group_id]
    if query.stream_names is not None:
        # Named streams are resolved first, so that the per-stream index does the reading.
        marks = ", ".join("?" for _ in query.stream_names)
        stream_ids = [
            row[0]
            for row in db.execute(
                f"SELECT id FROM log_streams WHERE group_id = ? AND name IN ({marks})",  # noqa: S608
                (group_id, *query.stream_names),
            )
        ]
        if not stream_ids:
            return None, []
        # These streams are the group's; without the group condition the planner has only
        # the per-stream index to choose.
        where = [f"e.stream_id IN ({', '.join('?' for _ in stream_ids)})"]
        args = list(stream_ids)
    if query.stream_prefix:
        where.append("s.name >= ? AND substr(s.name, 1, ?) = ?")
        args += [query.stream_prefix, len(query.stream_prefix), query.stream_prefix]
    if query.start_ms is not None:
        where.append("e.timestamp_ms >= ?")
        args.append(query.start_ms)
    if query.end_ms is not None:
        where.append("e.timestamp_ms < ?")
        args.append(query.end_ms)
    if after is not None:
        compare = ">" if forward else "<"
        where.append(f"(e.timestamp_ms, e.id) {compare} (?, ?)")
        args += [after.timestamp_ms, after.event_id]
    direction = "ASC" if forward else "DESC"
    sql = (
        "SELECT e.id, s.name, e.timestamp_ms, e.ingestion_ms, e.size, e.message"  # noqa: S608
        " FROM log_events e JOIN log_streams s ON s.id = e.stream_id"
        f" WHERE {' AND '.join(where)}"
        f" ORDER BY e.timestamp_ms {direction}, e.id {direction}"
    )
    return sql, args


def find_group_id(db: sqlite3.Connection, account_id: str, log_group: str) -> int:
    row = db.execute(
        "SELECT id FROM log_groups WHERE account_id = ? AND name = ?", (account_id, log_group)
    ).fetchone()
    if row is None:
        raise LogGroupNotFoundError("no such log group")
    return int(row[0])


@contextlib.contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    # IMMEDIATE: take the write lock up front, so that another writer (a second process on the
    # same file) makes this wait for busy_timeout instead of failing on a lock upgrade.
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        # Also after a failed COMMIT: a connection left inside a transaction could never
        # write again.
        if db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
        raise


def migrate(db: sqlite3.Connection) -> None:
    with transaction(db):
        (version,) = db.execute("PRAGMA user_version").fetchone()
        if version >= _SCHEMA_VERSION:
            return
        legacy = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'"
        ).fetchone()
        for statement in _statements(_SCHEMA_V1 + (_FROM_FLAT_EVENTS if legacy else "")):
            db.execute(statement)
        db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")


def _statements(script: str) -> Iterator[str]:
    """Split a script of simple statements (no ';' inside literals), dropping comments."""
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    for statement in "\n".join(lines).split(";"):
        if statement.strip():
            yield statement


def connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(
        private_database(path), isolation_level=None, check_same_thread=False, timeout=10.0
    )
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")  # a crash may lose the last batch, never tear it
    return db
