"""The kernel's audit step: one journalled CloudTrail record per request, whatever its fate.

`Trace` is filled in as the pipeline goes (whatever it reached before an error); `AuditStep`
turns it into one `AuditEvent` and waits until the journal has it on disk, so that no request
is answered unaudited, with the records its use case held (services/held_writes.py) journalled
just before it. Data events (Invoke, queue messages) are recorded when the operator
records every account's or the account selected the resource (CloudTrail event selectors).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from botocore.model import OperationModel

from stockade.audit.events import AuditEvent
from stockade.clock import Clock
from stockade.domain.identity import Principal
from stockade.errors import ApiError
from stockade.kernel.audit_records import build_event, is_data_event, is_read_only
from stockade.kernel.exchange import EdgeFacts
from stockade.services.context import AuditNotes
from stockade.services.declaration import Audit
from stockade.services.held_writes import HeldWrites


@dataclass
class Trace:
    """What the pipeline learnt about one request, for its audit record."""

    service: str
    protocol: str
    request_id: str = ""
    operation: OperationModel | None = None
    audit: Audit[Any] | None = None  # the operation's declared classification
    principal: Principal | None = None
    params: dict[str, Any] | None = field(default=None, repr=False)
    result: Any = field(default=None, repr=False)
    error: ApiError | None = None
    resources: Sequence[str] = ()
    handled: bool = False  # the handler was called (every need had been allowed)
    notes: AuditNotes = field(default_factory=AuditNotes)
    held: HeldWrites = field(default_factory=HeldWrites)  # records made on its behalf
    deferred: bool = False  # a streamed answer: recorded when its stream ends
    event_name: str | None = None  # as the service declares CloudTrail names the operation

    @property
    def name(self) -> str:
        return self.operation.name if self.operation is not None else ""

    @property
    def data_event(self) -> bool:
        if self.audit is not None:
            return self.audit.data_event
        return is_data_event(self.service, self.name)

    @property
    def read_only(self) -> bool:
        if self.audit is not None:
            return self.audit.read_only
        return is_read_only(self.service, self.name)


class Journal(Protocol):
    async def record(self, event: AuditEvent) -> None: ...

    def check_writable(self) -> None:
        """Raise StorageUnavailableError while records cannot be written."""
        ...


class DataEventSelection(Protocol):
    """Whether an account records data events on these resources (CloudTrail selectors)."""

    def records(self, account_id: str, service: str, resources: Sequence[str]) -> bool: ...


class AuditStep:
    def __init__(
        self,
        journal: Journal,
        clock: Clock,
        region: str,
        operator_account: str,
        data_events: bool = False,
        selection: DataEventSelection | None = None,
    ) -> None:
        self._journal = journal
        self._clock = clock
        self._region = region
        # Requests no account can be attributed to (an unknown key) go to the operator's trail.
        self._operator_account = operator_account
        # Data events: every account's (the operator's switch), or as each account selects.
        self._data_events = data_events
        self._selection = selection

    def check_writable(self) -> None:
        """What could not be recorded must not happen: raises while the journal cannot write."""
        self._journal.check_writable()

    def event(self, trace: Trace, facts: EdgeFacts) -> AuditEvent | None:
        """The record for `trace`, or None for a data event nobody asked to record."""
        if trace.data_event and not self._wants_data_event(trace):
            return None
        error = trace.error
        return build_event(
            service=trace.service,
            operation=trace.operation,
            principal=trace.principal,
            fallback_account=self._operator_account,
            region=self._region,
            source_ip=facts.source_ip,
            user_agent=facts.user_agent,
            request_id=facts.request_id,
            when=self._clock.now(),
            params=trace.params,
            result=trace.result,
            error_code=error.wire_code(trace.protocol) if error is not None else None,
            error_message=error.message if error is not None else None,
            additional=trace.notes.data(),
            event_name=trace.event_name,
            read_only=trace.read_only,
            data_event=trace.data_event,
            resources=trace.resources,
        )

    async def record(self, trace: Trace, facts: EdgeFacts) -> None:
        events = trace.held.take()
        event = self.event(trace, facts)
        if event is not None:
            events.append(event)
        # Appended in this order at once (the journal keeps it and writes them together);
        # any one failing fails the request's answer.
        await asyncio.gather(*(self._journal.record(e) for e in events))

    def _wants_data_event(self, trace: Trace) -> bool:
        if self._data_events:
            return True
        if self._selection is None or trace.principal is None or not trace.resources:
            return False  # refused before it reached a resource: nothing was touched
        return self._selection.records(trace.principal.account_id, trace.service, trace.resources)
