"""PutEvents: each entry checked as EventBridge checks it, then durably queued for delivery.

An accepted entry becomes an event in EventBridge's envelope (`version` "0", `id`,
`detail-type`, `source`, `account`, `time`, `region`, `resources`, `detail`) and is stored on
its bus's delivery queue before the answer leaves: a `EventId` in the answer means the event
will be matched and delivered (delivery.py), across restarts. A bad entry gets AWS's per-entry
`ErrorCode`/`ErrorMessage` (recorded: LocalStack's test_events snapshots) and the others are
still accepted, as AWS does. An event put from inside a function keeps the host's record of
that invocation's trace, so a function -> bus -> same function loop is counted and stopped.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from stockade.clock import Clock
from stockade.domain.events import DEFAULT_BUS
from stockade.domain.trace import TraceContext
from stockade.services.context import RequestContext
from stockade.services.events.names import bus_ref
from stockade.store.ports import Store
from stockade.store.queue_ports import OutgoingMessage, QueueEngine, QueueId, QueueSettings
from stockade.types import AccountId

DELIVERY_PREFIX = "__stockade_events/"
# An event is retried for up to EventBridge's 24 hours (MaximumEventAgeInSeconds' most).
DELIVERY_SETTINGS = QueueSettings(visibility_timeout_s=30, retention_s=24 * 3600)


def delivery_queue(account_id: str, bus: str) -> QueueId:
    return QueueId(account_id, f"{DELIVERY_PREFIX}{bus}")


@dataclass(frozen=True)
class QueuedEvent:
    """What the delivery queue holds: the event and whose trace it continues; `rule`, for a
    schedule's event or a retry, names the one rule whose targets get it (no pattern is
    matched); `target`, for a retry, the one target of that rule, `retries` how many retries
    came before and `first_attempt` (ISO 8601) when delivery to it was first tried."""

    bus: str
    event: Mapping[str, Any] = field(repr=False)
    trace: TraceContext | None = None
    rule: str | None = None
    target: str | None = None
    retries: int = 0
    first_attempt: str | None = None

    def encode(self) -> bytes:
        document: dict[str, Any] = {"bus": self.bus, "event": self.event}
        if self.trace is not None:
            document["trace"] = self.trace.encode()
        # Each absent unless set: events queued before they existed still decode.
        optional = {"rule": self.rule, "target": self.target, "first_attempt": self.first_attempt}
        document.update({k: v for k, v in optional.items() if v is not None})
        if self.retries:
            document["retries"] = self.retries
        return json.dumps(document, separators=(",", ":")).encode()

    @classmethod
    def decode(cls, data: bytes) -> QueuedEvent:
        document = json.loads(data)
        raw = document.get("trace")
        return cls(
            document["bus"],
            document["event"],
            None if raw is None else TraceContext.decode(raw),
            document.get("rule"),
            document.get("target"),
            int(document.get("retries", 0)),
            document.get("first_attempt"),
        )


class EventIntake:
    def __init__(self, store: Store, queues: QueueEngine, clock: Clock, region: str) -> None:
        self._store = store
        self._queues = queues
        self._clock = clock
        self._region = region
        self._ready: set[QueueId] = set()  # delivery queues known to exist

    async def put_events(self, ctx: RequestContext, request: Mapping[str, Any]) -> dict[str, Any]:
        entries: Sequence[Mapping[str, Any]] = request["Entries"]
        answers: list[dict[str, str]] = []
        accepted: dict[QueueId, list[OutgoingMessage]] = {}
        caller = ctx.caller_trace
        trace = caller.trace if caller.from_environment else None
        for entry in entries:
            refusal = self._refusal(ctx, entry)
            if refusal is not None:
                answers.append({"ErrorCode": refusal[0], "ErrorMessage": refusal[1]})
                continue
            event_id = str(uuid.uuid4())
            bus = bus_ref(self._region, ctx.principal.account_id, entry.get("EventBusName"))
            # The event names the account that sent it, on whichever account's bus it is.
            event = self.envelope(ctx.principal.account_id, entry, event_id)
            queued = QueuedEvent(bus.name, event, trace)
            queue = delivery_queue(bus.account_id, bus.name)
            accepted.setdefault(queue, []).append(OutgoingMessage(queued.encode(), b"", 0))
            answers.append({"EventId": event_id})
        for queue, messages in accepted.items():
            if queue not in self._ready:  # create_queue is idempotent for equal settings
                await asyncio.to_thread(self._queues.create_queue, queue, DELIVERY_SETTINGS)
                self._ready.add(queue)
            await self._queues.send_async(queue, messages)  # committed before the answer
        failed = sum(1 for a in answers if "ErrorCode" in a)
        return {"FailedEntryCount": failed, "Entries": answers}

    def envelope(self, account_id: str, entry: Mapping[str, Any], event_id: str) -> dict[str, Any]:
        when = entry.get("Time") or self._clock.now()
        return {
            "version": "0",
            "id": event_id,
            "detail-type": entry["DetailType"],
            "source": entry["Source"],
            "account": account_id,
            "time": _event_time(when),
            "region": self._region,
            "resources": list(entry.get("Resources") or []),
            "detail": json.loads(entry["Detail"]),
        }

    def _refusal(self, ctx: RequestContext, entry: Mapping[str, Any]) -> tuple[str, str] | None:
        for member in ("Source", "DetailType", "Detail"):
            if not entry.get(member):
                return ("InvalidArgument",
                        f"Parameter {member} is not valid. Reason: {member} is a required"
                        " argument.")  # fmt: skip
        try:
            detail = json.loads(entry["Detail"])
        except ValueError:
            detail = None
        if not isinstance(detail, dict):
            return "MalformedDetail", "Detail is malformed."
        ref = bus_ref(self._region, ctx.principal.account_id, entry.get("EventBusName"))
        if ref.region != self._region:
            return ("AccessDeniedException",
                    "Stockade delivers events only to buses of its own region.")  # fmt: skip
        # Another account's bus: the kernel let the caller in only where its policy allows.
        if ref.name != DEFAULT_BUS:
            with self._store.read() as tx:
                if tx.events.get_bus(AccountId(ref.account_id), ref.name) is None:
                    return "ResourceNotFoundException", f"Event bus {ref.name} does not exist."
        return None


def _event_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
