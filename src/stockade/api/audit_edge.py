"""The edge's audit hook: what one request showed, turned into a journalled audit event."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from botocore.model import OperationModel

from stockade.api.audit_records import build_event, is_data_event
from stockade.audit.events import AuditEvent
from stockade.clock import Clock
from stockade.domain.arn import function_arn, parse_function_name
from stockade.domain.errors import DomainError
from stockade.domain.identity import Principal
from stockade.errors import ApiError
from stockade.services.context import AuditNotes


@dataclass
class Seen:
    """Filled in by the edge as a request is served (whatever it got to before an error)."""

    service: str | None = None
    protocol: str = "rest-json"
    operation: OperationModel | None = None
    principal: Principal | None = None
    params: dict[str, Any] | None = field(default=None, repr=False)
    result: Any = field(default=None, repr=False)
    error: ApiError | None = None
    notes: AuditNotes = field(default_factory=AuditNotes)


class Journal(Protocol):
    async def record(self, event: AuditEvent) -> None: ...

    def check_writable(self) -> None:
        """Raise StorageUnavailableError while records cannot be written."""
        ...


class AuditSink:
    def __init__(
        self,
        journal: Journal,
        clock: Clock,
        region: str,
        operator_account: str,
        data_events: bool = False,
        records_invocation: Callable[[str, str], bool] | None = None,
    ) -> None:
        self._journal = journal
        self._clock = clock
        self._region = region
        # Requests no account can be attributed to (an unknown key) go to the operator's trail.
        self._operator_account = operator_account
        # Data events: every account's (the operator's switch), or as each account selects.
        self._data_events = data_events
        self._records_invocation = records_invocation

    def check_writable(self) -> None:
        self._journal.check_writable()

    async def record_request(
        self, seen: Seen, source_ip: str, user_agent: str, request_id: str
    ) -> None:
        if seen.service is None:
            return
        name = seen.operation.name if seen.operation is not None else ""
        if is_data_event(seen.service, name) and not self._wants_data_event(seen):
            return
        error = seen.error
        event = build_event(
            service=seen.service,
            operation=seen.operation,
            principal=seen.principal,
            fallback_account=self._operator_account,
            region=self._region,
            source_ip=source_ip,
            user_agent=user_agent,
            request_id=request_id,
            when=self._clock.now(),
            params=seen.params,
            result=seen.result,
            error_code=error.wire_code(seen.protocol) if error is not None else None,
            error_message=error.message if error is not None else None,
            additional=seen.notes.data(),
        )
        await self._journal.record(event)

    def _wants_data_event(self, seen: Seen) -> bool:
        if self._data_events:
            return True
        if (
            self._records_invocation is None or seen.service != "lambda"
            or seen.principal is None or seen.params is None
        ):  # fmt: skip
            return False
        try:
            ref = parse_function_name(str(seen.params.get("FunctionName", "")),
                                      seen.principal.account_id)  # fmt: skip
        except DomainError:
            return False  # refused before it reached a function: nothing was invoked
        qualifier = seen.params.get("Qualifier") or ref.qualifier
        arn = function_arn(ref.region or self._region, ref.account_id, ref.name, qualifier)
        return self._records_invocation(seen.principal.account_id, arn)
