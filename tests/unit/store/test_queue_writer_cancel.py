"""The queue writer outlives callers that give up: an operation whose future was cancelled
before it ran (an asyncio task cancelled at shutdown cancels the future it awaited) is skipped,
and the writer goes on with the next ones instead of dying on the cancelled future."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from stockade.store.queue_ports import QueueId
from stockade.store.sqlite_queue_writer import QueueWriter


def test_a_cancelled_operation_is_skipped_and_the_writer_goes_on(tmp_path: Path) -> None:
    def connect() -> sqlite3.Connection:
        return sqlite3.connect(tmp_path / "w.db", check_same_thread=False, isolation_level=None)

    writer = QueueWriter(connect, lambda: 0, lambda _: None, lambda db, now, wake: None, 60.0)
    ran: list[str] = []
    busy, release = threading.Event(), threading.Event()

    def blocking(db: sqlite3.Connection, now: int, wake: set[QueueId]) -> str:
        busy.set()
        assert release.wait(10)
        ran.append("first")
        return "first"

    def given_up(db: sqlite3.Connection, now: int, wake: set[QueueId]) -> str:
        ran.append("given up")
        return "given up"

    def later(db: sqlite3.Connection, now: int, wake: set[QueueId]) -> str:
        ran.append("later")
        return "later"

    try:
        first = writer.submit(blocking)
        assert busy.wait(10)  # the writer is inside the first batch
        cancelled = writer.submit(given_up)
        assert cancelled.cancel()
        release.set()
        assert first.result(10) == "first"
        assert writer.submit(later).result(10) == "later"
        assert ran == ["first", "later"]
    finally:
        writer.close()
