"""The queue store's one writer thread: operations batched into one durable transaction.

Callers hand in operations and wait on futures. The writer takes whatever is waiting (up to
512), runs each in its own SAVEPOINT — one that fails is rolled back alone, the others go on —
and commits them together (synchronous=FULL: one fsync for the batch, "group commit"). No
future resolves before that COMMIT has returned, so an accepted send is on disk.
"""

from __future__ import annotations

import contextlib
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from stockade.storage_faults import storage_fault
from stockade.store.queue_ports import QueueEngineError, QueueId

T = TypeVar("T")

# What an operation gets: the writer's connection, the batch's time (ms) and a set to which it
# adds the queues whose waiting receivers should wake once the batch has committed.
Operation = Callable[[sqlite3.Connection, int, set[QueueId]], T]

_BATCH_MAX = 512


@dataclass
class _Op:
    run: Operation[Any]
    future: Future[Any] = field(default_factory=Future)


class QueueWriter:
    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        now_ms: Callable[[], int],
        on_commit: Callable[[set[QueueId]], None],
        housekeeping: Operation[Any],
        housekeeping_interval_s: float,
    ) -> None:
        self._connect = connect
        self._now_ms = now_ms
        self._on_commit = on_commit
        self._housekeeping = housekeeping
        self._interval_s = housekeeping_interval_s
        self._ops: queue.SimpleQueue[_Op | None] = queue.SimpleQueue()
        self.closed = False
        self._thread = threading.Thread(target=self._write_forever, name="queue-writer",
                                        daemon=True)  # fmt: skip
        self._thread.start()

    def submit(self, run: Operation[T]) -> Future[T]:
        if self.closed:
            raise QueueEngineError("The queue engine is closed.")
        op = _Op(run)
        self._ops.put(op)
        return op.future

    def call(self, run: Operation[T]) -> T:
        result: T = self.submit(run).result()
        return result

    def close(self, timeout_s: float = 30.0) -> None:
        """Run what is already queued, then stop."""
        self.closed = True
        self._ops.put(None)
        self._thread.join(timeout_s)

    def _write_forever(self) -> None:
        db = self._connect()
        last_housekeeping = time.monotonic()
        try:
            while True:
                try:
                    first = self._ops.get(timeout=self._interval_s)
                except queue.Empty:
                    first = _Op(self._housekeeping)
                if first is None:
                    return
                ops = [first]
                stop = False
                with contextlib.suppress(queue.Empty):
                    while len(ops) < _BATCH_MAX:
                        item = self._ops.get_nowait()
                        if item is None:
                            stop = True
                            break
                        ops.append(item)
                if time.monotonic() - last_housekeeping > self._interval_s:
                    last_housekeeping = time.monotonic()
                    ops.append(_Op(self._housekeeping))
                self._run_batch(db, ops)
                if stop:
                    return
        finally:
            db.close()

    def _run_batch(self, db: sqlite3.Connection, ops: list[_Op]) -> None:
        # A caller that gave up (an asyncio task cancelled at shutdown cancels its future) is
        # skipped; the others' futures are marked running, so no cancel can race the result.
        ops = [op for op in ops if op.future.set_running_or_notify_cancel()]
        if not ops:
            return
        now = self._now_ms()
        wake: set[QueueId] = set()
        outcomes: list[tuple[_Op, Any, BaseException | None]] = []
        try:
            db.execute("BEGIN IMMEDIATE")
            for op in ops:
                db.execute("SAVEPOINT op")
                try:
                    outcomes.append((op, op.run(db, now, wake), None))
                    db.execute("RELEASE op")
                except Exception as exc:  # the op's own failure; the others go on
                    db.execute("ROLLBACK TO op")
                    db.execute("RELEASE op")
                    outcomes.append((op, None, storage_fault(exc) or exc))
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            if db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
            # A full, read-only or locked store fails the batch as a storage fault (the
            # request gets its service's internal error); the writer goes on with the next.
            failure = storage_fault(exc) or QueueEngineError("The queue store could not commit.")
            failure.__cause__ = exc
            for op in ops:
                op.future.set_exception(failure)
            return
        for op, result, error in outcomes:
            if error is not None:
                op.future.set_exception(error)
            else:
                op.future.set_result(result)
        if wake:
            self._on_commit(wake)
