"""The queue engine on SQLite: one database file, one writer thread, group commit.

Every state change (send, receive, delete, visibility, queue admin) is an operation handed to
the writer thread (`sqlite_queue_writer`). It takes whatever operations are queued, runs each
in its own savepoint (one failing operation does not undo the others), commits them in one
transaction with `synchronous=FULL` and only then completes their futures: a send has returned
only once its messages are on stable storage, and under load many sends share one fsync.
Reads (queue lookups, counts, listings) use a separate connection and see committed state
(WAL). Queue lookups are memoised until this engine next changes a queue (create, settings,
delete): every request on a queue looks it up, some on the event loop, and only this engine
writes its database (the data dir is locked to one server).

Long polls wait on the caller's asyncio loop: a waiter registers an event per queue before it
looks, and the writer sets it (thread-safely) after committing anything that made a message
visible there; the waiter also wakes when the next delayed or in-flight message is due.
The delivery semantics are the port's (`stockade.store.queue_ports`).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from stockade import entropy
from stockade.clock import Clock
from stockade.store.ports import Sealer
from stockade.store.queue_ports import (
    QUEUE_NAME_MAX,
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
    SentMessage,
)
from stockade.store.sqlite_queue_rows import (
    SCHEMA,
    QueueRow,
    connect,
    find_queue,
    require_queue,
    settings_columns,
)
from stockade.store.sqlite_queue_writer import QueueWriter
from stockade.types import ascii_digits

T = TypeVar("T")

_SWEEP_INTERVAL_S = 30.0
_LOOKUPS_MAX = 4096  # memoised queue lookups; all are dropped past this


class SqliteQueueEngine:
    def __init__(
        self, path: Path, sealer: Sealer, clock: Clock, busy_timeout_s: float = 5.0
    ) -> None:
        self._path = path
        self._sealer = sealer
        self._clock = clock
        self._waiters: dict[QueueId, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}
        self._waiters_lock = threading.Lock()
        self._round = 0
        with contextlib.closing(connect(path)) as db:
            db.executescript(SCHEMA)
        self._reader = connect(path, busy_timeout_s)
        self._reader_lock = threading.Lock()
        # Moves after every change to a queue has committed; see `get_queue`.
        self._queues_changed = 0
        self._change_lock = threading.Lock()  # the mark must never move backwards
        self._lookups: dict[QueueId, tuple[int, QueueInfo | None]] = {}
        self._closed = False
        self._writer = QueueWriter(
            lambda: connect(path, busy_timeout_s),
            lambda: _now_ms(clock),
            self._notify,
            _sweep,
            _SWEEP_INTERVAL_S,
        )

    # -- queues ------------------------------------------------------------------------------
    def create_queue(self, queue_id: QueueId, settings: QueueSettings) -> QueueInfo:
        def run(db: sqlite3.Connection, now: int, wake: set[QueueId]) -> QueueInfo:
            found = find_queue(db, queue_id)
            if found is not None:
                if found.info.settings != settings:
                    raise QueueExistsError(f"A queue named {queue_id.name} already exists.")
                return found.info
            db.execute(
                "INSERT INTO queues (account_id, name, settings, retention_ms, dlq_account,"
                " dlq_name, created_ms, modified_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (queue_id.account_id, queue_id.name, *settings_columns(settings), now, now),
            )
            return QueueInfo(queue_id, settings, now, now)

        return self._changing(run)

    def get_queue(self, queue_id: QueueId) -> QueueInfo | None:
        # The mark is taken before the read, so a memoised value is never older than the
        # mark it is filed under (at worst newer: one needless reload).
        mark = self._queues_changed
        memo = self._lookups.get(queue_id)
        if memo is not None and memo[0] == mark:
            return memo[1]
        with self._reader_lock:
            found = find_queue(self._reader, queue_id)
        info = None if found is None else found.info
        if len(self._lookups) >= _LOOKUPS_MAX:
            self._lookups.clear()
        self._lookups[queue_id] = (mark, info)
        return info

    def _changing(self, run: Callable[[sqlite3.Connection, int, set[QueueId]], T]) -> T:
        """Run a change to the queues table; lookups memoised before it are stale once it
        has committed, which is before its caller hears back."""
        try:
            return self._writer.call(run)
        finally:
            with self._change_lock:
                self._queues_changed += 1

    def set_settings(self, queue_id: QueueId, settings: QueueSettings) -> QueueInfo:
        def run(db: sqlite3.Connection, now: int, wake: set[QueueId]) -> QueueInfo:
            found = require_queue(db, queue_id)
            db.execute(
                "UPDATE queues SET settings = ?, retention_ms = ?, dlq_account = ?, dlq_name = ?,"
                " modified_ms = ? WHERE qid = ?",
                (*settings_columns(settings), now, found.qid),
            )
            wake.add(queue_id)  # a waiter may need to re-evaluate (e.g. a shorter delay)
            return QueueInfo(queue_id, settings, found.info.created_ms, now)

        return self._changing(run)

    def delete_queue(self, queue_id: QueueId) -> None:
        def run(db: sqlite3.Connection, now: int, wake: set[QueueId]) -> None:
            found = require_queue(db, queue_id)
            db.execute("DELETE FROM messages WHERE qid = ?", (found.qid,))
            db.execute("DELETE FROM queues WHERE qid = ?", (found.qid,))
            wake.add(queue_id)

        self._changing(run)

    def list_queues(
        self, account_id: str | None, prefix: str = "", after: str = "", limit: int = 1000
    ) -> list[QueueId]:
        if len(prefix) > QUEUE_NAME_MAX:  # no name is that long (and SQLite bounds LIKE)
            return []
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
        return self._writer.call(self._send_op(queue_id, messages))

    async def send_async(
        self, queue_id: QueueId, messages: Sequence[OutgoingMessage]
    ) -> list[SentMessage]:
        result: list[SentMessage] = await asyncio.wrap_future(
            self._writer.submit(self._send_op(queue_id, messages))
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
            found = require_queue(db, queue_id)
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
        received, _ = self._writer.call(
            self._receive_op(queue_ids, max_messages, visibility_timeout_s)
        )
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
                    self._writer.submit(
                        self._receive_op(queue_ids, max_messages, visibility_timeout_s)
                    )
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
            sources: list[tuple[QueueRow, list[tuple[Any, ...]]]] = []
            for queue_id in ordered:
                found = find_queue(db, queue_id)
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
        found: QueueRow,
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
            target = find_queue(db, redrive.dead_letter_queue)
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
            self._writer.submit(self._delete_op(queue_id, [receipt_handle]))
        ))  # fmt: skip

    def delete_batch(
        self, queue_id: QueueId, receipt_handles: Sequence[str]
    ) -> list[QueueEngineError | None]:
        return self._writer.call(self._delete_op(queue_id, receipt_handles))

    def _delete_op(
        self, queue_id: QueueId, receipt_handles: Sequence[str]
    ) -> Callable[[sqlite3.Connection, int, set[QueueId]], list[QueueEngineError | None]]:
        def run(
            db: sqlite3.Connection, now: int, wake: set[QueueId]
        ) -> list[QueueEngineError | None]:
            found = require_queue(db, queue_id)
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
        _raise_first(await asyncio.wrap_future(self._writer.submit(op)))

    def change_visibility_batch(
        self, queue_id: QueueId, entries: Sequence[tuple[str, int]]
    ) -> list[QueueEngineError | None]:
        return self._writer.call(self._visibility_op(queue_id, entries))

    def _visibility_op(
        self, queue_id: QueueId, entries: Sequence[tuple[str, int]]
    ) -> Callable[[sqlite3.Connection, int, set[QueueId]], list[QueueEngineError | None]]:
        def run(
            db: sqlite3.Connection, now: int, wake: set[QueueId]
        ) -> list[QueueEngineError | None]:
            found = require_queue(db, queue_id)
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
            found = require_queue(db, queue_id)
            return db.execute("DELETE FROM messages WHERE qid = ?", (found.qid,)).rowcount

        return self._writer.call(run)

    def counts(self, queue_id: QueueId) -> QueueCounts:
        now = _now_ms(self._clock)
        with self._reader_lock:
            found = find_queue(self._reader, queue_id)
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

        return self._writer.call(run)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._writer.close()
        with self._reader_lock:
            self._reader.close()
        with self._waiters_lock:
            waiters = [w for ws in self._waiters.values() for w in ws]
        _wake_all(waiters)

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
    if len(parts) != 3 or not ascii_digits(parts[0]) or not ascii_digits(parts[1]) or not parts[2]:
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
