"""The queue engine on SQLite: one database file, one writer thread, group commit.

Every state change (send, receive, delete, visibility, queue admin) is an operation handed to
the writer thread. The writer takes whatever operations are queued, runs each inside its own
savepoint (one failing operation does not undo the others), commits them in one transaction
with `synchronous=FULL` and only then completes their futures: a send has returned only once
its messages are on stable storage, and under load many sends share one fsync. Reads (queue
lookups, counts, listings) use a separate connection and see committed state (WAL).

Long polls wait on the caller's asyncio loop: a waiter registers an event per queue before it
looks, and the writer sets it (thread-safely) after committing anything that made a message
visible there; the waiter also wakes when the next delayed or in-flight message is due.
The delivery semantics are the port's (`stockade.store.queue_ports`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from stockade import entropy
from stockade.clock import Clock
from stockade.store.ports import Sealer
from stockade.store.queue_ports import (
    WAIT_MAX_S,
    MessageNotInFlightError,
    OutgoingMessage,
    QueueCounts,
    QueueEngineError,
    QueueExistsError,
    QueueId,
    QueueInfo,
    QueueNotFoundError,
    QueueSettings,
    ReceiptHandleInvalidError,
    ReceivedMessage,
    RedrivePolicy,
    SentMessage,
)

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS queues (
    qid INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL,
    name TEXT NOT NULL,
    settings TEXT NOT NULL,
    retention_ms INTEGER NOT NULL,
    dlq_account TEXT,
    dlq_name TEXT,
    created_ms INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL,
    UNIQUE (account_id, name)
);
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY,
    qid INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    body BLOB NOT NULL,
    attributes BLOB NOT NULL,
    sent_ms INTEGER NOT NULL,
    visible_at_ms INTEGER NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    first_received_ms INTEGER NOT NULL DEFAULT 0,
    receipt TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS messages_ready ON messages (qid, visible_at_ms, seq);
"""
_BATCH_MAX = 512
_SWEEP_INTERVAL_S = 30.0


@dataclass
class _Op:
    run: Callable[[sqlite3.Connection, int, set[QueueId]], Any]
    future: Future[Any] = field(default_factory=Future)


@dataclass(frozen=True)
class _Row:
    qid: int
    info: QueueInfo


class SqliteQueueEngine:
    def __init__(self, path: Path, sealer: Sealer, clock: Clock) -> None:
        self._path = path
        self._sealer = sealer
        self._clock = clock
        self._ops: queue.SimpleQueue[_Op | None] = queue.SimpleQueue()
        self._waiters: dict[QueueId, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}
        self._waiters_lock = threading.Lock()
        self._round = 0
        with contextlib.closing(_connect(path)) as db:
            db.executescript(_SCHEMA)
        path.chmod(0o600)
        self._reader = _connect(path)
        self._reader_lock = threading.Lock()
        self._closed = False
        self._writer = threading.Thread(target=self._write_forever, name="queue-writer",
                                        daemon=True)  # fmt: skip
        self._writer.start()

    # -- queues ------------------------------------------------------------------------------
    def create_queue(self, queue_id: QueueId, settings: QueueSettings) -> QueueInfo:
        def run(db: sqlite3.Connection, now: int, wake: set[QueueId]) -> QueueInfo:
            found = _queue(db, queue_id)
            if found is not None:
                if found.info.settings != settings:
                    raise QueueExistsError(f"A queue named {queue_id.name} already exists.")
                return found.info
            db.execute(
                "INSERT INTO queues (account_id, name, settings, retention_ms, dlq_account,"
                " dlq_name, created_ms, modified_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (queue_id.account_id, queue_id.name, *_settings_columns(settings), now, now),
            )
            return QueueInfo(queue_id, settings, now, now)

        return self._call(run)

    def get_queue(self, queue_id: QueueId) -> QueueInfo | None:
        with self._reader_lock:
            found = _queue(self._reader, queue_id)
        return None if found is None else found.info

    def set_settings(self, queue_id: QueueId, settings: QueueSettings) -> QueueInfo:
        def run(db: sqlite3.Connection, now: int, wake: set[QueueId]) -> QueueInfo:
            found = _require(db, queue_id)
            db.execute(
                "UPDATE queues SET settings = ?, retention_ms = ?, dlq_account = ?, dlq_name = ?,"
                " modified_ms = ? WHERE qid = ?",
                (*_settings_columns(settings), now, found.qid),
            )
            wake.add(queue_id)  # a waiter may need to re-evaluate (e.g. a shorter delay)
            return QueueInfo(queue_id, settings, found.info.created_ms, now)

        return self._call(run)

    def delete_queue(self, queue_id: QueueId) -> None:
        def run(db: sqlite3.Connection, now: int, wake: set[QueueId]) -> None:
            found = _require(db, queue_id)
            db.execute("DELETE FROM messages WHERE qid = ?", (found.qid,))
            db.execute("DELETE FROM queues WHERE qid = ?", (found.qid,))
            wake.add(queue_id)

        self._call(run)

    def list_queues(
        self, account_id: str | None, prefix: str = "", after: str = "", limit: int = 1000
    ) -> list[QueueId]:
        pattern = _like_prefix(prefix)
        with self._reader_lock:
            if account_id is None:
                rows = self._reader.execute(
                    "SELECT account_id, name FROM queues WHERE name LIKE ? ESCAPE '\\'"
                    " ORDER BY account_id, name LIMIT ?",
                    (pattern, limit),
                ).fetchall()
            else:
                rows = self._reader.execute(
                    "SELECT account_id, name FROM queues WHERE account_id = ? AND name > ?"
                    " AND name LIKE ? ESCAPE '\\' ORDER BY name LIMIT ?",
                    (account_id, after, pattern, limit),
                ).fetchall()
        return [QueueId(a, n) for a, n in rows]

    def dead_letter_sources(self, target: QueueId) -> list[QueueId]:
        with self._reader_lock:
            rows = self._reader.execute(
                "SELECT account_id, name FROM queues WHERE dlq_account = ? AND dlq_name = ?"
                " ORDER BY account_id, name",
                (target.account_id, target.name),
            ).fetchall()
        return [QueueId(a, n) for a, n in rows]

    # -- messages ----------------------------------------------------------------------------
    def send(self, queue_id: QueueId, messages: Sequence[OutgoingMessage]) -> list[SentMessage]:
        return self._call(self._send_op(queue_id, messages))

    async def send_async(
        self, queue_id: QueueId, messages: Sequence[OutgoingMessage]
    ) -> list[SentMessage]:
        result: list[SentMessage] = await asyncio.wrap_future(
            self._submit(self._send_op(queue_id, messages))
        )
        return result

    def _send_op(
        self, queue_id: QueueId, messages: Sequence[OutgoingMessage]
    ) -> Callable[[sqlite3.Connection, int, set[QueueId]], list[SentMessage]]:
        # Sealing happens on the caller's thread so that the writer only writes.
        sealed = []
        for message in messages:
            message_id = str(entropy.uuid4())
            sealed.append((
                message_id,
                self._sealer.seal(
                    _pack(message.body, message.attributes), _context(message_id, "message")
                ),
                b"",  # body and attributes are sealed together, in `body`
                message.delay_s,
            ))  # fmt: skip

        def run(db: sqlite3.Connection, now: int, wake: set[QueueId]) -> list[SentMessage]:
            found = _require(db, queue_id)
            default_delay = found.info.settings.delay_s
            sent = []
            for message_id, body, attributes, delay_s in sealed:
                delay = default_delay if delay_s is None else delay_s
                cursor = db.execute(
                    "INSERT INTO messages (qid, message_id, body, attributes, sent_ms,"
                    " visible_at_ms) VALUES (?, ?, ?, ?, ?, ?)",
                    (found.qid, message_id, body, attributes, now, now + delay * 1000),
                )
                sent.append(SentMessage(message_id, int(cursor.lastrowid or 0)))
                if delay == 0:
                    wake.add(queue_id)
            return sent

        return run

    def receive_now(
        self,
        queue_ids: Sequence[QueueId],
        max_messages: int,
        visibility_timeout_s: int | None = None,
    ) -> list[ReceivedMessage]:
        received, _ = self._call(self._receive_op(queue_ids, max_messages, visibility_timeout_s))
        return received

    async def receive(
        self,
        queue_id: QueueId,
        max_messages: int,
        *,
        wait_s: float = 0.0,
        visibility_timeout_s: int | None = None,
    ) -> list[ReceivedMessage]:
        return await self.receive_any(
            [queue_id], max_messages, wait_s=wait_s, visibility_timeout_s=visibility_timeout_s
        )

    async def receive_any(
        self,
        queue_ids: Sequence[QueueId],
        max_messages: int,
        *,
        wait_s: float = 0.0,
        visibility_timeout_s: int | None = None,
    ) -> list[ReceivedMessage]:
        deadline = time.monotonic() + max(0.0, min(wait_s, float(WAIT_MAX_S)))
        loop = asyncio.get_running_loop()
        while True:
            # Register before looking, so that a send committed in between is not missed.
            waiter = (loop, asyncio.Event())
            self._watch(queue_ids, waiter)
            try:
                received, next_due_ms = await asyncio.wrap_future(
                    self._submit(self._receive_op(queue_ids, max_messages, visibility_timeout_s))
                )
                remaining = deadline - time.monotonic()
                if received or remaining <= 0 or self._closed:
                    return list(received)
                if next_due_ms is not None:
                    due_in = max(0.0, next_due_ms - _now_ms(self._clock)) / 1000
                    remaining = min(remaining, due_in + 0.001)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waiter[1].wait(), remaining)
            finally:
                self._unwatch(queue_ids, waiter)

    def _receive_op(
        self, queue_ids: Sequence[QueueId], max_messages: int, visibility_timeout_s: int | None
    ) -> Callable[
        [sqlite3.Connection, int, set[QueueId]], tuple[list[ReceivedMessage], int | None]
    ]:
        self._round += 1
        start = self._round % len(queue_ids) if queue_ids else 0
        ordered = list(queue_ids[start:]) + list(queue_ids[:start])

        def run(
            db: sqlite3.Connection, now: int, wake: set[QueueId]
        ) -> tuple[list[ReceivedMessage], int | None]:
            sources: list[tuple[_Row, list[tuple[Any, ...]]]] = []
            for queue_id in ordered:
                found = _queue(db, queue_id)
                if found is None:
                    continue
                candidates = db.execute(
                    "SELECT seq, message_id, body, attributes, sent_ms, receive_count,"
                    " first_received_ms FROM messages WHERE qid = ? AND visible_at_ms <= ?"
                    " ORDER BY visible_at_ms, seq LIMIT ?",
                    (found.qid, now, max_messages * 2 + 8),
                ).fetchall()
                candidates.reverse()  # pop() from the end takes the oldest
                sources.append((found, candidates))
            out: list[ReceivedMessage] = []
            # Round-robin: one message per queue per turn, until full or all are dry.
            while len(out) < max_messages and any(c for _, c in sources):
                for found, candidates in sources:
                    while candidates and len(out) < max_messages:
                        message = self._deliver(db, now, found, candidates.pop(),
                                                visibility_timeout_s)  # fmt: skip
                        if message is not None:
                            out.append(message)
                            break
            if out:
                return out, None
            due = [
                db.execute(
                    "SELECT MIN(visible_at_ms) FROM messages WHERE qid = ? AND visible_at_ms > ?",
                    (found.qid, now),
                ).fetchone()[0]
                for found, _ in sources
            ]
            present = [d for d in due if d is not None]
            return out, (min(present) if present else None)

        return run

    def _deliver(
        self,
        db: sqlite3.Connection,
        now: int,
        found: _Row,
        row: tuple[Any, ...],
        visibility_timeout_s: int | None,
    ) -> ReceivedMessage | None:
        seq, message_id, body, attributes, sent_ms, receive_count, first_ms = row
        settings = found.info.settings
        if sent_ms + settings.retention_s * 1000 <= now:
            db.execute("DELETE FROM messages WHERE seq = ?", (seq,))
            return None
        redrive = settings.redrive
        if redrive is not None and receive_count >= redrive.max_receive_count:
            target = _queue(db, redrive.dead_letter_queue)
            if target is not None and target.qid != found.qid:
                db.execute(
                    "UPDATE messages SET qid = ?, visible_at_ms = ?, receive_count = 0,"
                    " first_received_ms = 0, receipt = '' WHERE seq = ?",
                    (target.qid, now, seq),
                )
                return None
        timeout = settings.visibility_timeout_s if visibility_timeout_s is None else (
            visibility_timeout_s)  # fmt: skip
        token = secrets.token_hex(8)
        first = first_ms or now
        db.execute(
            "UPDATE messages SET visible_at_ms = ?, receive_count = ?, first_received_ms = ?,"
            " receipt = ? WHERE seq = ?",
            (now + timeout * 1000, receive_count + 1, first, token, seq),
        )
        if attributes:  # written before both parts were sealed as one
            plain_body = self._sealer.open(body, _context(message_id, "body"))
            plain_attributes = self._sealer.open(attributes, _context(message_id, "attributes"))
        else:
            plain_body, plain_attributes = _unpack(
                self._sealer.open(body, _context(message_id, "message"))
            )
        return ReceivedMessage(
            queue_id=found.info.queue_id,
            message_id=message_id,
            receipt_handle=f"{found.qid}.{seq}.{token}",
            body=plain_body,
            attributes=plain_attributes,
            sent_ms=sent_ms,
            first_received_ms=first,
            receive_count=receive_count + 1,
        )

    def delete(self, queue_id: QueueId, receipt_handle: str) -> None:
        _raise_first(self.delete_batch(queue_id, [receipt_handle]))

    async def ack_async(self, queue_id: QueueId, receipt_handle: str) -> None:
        _raise_first(await asyncio.wrap_future(
            self._submit(self._delete_op(queue_id, [receipt_handle]))
        ))  # fmt: skip

    def delete_batch(
        self, queue_id: QueueId, receipt_handles: Sequence[str]
    ) -> list[QueueEngineError | None]:
        return self._call(self._delete_op(queue_id, receipt_handles))

    def _delete_op(
        self, queue_id: QueueId, receipt_handles: Sequence[str]
    ) -> Callable[[sqlite3.Connection, int, set[QueueId]], list[QueueEngineError | None]]:
        def run(
            db: sqlite3.Connection, now: int, wake: set[QueueId]
        ) -> list[QueueEngineError | None]:
            found = _require(db, queue_id)
            outcomes: list[QueueEngineError | None] = []
            for handle in receipt_handles:
                try:
                    seq, token = _parse_handle(handle, found.qid)
                except QueueEngineError as exc:
                    outcomes.append(exc)
                    continue
                db.execute(
                    "DELETE FROM messages WHERE seq = ? AND qid = ? AND receipt = ?",
                    (seq, found.qid, token),
                )
                outcomes.append(None)
            return outcomes

        return run

    def change_visibility(
        self, queue_id: QueueId, receipt_handle: str, visibility_timeout_s: int
    ) -> None:
        _raise_first(self.change_visibility_batch(queue_id, [(receipt_handle,
                                                              visibility_timeout_s)]))  # fmt: skip

    async def change_visibility_async(
        self, queue_id: QueueId, receipt_handle: str, visibility_timeout_s: int
    ) -> None:
        op = self._visibility_op(queue_id, [(receipt_handle, visibility_timeout_s)])
        _raise_first(await asyncio.wrap_future(self._submit(op)))

    def change_visibility_batch(
        self, queue_id: QueueId, entries: Sequence[tuple[str, int]]
    ) -> list[QueueEngineError | None]:
        return self._call(self._visibility_op(queue_id, entries))

    def _visibility_op(
        self, queue_id: QueueId, entries: Sequence[tuple[str, int]]
    ) -> Callable[[sqlite3.Connection, int, set[QueueId]], list[QueueEngineError | None]]:
        def run(
            db: sqlite3.Connection, now: int, wake: set[QueueId]
        ) -> list[QueueEngineError | None]:
            found = _require(db, queue_id)
            outcomes: list[QueueEngineError | None] = []
            for handle, timeout_s in entries:
                try:
                    seq, token = _parse_handle(handle, found.qid)
                except QueueEngineError as exc:
                    outcomes.append(exc)
                    continue
                row = db.execute(
                    "SELECT visible_at_ms, receipt FROM messages WHERE seq = ? AND qid = ?",
                    (seq, found.qid),
                ).fetchone()
                if row is None or row[1] != token or row[0] <= now:
                    outcomes.append(MessageNotInFlightError("The message is not in flight."))
                    continue
                db.execute(
                    "UPDATE messages SET visible_at_ms = ? WHERE seq = ?",
                    (now + timeout_s * 1000, seq),
                )
                if timeout_s == 0:
                    wake.add(queue_id)
                outcomes.append(None)
            return outcomes

        return run

    def purge(self, queue_id: QueueId) -> int:
        def run(db: sqlite3.Connection, now: int, wake: set[QueueId]) -> int:
            found = _require(db, queue_id)
            return db.execute("DELETE FROM messages WHERE qid = ?", (found.qid,)).rowcount

        return self._call(run)

    def counts(self, queue_id: QueueId) -> QueueCounts:
        now = _now_ms(self._clock)
        with self._reader_lock:
            found = _queue(self._reader, queue_id)
            if found is None:
                raise QueueNotFoundError(f"The queue {queue_id.name} does not exist.")
            visible, in_flight, delayed = self._reader.execute(
                "SELECT COALESCE(SUM(visible_at_ms <= :now), 0),"
                " COALESCE(SUM(visible_at_ms > :now AND receive_count > 0), 0),"
                " COALESCE(SUM(visible_at_ms > :now AND receive_count = 0), 0)"
                " FROM messages WHERE qid = :qid",
                {"now": now, "qid": found.qid},
            ).fetchone()
        return QueueCounts(int(visible), int(in_flight), int(delayed))

    def expire(self) -> int:
        def run(db: sqlite3.Connection, now: int, wake: set[QueueId]) -> int:
            return db.execute(
                "DELETE FROM messages WHERE sent_ms <= ? - (SELECT retention_ms FROM queues"
                " WHERE queues.qid = messages.qid)",
                (now,),
            ).rowcount

        return self._call(run)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._ops.put(None)
        self._writer.join(30)
        with self._reader_lock:
            self._reader.close()
        with self._waiters_lock:
            waiters = [w for ws in self._waiters.values() for w in ws]
        _wake_all(waiters)

    # -- the writer thread -------------------------------------------------------------------
    def _submit(self, run: Callable[[sqlite3.Connection, int, set[QueueId]], T]) -> Future[T]:
        if self._closed:
            raise QueueEngineError("The queue engine is closed.")
        op = _Op(run)
        self._ops.put(op)
        return op.future

    def _call(self, run: Callable[[sqlite3.Connection, int, set[QueueId]], T]) -> T:
        result: T = self._submit(run).result()
        return result

    def _write_forever(self) -> None:
        db = _connect(self._path)
        last_sweep = time.monotonic()
        try:
            while True:
                try:
                    first = self._ops.get(timeout=_SWEEP_INTERVAL_S)
                except queue.Empty:
                    first = _Op(_sweep)
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
                if time.monotonic() - last_sweep > _SWEEP_INTERVAL_S:
                    last_sweep = time.monotonic()
                    ops.append(_Op(_sweep))
                self._run_batch(db, ops)
                if stop:
                    return
        finally:
            db.close()

    def _run_batch(self, db: sqlite3.Connection, ops: list[_Op]) -> None:
        now = _now_ms(self._clock)
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
                    outcomes.append((op, None, exc))
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            failure = QueueEngineError("The queue store could not commit.")
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
            self._notify(wake)

    # -- long-poll waiters -------------------------------------------------------------------
    def _watch(
        self, queue_ids: Sequence[QueueId], waiter: tuple[asyncio.AbstractEventLoop, asyncio.Event]
    ) -> None:
        with self._waiters_lock:
            for queue_id in queue_ids:
                self._waiters.setdefault(queue_id, set()).add(waiter)

    def _unwatch(
        self, queue_ids: Sequence[QueueId], waiter: tuple[asyncio.AbstractEventLoop, asyncio.Event]
    ) -> None:
        with self._waiters_lock:
            for queue_id in queue_ids:
                waiting = self._waiters.get(queue_id)
                if waiting is not None:
                    waiting.discard(waiter)
                    if not waiting:
                        del self._waiters[queue_id]

    def _notify(self, queue_ids: set[QueueId]) -> None:
        with self._waiters_lock:
            waiters = [w for q in queue_ids for w in self._waiters.get(q, ())]
        _wake_all(waiters)


def _wake_all(waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]]) -> None:
    for loop, event in waiters:
        with contextlib.suppress(RuntimeError):  # the waiter's loop is closed
            loop.call_soon_threadsafe(event.set)


def _sweep(db: sqlite3.Connection, now: int, wake: set[QueueId]) -> int:
    return db.execute(
        "DELETE FROM messages WHERE sent_ms <= ? - (SELECT retention_ms FROM queues"
        " WHERE queues.qid = messages.qid)",
        (now,),
    ).rowcount


def _raise_first(outcomes: list[QueueEngineError | None]) -> None:
    for outcome in outcomes:
        if outcome is not None:
            raise outcome


def _parse_handle(handle: str, qid: int) -> tuple[int, str]:
    parts = handle.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or not parts[2]:
        raise ReceiptHandleInvalidError("The receipt handle is not valid.")
    if int(parts[0]) != qid:
        raise ReceiptHandleInvalidError("The receipt handle is not valid for this queue.")
    return int(parts[1]), parts[2]


def _pack(body: bytes, attributes: bytes) -> bytes:
    # One seal per message (a data key each is the costly part): body length, body, attributes.
    return len(body).to_bytes(4, "big") + body + attributes


def _unpack(packed: bytes) -> tuple[bytes, bytes]:
    size = int.from_bytes(packed[:4], "big")
    return packed[4 : 4 + size], packed[4 + size :]


def _context(message_id: str, part: str) -> tuple[str, ...]:
    return ("queue-message", message_id, part)


def _now_ms(clock: Clock) -> int:
    return int(clock.now().timestamp() * 1000)


def _like_prefix(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _require(db: sqlite3.Connection, queue_id: QueueId) -> _Row:
    found = _queue(db, queue_id)
    if found is None:
        raise QueueNotFoundError(f"The queue {queue_id.name} does not exist.")
    return found


def _queue(db: sqlite3.Connection, queue_id: QueueId) -> _Row | None:
    row = db.execute(
        "SELECT qid, settings, created_ms, modified_ms FROM queues"
        " WHERE account_id = ? AND name = ?",
        (queue_id.account_id, queue_id.name),
    ).fetchone()
    if row is None:
        return None
    qid, text, created, modified = row
    return _Row(qid, QueueInfo(queue_id, _settings_from_json(text), created, modified))


def _settings_columns(settings: QueueSettings) -> tuple[Any, ...]:
    redrive = settings.redrive
    return (
        _settings_to_json(settings),
        settings.retention_s * 1000,
        None if redrive is None else redrive.dead_letter_queue.account_id,
        None if redrive is None else redrive.dead_letter_queue.name,
    )


def _settings_to_json(settings: QueueSettings) -> str:
    redrive = settings.redrive
    return json.dumps({
        "visibility_timeout_s": settings.visibility_timeout_s,
        "retention_s": settings.retention_s,
        "delay_s": settings.delay_s,
        "max_message_bytes": settings.max_message_bytes,
        "receive_wait_s": settings.receive_wait_s,
        "redrive": None if redrive is None else [
            redrive.dead_letter_queue.account_id,
            redrive.dead_letter_queue.name,
            redrive.max_receive_count,
        ],
        "policy": settings.policy,
        "tags": [list(tag) for tag in settings.tags],
    })  # fmt: skip


# Every send reads its queue's settings; they change rarely and the result is immutable.
@lru_cache(maxsize=4096)
def _settings_from_json(text: str) -> QueueSettings:
    data = json.loads(text)
    redrive = data.get("redrive")
    return QueueSettings(
        visibility_timeout_s=data["visibility_timeout_s"],
        retention_s=data["retention_s"],
        delay_s=data["delay_s"],
        max_message_bytes=data["max_message_bytes"],
        receive_wait_s=data["receive_wait_s"],
        redrive=None if redrive is None else RedrivePolicy(
            QueueId(redrive[0], redrive[1]), redrive[2]
        ),
        policy=data.get("policy"),
        tags=tuple((k, v) for k, v in data.get("tags", [])),
    )  # fmt: skip


def _connect(path: Path) -> sqlite3.Connection:
    # Autocommit mode: the writer opens its transactions explicitly.
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")  # a committed send survives power loss
    db.execute("PRAGMA busy_timeout=5000")
    return db
