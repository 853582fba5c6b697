"""Records a use case holds for its request (a KMS call made on the caller's behalf) are
journalled by the kernel's audit step with the request's own record: before it, in the order
held, each one awaited; once taken, a late one is refused (its use case writes it itself)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from stockade.audit.events import AuditEvent
from stockade.clock import FakeClock
from stockade.kernel.auditing import AuditStep, Trace
from stockade.kernel.exchange import EdgeFacts
from stockade.services.declaration import Audit
from stockade.services.held_writes import HeldWrites
from stockade.types import RequestId

WHEN = datetime(2026, 12, 8, tzinfo=UTC)
FACTS = EdgeFacts(RequestId("req-1"), "127.0.0.1", "test", True, WHEN, "https://x")


def kms_event(name: str) -> AuditEvent:
    return AuditEvent(name, WHEN, "kms.amazonaws.com", "Decrypt", "us-east-1",
                      "ssm.amazonaws.com", "ssm.amazonaws.com", name, "123456789012", None,
                      read_only=True)  # fmt: skip


class Journal:
    def __init__(self, broken: str | None = None) -> None:
        self.broken = broken  # the request id of the record whose write fails
        self.written: list[tuple[str, str]] = []

    async def record(self, event: AuditEvent) -> None:
        if event.request_id == self.broken:
            raise OSError("disk full")
        self.written.append((event.event_source, event.request_id))

    def check_writable(self) -> None:
        pass


def step(journal: Journal, data_events: bool = False) -> AuditStep:
    clock = FakeClock(WHEN)
    return AuditStep(journal, clock, "us-east-1", "000000000000", data_events=data_events)


def test_held_records_go_first_in_the_order_held() -> None:
    journal, trace = Journal(), Trace("ssm", "json")
    assert trace.held.hold(kms_event("k1"))
    assert trace.held.hold(kms_event("k2"))
    asyncio.run(step(journal).record(trace, FACTS))
    assert journal.written == [("kms.amazonaws.com", "k1"), ("kms.amazonaws.com", "k2"),
                               ("ssm.amazonaws.com", "req-1")]  # fmt: skip


def test_a_held_record_that_cannot_be_written_fails_the_step() -> None:
    journal, trace = Journal(broken="k1"), Trace("ssm", "json")
    trace.held.hold(kms_event("k1"))
    with pytest.raises(OSError, match="disk full"):
        asyncio.run(step(journal).record(trace, FACTS))


def test_held_records_are_written_when_the_request_itself_is_not_recorded() -> None:
    # A data event nobody selected has no record of its own; what it held still does.
    journal = Journal()
    trace = Trace("lambda", "rest-json", audit=Audit[Any](read_only=False, data_event=True))
    trace.held.hold(kms_event("k1"))
    asyncio.run(step(journal).record(trace, FACTS))
    assert journal.written == [("kms.amazonaws.com", "k1")]


def test_once_taken_nothing_more_is_held() -> None:
    held = HeldWrites()
    assert held.hold(kms_event("k1"))
    assert [e.request_id for e in held.take()] == ["k1"]
    assert held.hold(kms_event("late")) is False
    assert held.take() == []
    assert "k1" not in repr(held)
