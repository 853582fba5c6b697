"""Function logs: a durable, bounded store of log events per account and log group.

Its own SQLite database (WAL), so that log writes never wait on control-plane transactions.
`append` is called on the invoke hot path (on the event loop): it only enqueues; one writer
thread commits what has been queued, in batches that grow with the load. Each group is kept
under `max_bytes_per_group` by deleting its oldest events, as a retention policy would.
"""

from __future__ import annotations

import contextlib
import queue
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

MESSAGE_BYTES_MAX = 256 * 1024  # CloudWatch Logs' event size limit
_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL,
    log_group TEXT NOT NULL,
    log_stream TEXT NOT NULL,
    timestamp_ms INTEGER NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_group ON events (account_id, log_group, id);
CREATE TABLE IF NOT EXISTS group_sizes (
    account_id TEXT NOT NULL,
    log_group TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    PRIMARY KEY (account_id, log_group)
);
"""

Batch = tuple[str, str, str, Sequence[tuple[int, str]]]


@dataclass(frozen=True)
class LogEvent:
    event_id: int
    log_stream: str
    timestamp_ms: int
    message: str


class SqliteLogStore:
    def __init__(
        self,
        path: Path,
        *,
        max_bytes_per_group: int = 16 * 1024 * 1024,
    ) -> None:
        self._path = path
        self._max_bytes = max_bytes_per_group
        self._queue: queue.SimpleQueue[Batch | threading.Event | None] = queue.SimpleQueue()
        with contextlib.closing(_connect(path)) as db:
            db.executescript(_SCHEMA)
        path.chmod(0o600)
        self._writer = threading.Thread(target=self._write_forever, name="log-writer", daemon=True)
        self._writer.start()

    def append(
        self, account_id: str, log_group: str, log_stream: str, events: Sequence[tuple[int, str]]
    ) -> None:
        if events:
            self._queue.put((account_id, log_group, log_stream, tuple(events)))

    def flush(self, timeout_s: float = 10.0) -> None:
        """Return once everything appended before the call is committed."""
        done = threading.Event()
        self._queue.put(done)
        done.wait(timeout_s)

    def close(self) -> None:
        self._queue.put(None)
        self._writer.join(30)

    def events(
        self,
        account_id: str,
        log_group: str,
        *,
        after_id: int = 0,
        since_ms: int = 0,
        limit: int = 1000,
    ) -> list[LogEvent]:
        """Events of a group in arrival order, after `after_id` (for following)."""
        with contextlib.closing(_connect(self._path, read_only=True)) as db:
            return read_events(db, account_id, log_group, after_id, since_ms, limit)

    # -- the writer thread -------------------------------------------------------------------
    def _write_forever(self) -> None:
        db = _connect(self._path)
        try:
            running = True
            while running:
                batch, waiters, running = self._collect()
                if batch:
                    self._commit(db, batch)
                for waiter in waiters:
                    waiter.set()
        finally:
            db.close()

    def _collect(self) -> tuple[list[Batch], list[threading.Event], bool]:
        """Block for one item, then take whatever else is queued: under load batches form by
        themselves while the previous commit runs; when idle, events land at once."""
        items = [self._queue.get()]
        with contextlib.suppress(queue.Empty):
            while len(items) < 10_000:
                items.append(self._queue.get_nowait())
        batch = [item for item in items if isinstance(item, tuple)]
        waiters = [item for item in items if isinstance(item, threading.Event)]
        return batch, waiters, not any(item is None for item in items)

    def _commit(self, db: sqlite3.Connection, batch: list[Batch]) -> None:
        grown: dict[tuple[str, str], int] = {}
        rows = []
        for account_id, group, stream, events in batch:
            for timestamp_ms, line in events:
                message = _truncate(line)
                rows.append((account_id, group, stream, timestamp_ms, message))
                key = (account_id, group)
                grown[key] = grown.get(key, 0) + len(message)
        with db:
            db.executemany(
                "INSERT INTO events (account_id, log_group, log_stream, timestamp_ms, message)"
                " VALUES (?, ?, ?, ?, ?)",
                rows,
            )
            for (account_id, group), added in grown.items():
                db.execute(
                    "INSERT INTO group_sizes VALUES (?, ?, ?) ON CONFLICT (account_id, log_group)"
                    " DO UPDATE SET bytes = bytes + excluded.bytes",
                    (account_id, group, added),
                )
                self._trim(db, account_id, group)

    def _trim(self, db: sqlite3.Connection, account_id: str, group: str) -> None:
        (size,) = db.execute(
            "SELECT bytes FROM group_sizes WHERE account_id = ? AND log_group = ?",
            (account_id, group),
        ).fetchone()
        if size <= self._max_bytes:
            return
        # Delete the oldest events until the group is back under 90% of its bound, so that
        # trimming happens once per ~10% of growth rather than on every commit.
        excess = size - int(self._max_bytes * 0.9)
        doomed = 0
        cut_id = 0
        for event_id, length in db.execute(
            "SELECT id, length(CAST(message AS BLOB)) FROM events"
            " WHERE account_id = ? AND log_group = ? ORDER BY id",
            (account_id, group),
        ):
            doomed += length
            cut_id = event_id
            if doomed >= excess:
                break
        db.execute(
            "DELETE FROM events WHERE account_id = ? AND log_group = ? AND id <= ?",
            (account_id, group, cut_id),
        )
        db.execute(
            "UPDATE group_sizes SET bytes = bytes - ? WHERE account_id = ? AND log_group = ?",
            (doomed, account_id, group),
        )


def read_events(
    db: sqlite3.Connection,
    account_id: str,
    log_group: str,
    after_id: int = 0,
    since_ms: int = 0,
    limit: int = 1000,
) -> list[LogEvent]:
    rows = db.execute(
        "SELECT id, log_stream, timestamp_ms, message FROM events"
        " WHERE account_id = ? AND log_group = ? AND id > ? AND timestamp_ms >= ?"
        " ORDER BY id LIMIT ?",
        (account_id, log_group, after_id, since_ms, limit),
    ).fetchall()
    return [LogEvent(*row) for row in rows]


@contextlib.contextmanager
def open_for_reading(path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to a log database another process may be writing."""
    db = _connect(path, read_only=True)
    try:
        yield db
    finally:
        db.close()


def _connect(path: Path, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, check_same_thread=False)
    else:
        db = sqlite3.connect(path, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # a crash may lose the last batch, never tear it
    db.execute("PRAGMA busy_timeout=5000")
    return db


def _truncate(line: str) -> str:
    encoded = line.encode("utf-8", "replace")
    if len(encoded) <= MESSAGE_BYTES_MAX:
        return line
    return encoded[:MESSAGE_BYTES_MAX].decode("utf-8", "ignore")
