"""The object database's one writer thread: every change is one durable transaction, in order.

Callers hand in an operation and wait on its future. The queue of waiting operations is bounded
(`PENDING_MAX`): past it, callers block until the writer catches up, so a burst of puts cannot
grow memory without limit. Each operation runs in its own BEGIN IMMEDIATE ... COMMIT with
synchronous=FULL, so its caller hears back only once it is on stable storage; one that raises
is rolled back alone. Bodies are written before an operation is submitted (by the caller's
thread, in parallel); only the metadata commit is serialized here.
"""

from __future__ import annotations

import contextlib
import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from stockade.storage_faults import storage_fault
from stockade.store.object_errors import ObjectEngineError

T = TypeVar("T")
PENDING_MAX = 256

Operation = Callable[[sqlite3.Connection], T]


class ObjectWriter:
    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._ops: queue.Queue[tuple[Operation[Any], Future[Any]] | None] = queue.Queue(PENDING_MAX)
        self._closed = False
        self._db = connect()
        self._thread = threading.Thread(target=self._run, name="object-writer", daemon=True)
        self._thread.start()

    def call(self, op: Operation[T]) -> T:
        if self._closed:
            raise ObjectEngineError("The object engine is closed.")
        future: Future[T] = Future()
        self._ops.put((op, future))
        return future.result()

    def close(self, timeout_s: float = 30.0) -> None:
        if self._closed:
            return
        self._closed = True
        self._ops.put(None)
        self._thread.join(timeout_s)

    def _run(self) -> None:
        db = self._db
        try:
            while True:
                item = self._ops.get()
                if item is None:
                    return
                op, future = item
                if future.set_running_or_notify_cancel():
                    self._one(db, op, future)
        finally:
            db.close()

    @staticmethod
    def _one(db: sqlite3.Connection, op: Operation[Any], future: Future[Any]) -> None:
        try:
            db.execute("BEGIN IMMEDIATE")
            result = op(db)
            db.execute("COMMIT")
        except BaseException as exc:
            if db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
            failure: BaseException = exc
            if isinstance(exc, sqlite3.Error):
                failure = storage_fault(exc) or ObjectEngineError(
                    "The object store could not commit."
                )
                failure.__cause__ = exc
            future.set_exception(failure)
            return
        future.set_result(result)
