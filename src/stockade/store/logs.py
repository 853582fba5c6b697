"""Function logs in their own SQLite database: durable, bounded per group, non-blocking writes.

A separate file (WAL) so that log writes never wait on control-plane transactions. `append` is
called on the invoke hot path, on the event loop: it only enqueues (and drops, counting, if the
writer has fallen `max_pending_bytes` behind, so memory stays bounded). One writer thread
commits what is queued at least every `flush_interval_s`, in one transaction per batch; group
creation and deletion travel through the same queue, so they are ordered with the appends.
Each group is kept under `max_bytes_per_group` by deleting its oldest events (amortised: a group
over its bound is cut back to 90% of it), and streams left empty are removed.

Reads use one connection per reading thread, each read in one snapshot. Message content is
tenant data: it is never logged, errors name only counts, and with a `sealer` each message is
stored sealed (bound to its account, group and stream), so filter terms are matched after
opening, not by SQL.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from stockade.clock import Clock, SystemClock
from stockade.storage_faults import storage_fault
from stockade.store.log_ports import (
    EVENT_OVERHEAD_BYTES,
    MESSAGE_BYTES_MAX,
    EventPage,
    EventQuery,
    LogEvent,
    LogGroupInfo,
    LogStoreClosedError,
    LogStreamInfo,
    LogStreamNotFoundError,
    Position,
    StreamKey,
    StreamOrder,
)
from stockade.store.log_sql import (
    STREAM_COLUMNS,
    connect,
    events_sql,
    find_group_id,
    migrate,
    transaction,
)
from stockade.store.ports import Sealer

LOG = logging.getLogger(__name__)
T = TypeVar("T")

_BATCH_BYTES_MAX = 8 * 1024 * 1024  # commit early rather than hold huge transactions
_COMMAND_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class _Append:
    account_id: str
    log_group: str
    log_stream: str
    ingestion_ms: int
    events: tuple[tuple[int, str], ...]
    weight: int  # characters, for the pending-bytes bound


@dataclass(frozen=True)
class _Command:
    """Work that must run on the writer's connection, in queue order."""

    run: Callable[[sqlite3.Connection], Any]
    result: Future[Any]


_Barrier = threading.Event  # set once everything queued before it is committed
_CLOSE = object()


class SqliteLogStore:
    def __init__(
        self,
        path: Path,
        *,
        max_bytes_per_group: int = 16 * 1024 * 1024,
        flush_interval_s: float = 0.1,
        max_pending_bytes: int = 64 * 1024 * 1024,
        clock: Clock | None = None,
        sealer: Sealer | None = None,
    ) -> None:
        self._path = path
        self._sealer = sealer
        self._max_bytes = max_bytes_per_group
        self._flush_interval_s = flush_interval_s
        self._max_pending = max_pending_bytes
        self._clock = clock or SystemClock()
        self._queue: queue.SimpleQueue[_Append | _Command | _Barrier | object] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._pending = 0
        self._dropped = 0
        self._closed = False
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        with contextlib.closing(connect(path)) as db:
            migrate(db)
        self._writer = threading.Thread(target=self._write_forever, name="log-writer", daemon=True)
        self._writer.start()

    def __repr__(self) -> str:
        return f"SqliteLogStore({self._path.name!r})"

    # -- writing ------------------------------------------------------------------------------
    def append(
        self, account_id: str, log_group: str, log_stream: str, events: Sequence[tuple[int, str]]
    ) -> None:
        if not events:
            return
        weight = sum(len(message) for _, message in events)
        with self._lock:
            if self._closed or self._pending + weight > self._max_pending:
                self._dropped += len(events)
                return
            self._pending += weight
        ingestion_ms = _epoch_ms(self._clock)
        batch = _Append(account_id, log_group, log_stream, ingestion_ms, tuple(events), weight)
        self._queue.put(batch)

    def flush(self, timeout_s: float = 30.0) -> None:
        """Return once everything appended before the call is committed."""
        if self._closed:
            return  # close() committed everything
        done = threading.Event()
        self._queue.put(done)
        done.wait(timeout_s)

    def close(self) -> None:
        """Commit everything queued, then stop the writer and close every connection."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._queue.put(_CLOSE)
        self._writer.join(60)
        with self._lock:
            readers, self._readers = self._readers, []
        for db in readers:
            db.close()

    def create_group(self, account_id: str, log_group: str, created_ms: int) -> bool:
        def create(db: sqlite3.Connection) -> bool:
            cursor = db.execute(
                "INSERT INTO log_groups (account_id, name, created_ms) VALUES (?, ?, ?)"
                " ON CONFLICT (account_id, name) DO NOTHING",
                (account_id, log_group, created_ms),
            )
            return cursor.rowcount == 1

        return self._command(create)

    def delete_group(self, account_id: str, log_group: str) -> bool:
        def delete(db: sqlite3.Connection) -> bool:
            row = db.execute(
                "SELECT id FROM log_groups WHERE account_id = ? AND name = ?",
                (account_id, log_group),
            ).fetchone()
            if row is None:
                return False
            db.execute("DELETE FROM log_events WHERE group_id = ?", row)
            db.execute("DELETE FROM log_streams WHERE group_id = ?", row)
            db.execute("DELETE FROM log_groups WHERE id = ?", row)
            return True

        return self._command(delete)

    def _command(self, run: Callable[[sqlite3.Connection], T]) -> T:
        with self._lock:
            if self._closed:
                raise LogStoreClosedError("the log store is closed")
        result: Future[T] = Future()
        self._queue.put(_Command(run, result))
        return result.result(_COMMAND_TIMEOUT_S)

    # -- the writer thread ----------------------------------------------------------------------
    def _write_forever(self) -> None:
        db = connect(self._path)
        try:
            running = True
            while running:
                items = self._collect()
                try:
                    running = self._process(db, items)
                except Exception as exc:  # keep writing whatever comes next
                    # The kind of failure only: details could quote tenant log lines.
                    LOG.error("log writer failed: %s", type(exc).__name__)
                self._report_drops()
            self._fail_leftovers()
        finally:
            db.close()

    def _collect(self) -> list[_Append | _Command | _Barrier | object]:
        """Block for one item, then gather more for up to `flush_interval_s`; a barrier, a
        command or a close ends the wait (someone is waiting for it), as does a large batch."""
        items = [self._queue.get()]
        deadline = time.monotonic() + self._flush_interval_s
        size = 0
        while isinstance(items[-1], _Append) and size < _BATCH_BYTES_MAX:
            size += items[-1].weight
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                items.append(self._queue.get(timeout=remaining))
            except queue.Empty:
                break
        return items

    def _process(self, db: sqlite3.Connection, items: list[Any]) -> bool:
        appends: list[_Append] = []
        running = True
        for item in items:
            if isinstance(item, _Append):
                appends.append(item)
                continue
            self._commit(db, appends)
            appends = []
            if isinstance(item, _Command):
                _run_command(db, item)
            elif isinstance(item, threading.Event):
                item.set()
            elif item is _CLOSE:
                running = False
        self._commit(db, appends)
        return running

    def _commit(self, db: sqlite3.Connection, appends: list[_Append]) -> None:
        if not appends:
            return
        try:
            if not self._store(db, appends, report=len(appends) == 1):
                for batch in appends:  # one bad batch must not take the others with it
                    self._store(db, [batch], report=True)
        finally:
            with self._lock:
                self._pending -= sum(batch.weight for batch in appends)

    def _store(self, db: sqlite3.Connection, appends: list[_Append], report: bool) -> bool:
        try:
            with transaction(db):
                touched: set[int] = set()
                for batch in appends:
                    touched.add(self._insert(db, batch))
                for group_id in touched:
                    self._trim(db, group_id)
        except Exception as exc:  # the writer must outlive a bad batch (disk full, a bug)
            if report:  # the kind of failure only: details could quote tenant log lines
                count = sum(len(batch.events) for batch in appends)
                LOG.error("could not store %d log events: %s", count, type(exc).__name__)
            return False
        return True

    def _insert(self, db: sqlite3.Connection, batch: _Append) -> int:
        db.execute(
            "INSERT INTO log_groups (account_id, name, created_ms) VALUES (?, ?, ?)"
            " ON CONFLICT (account_id, name) DO NOTHING",
            (batch.account_id, batch.log_group, batch.ingestion_ms),
        )
        (group_id,) = db.execute(
            "SELECT id FROM log_groups WHERE account_id = ? AND name = ?",
            (batch.account_id, batch.log_group),
        ).fetchone()
        cleaned = [(timestamp_ms, *_clean(line)) for timestamp_ms, line in batch.events]
        total = sum(size for _, _, size in cleaned)
        first = min(timestamp_ms for timestamp_ms, _, _ in cleaned)
        last = max(timestamp_ms for timestamp_ms, _, _ in cleaned)
        (stream_id,) = db.execute(
            "INSERT INTO log_streams (group_id, name, created_ms, first_event_ms, last_event_ms,"
            " last_ingestion_ms, stored_bytes) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (group_id, name) DO UPDATE SET"
            " first_event_ms = min(first_event_ms, excluded.first_event_ms),"
            " last_event_ms = max(last_event_ms, excluded.last_event_ms),"
            " last_ingestion_ms = excluded.last_ingestion_ms,"
            " stored_bytes = stored_bytes + excluded.stored_bytes"
            " RETURNING id",
            (group_id, batch.log_stream, batch.ingestion_ms, first, last, batch.ingestion_ms,
             total),
        ).fetchone()  # fmt: skip
        context = _context(batch.account_id, batch.log_group, batch.log_stream)
        db.executemany(
            "INSERT INTO log_events (group_id, stream_id, timestamp_ms, ingestion_ms, size,"
            " message) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (group_id, stream_id, timestamp_ms, batch.ingestion_ms, size,
                 message if self._sealer is None else self._sealer.seal(message.encode(), context))
                for timestamp_ms, message, size in cleaned
            ],
        )  # fmt: skip
        db.execute(
            "UPDATE log_groups SET stored_bytes = stored_bytes + ? WHERE id = ?", (total, group_id)
        )
        return int(group_id)

    def _trim(self, db: sqlite3.Connection, group_id: int) -> None:
        (size,) = db.execute(
            "SELECT stored_bytes FROM log_groups WHERE id = ?", (group_id,)
        ).fetchone()
        if size <= self._max_bytes:
            return
        # Back to 90% of the bound, so that trimming runs once per ~10% of growth.
        excess = size - self._max_bytes * 9 // 10
        doomed: list[tuple[int]] = []
        freed: dict[int, int] = {}
        total = 0
        with contextlib.closing(
            db.execute(
                "SELECT id, stream_id, size FROM log_events WHERE group_id = ?"
                " ORDER BY timestamp_ms, id",
                (group_id,),
            )
        ) as oldest:
            for event_id, stream_id, event_size in oldest:
                doomed.append((event_id,))
                freed[stream_id] = freed.get(stream_id, 0) + event_size
                total += event_size
                if total >= excess:
                    break
        db.executemany("DELETE FROM log_events WHERE id = ?", doomed)
        for stream_id, stream_bytes in freed.items():
            first = db.execute(
                "SELECT min(timestamp_ms) FROM log_events WHERE stream_id = ?", (stream_id,)
            ).fetchone()[0]
            if first is None:
                db.execute("DELETE FROM log_streams WHERE id = ?", (stream_id,))
            else:
                db.execute(
                    "UPDATE log_streams SET first_event_ms = ?, stored_bytes = stored_bytes - ?"
                    " WHERE id = ?",
                    (first, stream_bytes, stream_id),
                )
        db.execute(
            "UPDATE log_groups SET stored_bytes = stored_bytes - ? WHERE id = ?", (total, group_id)
        )

    def _report_drops(self) -> None:
        with self._lock:
            dropped, self._dropped = self._dropped, 0
        if dropped:
            LOG.warning("dropped %d log events: the log writer is behind or closed", dropped)

    def _fail_leftovers(self) -> None:
        """After close: nothing more is written; whoever still waits is told so."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, _Command):
                item.result.set_exception(LogStoreClosedError("the log store is closed"))
            elif isinstance(item, threading.Event):
                item.set()

    # -- reading --------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        if self._closed:
            raise LogStoreClosedError("the log store is closed")
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            with self._lock:
                db = connect(self._path)
                db.execute("PRAGMA query_only = ON")
                self._readers.append(db)
            self._local.db = db
        if db.in_transaction:  # left open by a failure: start afresh
            db.execute("ROLLBACK")
        db.execute("BEGIN")
        try:
            yield db
        finally:
            db.execute("COMMIT")

    def count_groups(self, account_id: str) -> int:
        with self._snapshot() as db:
            (count,) = db.execute(
                "SELECT count(*) FROM log_groups WHERE account_id = ?", (account_id,)
            ).fetchone()
        return int(count)

    def get_group(self, account_id: str, log_group: str) -> LogGroupInfo | None:
        with self._snapshot() as db:
            row = db.execute(
                "SELECT name, created_ms, stored_bytes FROM log_groups"
                " WHERE account_id = ? AND name = ?",
                (account_id, log_group),
            ).fetchone()
        return None if row is None else LogGroupInfo(*row)

    def list_groups(
        self,
        account_id: str,
        *,
        prefix: str = "",
        contains: str = "",
        after: str | None = None,
        limit: int,
    ) -> list[LogGroupInfo]:
        sql = (
            "SELECT name, created_ms, stored_bytes FROM log_groups WHERE account_id = ?"
            " AND name >= ? AND substr(name, 1, ?) = ? AND instr(lower(name), lower(?)) > 0"
        )
        args: list[Any] = [account_id, prefix, len(prefix), prefix, contains]
        if after is not None:
            sql += " AND name > ?"
            args.append(after)
        with self._snapshot() as db:
            rows = db.execute(f"{sql} ORDER BY name LIMIT ?", (*args, limit)).fetchall()
        return [LogGroupInfo(*row) for row in rows]

    def get_stream(self, account_id: str, log_group: str, log_stream: str) -> LogStreamInfo:
        with self._snapshot() as db:
            group_id = find_group_id(db, account_id, log_group)
            row = db.execute(
                f"SELECT {STREAM_COLUMNS} FROM log_streams WHERE group_id = ? AND name = ?",  # noqa: S608
                (group_id, log_stream),
            ).fetchone()
        if row is None:
            raise LogStreamNotFoundError("no such log stream")
        return LogStreamInfo(*row)

    def list_streams(
        self,
        account_id: str,
        log_group: str,
        *,
        prefix: str = "",
        order: StreamOrder = StreamOrder.NAME,
        descending: bool = False,
        after: StreamKey | None = None,
        limit: int,
    ) -> list[LogStreamInfo]:
        compare, direction = ("<", "DESC") if descending else (">", "ASC")
        sql = f"SELECT {STREAM_COLUMNS} FROM log_streams WHERE group_id = ?"  # noqa: S608
        args: list[Any] = []
        if prefix:
            sql += " AND name >= ? AND substr(name, 1, ?) = ?"
            args += [prefix, len(prefix), prefix]
        if order is StreamOrder.NAME:
            if after is not None:
                sql += f" AND name {compare} ?"
                args.append(after.name)
            sql += f" ORDER BY name {direction}"
        else:
            if after is not None:
                sql += f" AND (last_event_ms, name) {compare} (?, ?)"
                args += [after.last_event_ms, after.name]
            sql += f" ORDER BY last_event_ms {direction}, name {direction}"
        with self._snapshot() as db:
            group_id = find_group_id(db, account_id, log_group)
            rows = db.execute(f"{sql} LIMIT ?", (group_id, *args, limit)).fetchall()
        return [LogStreamInfo(*row) for row in rows]

    def read_events(
        self,
        account_id: str,
        log_group: str,
        query: EventQuery,
        *,
        after: Position | None = None,
        forward: bool = True,
        limit: int,
        max_bytes: int,
    ) -> EventPage:
        with self._snapshot() as db:
            group_id = find_group_id(db, account_id, log_group)
            sql, args = events_sql(db, group_id, query, after, forward)
            if sql is None:
                return EventPage([], False)
            events: list[LogEvent] = []
            budget = max_bytes
            if not query.terms:  # (with terms, rows are matched once opened: no SQL limit)
                sql, args = f"{sql} LIMIT ?", [*args, limit + 1]
            with contextlib.closing(db.execute(sql, args)) as rows:
                for event_id, stream, timestamp_ms, ingestion_ms, size, stored in rows:
                    message = self._open(account_id, log_group, stream, stored)
                    if not all(term in message for term in query.terms):
                        continue
                    cost = size + EVENT_OVERHEAD_BYTES
                    if len(events) == limit or (events and cost > budget):
                        return EventPage(events, True)
                    budget -= cost
                    events.append(LogEvent(event_id, stream, timestamp_ms, ingestion_ms, message))
        return EventPage(events, False)

    def _open(self, account_id: str, log_group: str, stream: str, stored: str | bytes) -> str:
        if isinstance(stored, str):  # stored before sealing, or by a store without a sealer
            return stored
        if self._sealer is None:
            raise ValueError("log events are sealed and this store has no sealer")
        return self._sealer.open(stored, _context(account_id, log_group, stream)).decode()


def _context(account_id: str, log_group: str, log_stream: str) -> tuple[str, ...]:
    return ("log-event", account_id, log_group, log_stream)


def _run_command(db: sqlite3.Connection, command: _Command) -> None:
    if not command.result.set_running_or_notify_cancel():
        return
    try:
        with transaction(db):
            value = command.run(db)
    except Exception as exc:  # handed to the caller, who decides (a storage fault as such)
        command.result.set_exception(storage_fault(exc) or exc)
    else:
        command.result.set_result(value)


def _clean(message: str) -> tuple[str, int]:
    """The message as stored (valid UTF-8, at most MESSAGE_BYTES_MAX bytes) and its size."""
    raw = message.encode("utf-8", "replace")
    if len(raw) <= MESSAGE_BYTES_MAX:
        return raw.decode("utf-8"), len(raw)
    text = raw[:MESSAGE_BYTES_MAX].decode("utf-8", "ignore")
    return text, len(text.encode("utf-8"))


def _epoch_ms(clock: Clock) -> int:
    return int(clock.now().timestamp() * 1000)
