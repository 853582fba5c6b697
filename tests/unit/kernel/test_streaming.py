"""A streamed answer's body: events as produced, the audit record before the closing event,
an error message instead of it when the record cannot be written, a record even when the
client goes away."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from stockade.errors import ApiError
from stockade.kernel.auditing import Trace
from stockade.kernel.streaming import ABANDONED_NOTE, audited_events
from stockade.services.lambda_.errors import ServiceError, TooManyRequestsError
from stockade.services.streamed import Event, Finished, Streamed

CHUNK: Event = {"PayloadChunk": {"Payload": b"x"}}
COMPLETE: Event = {"InvokeComplete": {}}


class Producer:
    """A streamed answer whose steps are logged in order, sharing the log with the journal."""

    def __init__(self, log: list[str], pieces: int = 2, fail: Exception | None = None) -> None:
        self.log = log
        self.pieces = pieces
        self.fail = fail
        self.abandoned = False

    async def events(self) -> AsyncIterator[Event]:
        for _ in range(self.pieces):
            self.log.append("chunk")
            yield CHUNK
        if self.fail is not None:
            raise self.fail

    async def finish(self) -> Finished:
        self.log.append("finish")
        return Finished(COMPLETE, {"EventStream": {"InvokeComplete": {}}})

    async def abandon(self) -> None:
        self.abandoned = True
        self.log.append("abandon")

    def answer(self) -> Streamed:
        return Streamed({"StatusCode": 200}, self.events(), self.finish, self.abandon)


class Journal:
    def __init__(self, log: list[str], broken: bool = False) -> None:
        self.log = log
        self.broken = broken
        self.records: list[dict[str, Any]] = []

    async def record(self, trace: Trace) -> None:
        if self.broken:
            raise OSError("disk full")
        self.log.append("record")
        self.records.append({"result": trace.result, "error": trace.error,
                             "notes": trace.notes.data()})  # fmt: skip


def run(producer: Producer, journal: Journal, take: int | None = None) -> list[Any]:
    trace = Trace("lambda", "rest-json", "rid")
    finished: list[bool] = []

    async def go() -> list[Any]:
        events = audited_events(
            producer.answer(),
            trace,
            lambda: journal.record(trace),
            lambda exc: ServiceError("internal"),
            lambda: finished.append(True),
        )
        out: list[Any] = []
        async for item in events:
            producer.log.append("sent")
            out.append(item)
            if take is not None and len(out) == take:
                await events.aclose()  # the client went away
                break
        return out

    out = asyncio.run(go())
    assert finished == [True]  # observers hear of every request once
    return out


def test_the_record_is_journalled_before_the_closing_event_is_sent() -> None:
    log: list[str] = []
    journal = Journal(log)
    out = run(Producer(log), journal)
    assert out == [CHUNK, CHUNK, COMPLETE]
    assert log == ["chunk", "sent", "chunk", "sent", "finish", "record", "sent"]
    assert journal.records[0]["result"] == {"StatusCode": 200,
                                            "EventStream": {"InvokeComplete": {}}}  # fmt: skip


def test_an_unwritable_record_replaces_the_closing_event_with_an_error() -> None:
    log: list[str] = []
    out = run(Producer(log), Journal(log, broken=True))
    assert out[:2] == [CHUNK, CHUNK]
    assert isinstance(out[2], ApiError)
    assert out[2].code == "ServiceException"
    assert COMPLETE not in out


def test_a_failing_producer_is_audited_with_its_error_and_ends_with_it() -> None:
    log: list[str] = []
    journal = Journal(log)
    throttled = TooManyRequestsError("Rate Exceeded.")
    out = run(Producer(log, fail=throttled), journal)
    assert out == [CHUNK, CHUNK, throttled]
    assert journal.records[0]["error"] is throttled


def test_a_bug_in_the_producer_is_an_internal_error_not_a_traceback() -> None:
    log: list[str] = []
    journal = Journal(log)
    out = run(Producer(log, fail=KeyError("secret-key-name")), journal)
    assert isinstance(out[-1], ServiceError)
    assert "secret-key-name" not in out[-1].message


def test_a_client_that_goes_away_stops_the_producer_and_is_still_audited() -> None:
    log: list[str] = []
    journal = Journal(log)
    producer = Producer(log, pieces=5)
    out = run(producer, journal, take=1)
    assert out == [CHUNK]
    assert producer.abandoned
    assert log[-2:] == ["abandon", "record"]
    assert journal.records[0]["notes"] == {ABANDONED_NOTE: True}


def test_a_failed_producer_with_an_unwritable_record_is_not_taken_for_an_abandoned_one() -> None:
    log: list[str] = []
    producer = Producer(log, fail=TooManyRequestsError("Rate Exceeded."))
    out = run(producer, Journal(log, broken=True))
    assert isinstance(out[-1], TooManyRequestsError)
    assert not producer.abandoned
