"""What the logs service (and the sandbox, for writing) needs from the function log store.

A log group belongs to one account; it holds log streams, which hold events. An event's place
in every read is its `Position`, (timestamp, event id): reads are ordered by it and resume
strictly after (or before) a position, so paging never repeats or skips an event that was
already stored. Event ids grow with arrival and are never reused.

Errors (raised by reads that name a group or a stream):

    StockadeError
    └── LogStoreError
        ├── LogGroupNotFoundError
        ├── LogStreamNotFoundError
        └── LogStoreClosedError
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple, Protocol

from stockade.errors import StockadeError

MESSAGE_BYTES_MAX = 256 * 1024  # CloudWatch Logs' event size limit; longer messages are cut
EVENT_OVERHEAD_BYTES = 26  # what CloudWatch Logs counts per event on top of its message


class LogStoreError(StockadeError):
    pass


class LogGroupNotFoundError(LogStoreError):
    pass


class LogStreamNotFoundError(LogStoreError):
    pass


class LogStoreClosedError(LogStoreError):
    pass


class Position(NamedTuple):
    timestamp_ms: int
    event_id: int


@dataclass(frozen=True)
class LogGroupInfo:
    name: str
    created_ms: int
    stored_bytes: int


@dataclass(frozen=True)
class LogStreamInfo:
    """A stream always has at least one event (emptied streams are removed)."""

    name: str
    created_ms: int
    first_event_ms: int
    last_event_ms: int
    last_ingestion_ms: int
    stored_bytes: int


@dataclass(frozen=True)
class LogEvent:
    event_id: int
    log_stream: str
    timestamp_ms: int
    ingestion_ms: int
    message: str = field(repr=False)  # tenant data: never in reprs or server logs

    @property
    def position(self) -> Position:
        return Position(self.timestamp_ms, self.event_id)


class StreamOrder(Enum):
    NAME = "LogStreamName"
    LAST_EVENT_TIME = "LastEventTime"


class StreamKey(NamedTuple):
    """Where a page of streams resumes: the last stream's sort key."""

    last_event_ms: int
    name: str


@dataclass(frozen=True)
class EventQuery:
    """Which events of a group a read returns.

    Time bounds are half-open, `start_ms <= timestamp < end_ms`. `stream_names` (at most 100)
    and `stream_prefix` restrict the streams. Every one of `terms` must occur in the message,
    case-sensitively.
    """

    start_ms: int | None = None
    end_ms: int | None = None
    stream_names: tuple[str, ...] | None = None
    stream_prefix: str | None = None
    terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class EventPage:
    """Events in reading order (ascending positions forward, descending backward), and whether
    more events match beyond them (the count or the byte budget cut the page)."""

    events: list[LogEvent]
    more: bool


class LogSink(Protocol):
    def append(
        self, account_id: str, log_group: str, log_stream: str, events: Sequence[tuple[int, str]]
    ) -> None:
        """Store (epoch ms, message) events; never blocks (called on the event loop)."""
        ...


class LogStore(LogSink, Protocol):
    def create_group(self, account_id: str, log_group: str, created_ms: int) -> bool:
        """Create an empty group; False if it exists already."""
        ...

    def delete_group(self, account_id: str, log_group: str) -> bool:
        """Delete a group with its streams and events; False if there was none."""
        ...

    def count_groups(self, account_id: str) -> int: ...

    def get_group(self, account_id: str, log_group: str) -> LogGroupInfo | None: ...

    def list_groups(
        self,
        account_id: str,
        *,
        prefix: str = "",
        contains: str = "",
        after: str | None = None,
        limit: int,
    ) -> list[LogGroupInfo]:
        """Groups by name; `contains` matches case-insensitively; `after` is the last name seen."""
        ...

    def get_stream(self, account_id: str, log_group: str, log_stream: str) -> LogStreamInfo:
        """Raises LogGroupNotFoundError or LogStreamNotFoundError."""
        ...

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
        """Raises LogGroupNotFoundError."""
        ...

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
        """Up to `limit` matching events strictly after `after` (forward) or strictly before it
        (backward; None means from the newest), stopping before `max_bytes` of messages (plus
        EVENT_OVERHEAD_BYTES per event) once at least one event is in the page.

        Raises LogGroupNotFoundError."""
        ...
