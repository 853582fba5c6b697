"""The audit lookup index (what CloudTrail's LookupEvents reads): a port.

Records are CloudTrail JSON objects, already redacted; the index keeps each with the attributes
LookupEvents filters on. It can be rebuilt from the trail's journal and files, so it trades
fsync for speed; the trail, not the index, is the record of truth.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class IndexedEvent:
    event_id: str
    event_name: str
    event_source: str
    event_time_ms: int
    read_only: bool
    access_key_id: str | None
    username: str | None
    resources: tuple[tuple[str, str], ...]  # (type, name)
    record: str = field(repr=False)  # the CloudTrail JSON


@dataclass(frozen=True)
class LookupQuery:
    account_id: str
    attribute: tuple[str, str] | None  # (LookupAttributeKey, value): at most one, as AWS
    start_ms: int
    end_ms: int
    after: tuple[int, int] | None  # (event time, position) of the last event of a page
    limit: int


class AuditIndex(Protocol):
    def add(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Queue records for indexing (idempotent by eventID)."""
        ...

    def flush(self) -> None: ...

    def lookup(self, query: LookupQuery) -> tuple[Sequence[IndexedEvent], tuple[int, int] | None]:
        """Newest first; and where the next page starts, if there is one."""
        ...

    def close(self) -> None: ...


class EventSelectorStore(Protocol):
    """Each account's event selectors for its trail, as it last put them (None: never)."""

    def get(self, account_id: str) -> list[dict[str, Any]] | None: ...

    def put(self, account_id: str, selectors: list[dict[str, Any]]) -> None:
        """Durably, before it returns."""
        ...
