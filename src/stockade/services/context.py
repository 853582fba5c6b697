"""What every use case knows about the request it serves (built by the API edge)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stockade.domain.identity import Principal
from stockade.domain.trace import NO_CALLER_TRACE, CallerTrace
from stockade.services.held_writes import HeldWrites
from stockade.types import Region, RequestId


class AuditNotes:
    """What a use case adds to its request's audit record, as CloudTrail's
    `additionalEventData` (for example a code-signing warning). Values must hold no secret."""

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}

    def add(self, key: str, value: Any) -> None:
        self._data[key] = value

    def data(self) -> dict[str, Any]:
        return dict(self._data)

    def __repr__(self) -> str:
        return f"AuditNotes(keys={sorted(self._data)})"


@dataclass(frozen=True)
class RequestContext:
    request_id: RequestId
    principal: Principal
    region: Region
    source_ip: str
    user_agent: str
    secure_transport: bool
    received_at: datetime
    base_url: str  # how this client reached us; links handed back to it start here
    notes: AuditNotes = field(default_factory=AuditNotes, compare=False)
    # The operation's name in its model.
    operation: str = ""
    # The request's trace: an execution environment's invocation, or the client's header.
    caller_trace: CallerTrace = NO_CALLER_TRACE
    # Its audit record's eventName (CloudTrail's name for it: CreateFunction20150331, ...).
    event_name: str = ""
    # Set when the kernel serves the request: records of calls made on its behalf are held
    # and journalled with the request's own. None: a use case writes them itself.
    held_writes: HeldWrites | None = field(default=None, compare=False)

    @property
    def recorded_as(self) -> str:
        """The name the request's audit record carries."""
        return self.event_name or self.operation
