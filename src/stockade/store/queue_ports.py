"""The durable queue engine: a port whose contract carries the delivery semantics.

Adapters (SQLite on one machine now, a clustered log such as NATS JetStream later) implement
`QueueEngine` structurally. The semantics every adapter keeps:

- **Queues** are named by `QueueId(account_id, name)`. The engine accepts any name of 1-256
  characters; the public SQS API restricts names to SQS's rules, so names with a `/` (such as
  `__stockade_async/<function-arn>`) are internal queues no API caller can create or address.
- **Send is durable**: `send` returns only after the messages are committed to stable storage
  (adapters may group commits from concurrent senders). A batch is atomic: all or none.
- **Delay**: a message sent with `delay_s` (or the queue's default delay) is invisible until then.
- **Receive** hands out visible messages (oldest first within a queue, best effort) and hides
  each for the visibility timeout; each delivery bumps the message's receive count and carries a
  fresh receipt handle. A message not deleted before its timeout expires becomes visible again:
  delivery is *at least once*.
- **Receipt handles** name one delivery. `delete` with the latest handle removes the message;
  with an older handle of a message delivered again since, or of a message already gone, it is a
  no-op (the current holder owns it). `change_visibility` needs the latest handle of a message in
  flight, else `MessageNotInFlightError`; a malformed handle or one of another queue raises
  `ReceiptHandleInvalidError`. Visibility 0 makes the message visible at once (a nack); a
  positive value delays its next delivery (a nack with backoff).
- **Redrive**: when a queue has a `RedrivePolicy` and a message about to be delivered has already
  been received `max_receive_count` times, it is moved (atomically, keeping its id, body and sent
  time) to the dead-letter queue instead of being delivered. If the target no longer exists the
  message stays where it is.
- **Retention**: messages older than the queue's retention period are dropped; they are never
  delivered after it, and adapters reclaim their space in the background.
- **Long polling**: `receive`/`receive_any` are coroutines that wait up to `wait_s` (≤ 20 s) on
  the caller's asyncio loop, without holding a thread, and return early as soon as a message
  becomes visible. `receive_now` is the non-blocking, thread-safe variant.
- **Fairness**: `receive_any` takes messages round-robin across the given queues, starting from
  a different queue on each call, so one busy queue cannot starve the others.
- Bodies and message attributes are tenant data: adapters pass them through a `Sealer` (the
  encryption-at-rest seam) before they reach storage, and never log them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from stockade.errors import StockadeError

VISIBILITY_TIMEOUT_MAX_S = 12 * 3600
DELAY_MAX_S = 900
WAIT_MAX_S = 20
RETENTION_MIN_S, RETENTION_MAX_S = 60, 14 * 24 * 3600
MESSAGE_BYTES_MIN, MESSAGE_BYTES_MAX = 1024, 256 * 1024
MAX_RECEIVE_COUNT_MAX = 1000
QUEUE_NAME_MAX = 256


class QueueEngineError(StockadeError):
    """Root of the queue engine's errors.

    QueueEngineError
    ├── QueueNotFoundError          no queue of that id
    ├── QueueExistsError            create with settings differing from the existing queue's
    ├── ReceiptHandleInvalidError   malformed, or of another queue
    └── MessageNotInFlightError     change_visibility on a message not in flight (stale handle)
    """


class QueueNotFoundError(QueueEngineError):
    pass


class QueueExistsError(QueueEngineError):
    pass


class ReceiptHandleInvalidError(QueueEngineError):
    pass


class MessageNotInFlightError(QueueEngineError):
    pass


@dataclass(frozen=True, order=True)
class QueueId:
    account_id: str
    name: str


@dataclass(frozen=True)
class RedrivePolicy:
    dead_letter_queue: QueueId
    max_receive_count: int


@dataclass(frozen=True)
class QueueSettings:
    visibility_timeout_s: int = 30
    retention_s: int = 4 * 24 * 3600
    delay_s: int = 0
    max_message_bytes: int = MESSAGE_BYTES_MAX
    receive_wait_s: int = 0
    redrive: RedrivePolicy | None = None
    policy: str | None = None  # the queue's resource policy (JSON text), opaque to the engine
    tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class QueueInfo:
    queue_id: QueueId
    settings: QueueSettings
    created_ms: int
    modified_ms: int


@dataclass(frozen=True)
class OutgoingMessage:
    body: bytes
    attributes: bytes = b""  # opaque to the engine (the service's encoded message attributes)
    delay_s: int | None = None  # None: the queue's default delay


@dataclass(frozen=True)
class SentMessage:
    message_id: str
    sequence: int


@dataclass(frozen=True)
class ReceivedMessage:
    queue_id: QueueId
    message_id: str
    receipt_handle: str
    body: bytes = field(repr=False)
    attributes: bytes = field(repr=False)
    sent_ms: int
    first_received_ms: int
    receive_count: int


@dataclass(frozen=True)
class QueueCounts:
    visible: int
    in_flight: int
    delayed: int


class QueueEngine(Protocol):
    # -- queues ------------------------------------------------------------------------------
    def create_queue(self, queue_id: QueueId, settings: QueueSettings) -> QueueInfo:
        """Create, or return the existing queue if its settings are equal (idempotent);
        `QueueExistsError` if they differ."""
        ...

    def get_queue(self, queue_id: QueueId) -> QueueInfo | None:
        """The queue, or None. Called on every request on a queue, some on the event loop:
        adapters may memoise it, but a change made through the engine is seen by every lookup
        after the change has returned."""
        ...

    def set_settings(self, queue_id: QueueId, settings: QueueSettings) -> QueueInfo: ...
    def delete_queue(self, queue_id: QueueId) -> None:
        """Delete the queue and its messages; `QueueNotFoundError` if absent."""
        ...

    def list_queues(
        self, account_id: str | None, prefix: str = "", after: str = "", limit: int = 1000
    ) -> list[QueueId]:
        """Queues ordered by (account, name); `account_id=None` lists every account's."""
        ...

    def dead_letter_sources(self, target: QueueId) -> list[QueueId]: ...

    # -- messages ----------------------------------------------------------------------------
    def send(self, queue_id: QueueId, messages: Sequence[OutgoingMessage]) -> list[SentMessage]:
        """Durably store the messages (atomically); returns after the commit."""
        ...

    async def send_async(
        self, queue_id: QueueId, messages: Sequence[OutgoingMessage]
    ) -> list[SentMessage]:
        """`send` for callers on an asyncio loop: awaits the commit without blocking it."""
        ...

    def receive_now(
        self,
        queue_ids: Sequence[QueueId],
        max_messages: int,
        visibility_timeout_s: int | None = None,
    ) -> list[ReceivedMessage]:
        """Non-blocking receive across queues, round-robin; missing queues are skipped."""
        ...

    async def receive(
        self,
        queue_id: QueueId,
        max_messages: int,
        *,
        wait_s: float = 0.0,
        visibility_timeout_s: int | None = None,
    ) -> list[ReceivedMessage]:
        """Up to `max_messages`, waiting up to `wait_s` for the first (long polling)."""
        ...

    async def receive_any(
        self,
        queue_ids: Sequence[QueueId],
        max_messages: int,
        *,
        wait_s: float = 0.0,
        visibility_timeout_s: int | None = None,
    ) -> list[ReceivedMessage]:
        """Like `receive`, fairly across several queues (round-robin)."""
        ...

    def delete(self, queue_id: QueueId, receipt_handle: str) -> None: ...
    def delete_batch(
        self, queue_id: QueueId, receipt_handles: Sequence[str]
    ) -> list[QueueEngineError | None]:
        """Each entry's outcome (None: done), committed together."""
        ...

    def change_visibility(
        self, queue_id: QueueId, receipt_handle: str, visibility_timeout_s: int
    ) -> None: ...
    def change_visibility_batch(
        self, queue_id: QueueId, entries: Sequence[tuple[str, int]]
    ) -> list[QueueEngineError | None]:
        """(receipt handle, timeout) entries; each entry's outcome, committed together."""
        ...

    async def ack_async(self, queue_id: QueueId, receipt_handle: str) -> None:
        """`delete` for callers on an asyncio loop."""
        ...

    async def change_visibility_async(
        self, queue_id: QueueId, receipt_handle: str, visibility_timeout_s: int
    ) -> None:
        """`change_visibility` for callers on an asyncio loop (a nack with a delay)."""
        ...

    def purge(self, queue_id: QueueId) -> int:
        """Delete every message of the queue; returns how many."""
        ...

    def counts(self, queue_id: QueueId) -> QueueCounts:
        """Approximate numbers of visible, in-flight and delayed messages."""
        ...

    def expire(self) -> int:
        """Drop messages past their queue's retention now; returns how many."""
        ...

    def close(self) -> None: ...
