"""The audit lookup index in SQLite (`audit/index.db`): one writer thread, batched inserts.

Resource names and types come from the record's request parameters, as CloudTrail derives
them (a function, user, role, key, queue, layer or policy the call names). Events older than the
retention period are deleted as new ones arrive.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from stockade.clock import Clock
from stockade.private_files import private_database
from stockade.storage_faults import storage_fault
from stockade.store.audit_ports import IndexedEvent, LookupQuery

LOG = logging.getLogger(__name__)
_RETRY_INTERVAL_S = 0.5
_WAITING_MAX = 10_000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL,
    event_time_ms INTEGER NOT NULL,
    event_name TEXT NOT NULL,
    event_source TEXT NOT NULL,
    username TEXT,
    access_key_id TEXT,
    read_only INTEGER NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_time ON events (account_id, event_time_ms, seq);
CREATE TABLE IF NOT EXISTS resources (
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    name TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS resources_by_name ON resources (name, seq);
CREATE INDEX IF NOT EXISTS resources_by_type ON resources (type, seq);
CREATE INDEX IF NOT EXISTS resources_by_seq ON resources (seq);
"""
# Which request parameter names which kind of resource (CloudTrail's resource types).
RESOURCE_PARAMETERS = {
    "FunctionName": "AWS::Lambda::Function",
    "LayerName": "AWS::Lambda::LayerVersion",
    "UserName": "AWS::IAM::User",
    "RoleName": "AWS::IAM::Role",
    "GroupName": "AWS::IAM::Group",
    "PolicyArn": "AWS::IAM::Policy",
    "KeyId": "AWS::KMS::Key",
    "QueueUrl": "AWS::SQS::Queue",
    "QueueName": "AWS::SQS::Queue",
    "RoleArn": "AWS::IAM::Role",
}
_COLUMNS = {
    "EventId": "e.event_id",
    "EventName": "e.event_name",
    "EventSource": "e.event_source",
    "Username": "e.username",
    "AccessKeyId": "e.access_key_id",
}


class SqliteAuditIndex:
    def __init__(self, path: Path, clock: Clock, retention_days: int = 90) -> None:
        self._path = path
        self._clock = clock
        self._retention_ms = retention_days * 86_400_000
        with contextlib.closing(_connect(path)) as db:
            db.executescript(_SCHEMA)
        self._queue: queue.SimpleQueue[list[Mapping[str, Any]] | threading.Event | None] = (
            queue.SimpleQueue()
        )
        self._reader = _connect(path)
        self._reader_lock = threading.Lock()
        self._thread = threading.Thread(target=self._write_forever, name="audit-index",
                                        daemon=True)  # fmt: skip
        self._thread.start()

    def __repr__(self) -> str:
        return f"SqliteAuditIndex({self._path.name!r})"

    def add(self, records: Iterable[Mapping[str, Any]]) -> None:
        batch = list(records)
        if batch:
            self._queue.put(batch)

    def flush(self) -> None:
        done = threading.Event()
        self._queue.put(done)
        done.wait(30)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(30)
        self._reader.close()

    def lookup(self, query: LookupQuery) -> tuple[Sequence[IndexedEvent], tuple[int, int] | None]:
        where = ["e.account_id = ?", "e.event_time_ms >= ?", "e.event_time_ms <= ?"]
        args: list[Any] = [query.account_id, query.start_ms, query.end_ms]
        if query.attribute is not None:
            key, value = query.attribute
            if key == "ReadOnly":
                where.append("e.read_only = ?")
                args.append(1 if value.lower() == "true" else 0)
            elif key in ("ResourceName", "ResourceType"):
                column = "name" if key == "ResourceName" else "type"
                where.append(f"e.seq IN (SELECT seq FROM resources WHERE {column} = ?)")  # noqa: S608
                args.append(value)
            else:
                where.append(f"{_COLUMNS[key]} = ?")
                args.append(value)
        if query.after is not None:
            where.append("(e.event_time_ms, e.seq) < (?, ?)")
            args += list(query.after)
        sql = (
            "SELECT e.seq, e.event_id, e.event_name, e.event_source, e.event_time_ms,"  # noqa: S608
            " e.read_only, e.access_key_id, e.username, e.record FROM events e"
            f" WHERE {' AND '.join(where)} ORDER BY e.event_time_ms DESC, e.seq DESC LIMIT ?"
        )
        with self._reader_lock:
            rows = self._reader.execute(sql, (*args, query.limit + 1)).fetchall()
            found = []
            for seq, event_id, name, source, time_ms, read_only, key_id, user, record in rows[
                : query.limit
            ]:
                resources = self._reader.execute(
                    "SELECT type, name FROM resources WHERE seq = ?", (seq,)
                ).fetchall()
                found.append(
                    IndexedEvent(
                        event_id, name, source, time_ms, bool(read_only), key_id, user,
                        tuple((str(kind), str(named)) for kind, named in resources), record,
                    )
                )  # fmt: skip
        more = None
        if len(rows) > query.limit:
            last = rows[query.limit - 1]
            more = (int(last[4]), int(last[0]))
        return found, more

    # -- the writer thread -------------------------------------------------------------------
    def _write_forever(self) -> None:
        db = _connect(self._path)
        last_trim = 0.0
        # Batches the disk refused (full, read-only, locked), retried in order once it takes
        # writes again: LookupEvents catches up without a restart. Bounded: past it, the
        # oldest wait for the rebuild from the trail at the next start.
        waiting: list[list[Mapping[str, Any]]] = []
        try:
            while True:
                try:
                    item = self._queue.get(timeout=_RETRY_INTERVAL_S if waiting else None)
                except queue.Empty:
                    item = []
                if item is None:
                    return
                if isinstance(item, threading.Event):
                    self._index(db, waiting)
                    item.set()
                    continue
                if item:
                    waiting.append(item)
                    del waiting[:-_WAITING_MAX]
                self._index(db, waiting)
                if not waiting and time.monotonic() - last_trim > 60:
                    last_trim = time.monotonic()
                    self._trim(db)
        finally:
            db.close()

    def _index(self, db: sqlite3.Connection, waiting: list[list[Mapping[str, Any]]]) -> None:
        while waiting:
            try:
                with db:
                    for record in waiting[0]:
                        _insert(db, record)
            except sqlite3.Error as exc:
                if storage_fault(exc) is None:
                    LOG.exception("audit records could not be indexed")
                    waiting.pop(0)  # never the trail itself: it still holds them
                    continue
                return  # the disk: retried later, in order
            except (KeyError, ValueError, TypeError):
                LOG.exception("audit records could not be indexed")
            waiting.pop(0)

    def _trim(self, db: sqlite3.Connection) -> None:
        cutoff = int(self._clock.now().timestamp() * 1000) - self._retention_ms
        try:
            with db:
                db.execute("DELETE FROM resources WHERE seq IN (SELECT seq FROM events"
                           " WHERE event_time_ms < ?)", (cutoff,))  # fmt: skip
                db.execute("DELETE FROM events WHERE event_time_ms < ?", (cutoff,))
        except sqlite3.Error:  # next time; the writer lives on
            LOG.warning("old audit index entries could not be trimmed", exc_info=True)


def _insert(db: sqlite3.Connection, record: Mapping[str, Any]) -> None:
    identity = record.get("userIdentity") or {}
    username = identity.get("userName")
    if username is None and identity.get("type") == "AssumedRole":
        username = str(identity.get("arn", "")).rsplit("/", 1)[-1]  # the session name
    when = datetime.fromisoformat(str(record["eventTime"]).replace("Z", "+00:00"))
    cursor = db.execute(
        "INSERT INTO events (event_id, account_id, event_time_ms, event_name, event_source,"
        " username, access_key_id, read_only, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (event_id) DO NOTHING",
        (record["eventID"], record.get("recipientAccountId", ""),
         int(when.timestamp() * 1000), record.get("eventName", ""),
         record.get("eventSource", ""), username, identity.get("accessKeyId"),
         1 if record.get("readOnly") else 0, json.dumps(record, separators=(",", ":"))),
    )  # fmt: skip
    if cursor.rowcount != 1:
        return
    seq = cursor.lastrowid
    for kind, name in resources_of(record.get("requestParameters") or {}):
        db.execute("INSERT INTO resources (seq, type, name) VALUES (?, ?, ?)", (seq, kind, name))


def resources_of(parameters: Mapping[str, Any]) -> list[tuple[str, str]]:
    found = []
    for member, kind in RESOURCE_PARAMETERS.items():
        value = parameters.get(member)
        if isinstance(value, str) and value:
            found.append((kind, value))
    return found


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(private_database(path), isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA busy_timeout=5000")
    db.isolation_level = "DEFERRED"  # `with db:` transactions
    return db
