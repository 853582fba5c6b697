"""The SQLite queue engine keeps the port's delivery semantics (stockade.store.queue_ports)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from stockade.clock import FakeClock
from stockade.store.artifacts import UnsealedBlobs
from stockade.store.queue_ports import (
    MessageNotInFlightError,
    OutgoingMessage,
    QueueCounts,
    QueueExistsError,
    QueueId,
    QueueNotFoundError,
    QueueSettings,
    ReceiptHandleInvalidError,
    RedrivePolicy,
)
from stockade.store.sqlite_queues import SqliteQueueEngine

ACCOUNT = "111122223333"
Q = QueueId(ACCOUNT, "work")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def engine(tmp_path: Path, clock: FakeClock) -> Iterator[SqliteQueueEngine]:
    engine = SqliteQueueEngine(tmp_path / "queues.db", UnsealedBlobs(), clock)
    engine.create_queue(Q, QueueSettings(visibility_timeout_s=30))
    yield engine
    engine.close()


def send(engine: SqliteQueueEngine, *bodies: bytes, queue: QueueId = Q) -> None:
    engine.send(queue, [OutgoingMessage(b) for b in bodies])


def test_received_message_is_hidden_until_its_visibility_timeout(
    engine: SqliteQueueEngine, clock: FakeClock
) -> None:
    send(engine, b"a")
    first = engine.receive_now([Q], 10)
    assert [m.body for m in first] == [b"a"]
    assert first[0].receive_count == 1
    assert engine.receive_now([Q], 10) == []
    assert engine.counts(Q) == QueueCounts(visible=0, in_flight=1, delayed=0)
    clock.advance(31)
    again = engine.receive_now([Q], 10)
    assert again[0].message_id == first[0].message_id
    assert again[0].receive_count == 2
    assert again[0].receipt_handle != first[0].receipt_handle
    assert again[0].first_received_ms == first[0].first_received_ms


def test_delete_with_the_latest_handle_removes_and_a_stale_one_does_nothing(
    engine: SqliteQueueEngine, clock: FakeClock
) -> None:
    send(engine, b"a")
    stale = engine.receive_now([Q], 1)[0]
    clock.advance(31)
    current = engine.receive_now([Q], 1)[0]
    engine.delete(Q, stale.receipt_handle)
    assert engine.counts(Q).in_flight == 1
    engine.delete(Q, current.receipt_handle)
    assert engine.counts(Q) == QueueCounts(0, 0, 0)


def test_malformed_or_foreign_receipt_handles_are_invalid(engine: SqliteQueueEngine) -> None:
    other = QueueId(ACCOUNT, "other")
    engine.create_queue(other, QueueSettings())
    send(engine, b"a", queue=other)
    handle = engine.receive_now([other], 1)[0].receipt_handle
    with pytest.raises(ReceiptHandleInvalidError):
        engine.delete(Q, handle)
    with pytest.raises(ReceiptHandleInvalidError):
        engine.delete(Q, "garbage")


def test_change_visibility_nacks_and_refuses_messages_not_in_flight(
    engine: SqliteQueueEngine, clock: FakeClock
) -> None:
    send(engine, b"a")
    message = engine.receive_now([Q], 1)[0]
    engine.change_visibility(Q, message.receipt_handle, 0)
    again = engine.receive_now([Q], 1)[0]
    with pytest.raises(MessageNotInFlightError):
        engine.change_visibility(Q, message.receipt_handle, 10)
    engine.change_visibility(Q, again.receipt_handle, 100)  # a nack with backoff
    clock.advance(99)
    assert engine.receive_now([Q], 1) == []
    clock.advance(2)
    assert engine.receive_now([Q], 1)[0].receive_count == 3


def test_delayed_messages_stay_hidden_until_due(
    engine: SqliteQueueEngine, clock: FakeClock
) -> None:
    engine.send(Q, [OutgoingMessage(b"later", delay_s=10), OutgoingMessage(b"now")])
    assert engine.counts(Q) == QueueCounts(visible=1, in_flight=0, delayed=1)
    assert [m.body for m in engine.receive_now([Q], 10)] == [b"now"]
    clock.advance(10)
    assert [m.body for m in engine.receive_now([Q], 10)] == [b"later"]


def test_message_moves_to_the_dead_letter_queue_after_max_receive_count(
    engine: SqliteQueueEngine, clock: FakeClock
) -> None:
    dlq = QueueId(ACCOUNT, "dlq")
    engine.create_queue(dlq, QueueSettings())
    source = QueueId(ACCOUNT, "source")
    engine.create_queue(
        source, QueueSettings(visibility_timeout_s=0, redrive=RedrivePolicy(dlq, 2))
    )
    send(engine, b"poison", queue=source)
    assert engine.receive_now([source], 1)[0].receive_count == 1
    assert engine.receive_now([source], 1)[0].receive_count == 2
    assert engine.receive_now([source], 1) == []
    moved = engine.receive_now([dlq], 1)
    assert [m.body for m in moved] == [b"poison"]
    assert moved[0].receive_count == 1
    assert engine.dead_letter_sources(dlq) == [source]


def test_messages_past_retention_are_never_delivered(
    engine: SqliteQueueEngine, clock: FakeClock
) -> None:
    short = QueueId(ACCOUNT, "short")
    engine.create_queue(short, QueueSettings(retention_s=60))
    send(engine, b"old", queue=short)
    clock.advance(30)
    send(engine, b"new", queue=short)
    clock.advance(31)
    assert [m.body for m in engine.receive_now([short], 10)] == [b"new"]
    clock.advance(60)
    assert engine.expire() == 1
    assert engine.counts(short) == QueueCounts(0, 0, 0)


def test_purge_empties_the_queue(engine: SqliteQueueEngine) -> None:
    send(engine, b"a", b"b", b"c")
    assert engine.purge(Q) == 3
    assert engine.receive_now([Q], 10) == []


def test_messages_survive_reopening_the_database(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "queues.db"
    first = SqliteQueueEngine(path, UnsealedBlobs(), clock)
    first.create_queue(Q, QueueSettings())
    send(first, b"durable")
    first.close()
    second = SqliteQueueEngine(path, UnsealedBlobs(), clock)
    try:
        assert [m.body for m in second.receive_now([Q], 10)] == [b"durable"]
        assert second.get_queue(Q) is not None
    finally:
        second.close()


def test_create_is_idempotent_but_refuses_different_settings(engine: SqliteQueueEngine) -> None:
    assert engine.create_queue(Q, QueueSettings(visibility_timeout_s=30)).queue_id == Q
    with pytest.raises(QueueExistsError):
        engine.create_queue(Q, QueueSettings(visibility_timeout_s=5))


def test_missing_queue_is_reported_and_deleted_queue_loses_its_messages(
    engine: SqliteQueueEngine,
) -> None:
    send(engine, b"a")
    engine.delete_queue(Q)
    with pytest.raises(QueueNotFoundError):
        send(engine, b"b")
    with pytest.raises(QueueNotFoundError):
        engine.counts(Q)
    assert engine.receive_now([Q], 10) == []


def test_internal_queue_names_are_accepted_and_listed_across_accounts(
    engine: SqliteQueueEngine,
) -> None:
    internal = QueueId("999988887777", "__stockade_async/arn:aws:lambda:us-east-1:9:function:f")
    engine.create_queue(internal, QueueSettings())
    assert engine.list_queues(None, "__stockade_async/") == [internal]
    assert engine.list_queues(ACCOUNT) == [Q]


def test_receive_any_is_fair_across_queues(engine: SqliteQueueEngine) -> None:
    noisy, quiet = QueueId(ACCOUNT, "noisy"), QueueId(ACCOUNT, "quiet")
    for queue in (noisy, quiet):
        engine.create_queue(queue, QueueSettings())
    send(engine, *[b"n"] * 50, queue=noisy)
    send(engine, b"q1", b"q2", queue=quiet)
    got = engine.receive_now([noisy, quiet], 4)
    assert sorted(m.queue_id.name for m in got) == ["noisy", "noisy", "quiet", "quiet"]


def test_long_poll_returns_as_soon_as_a_message_is_sent(engine: SqliteQueueEngine) -> None:
    async def scenario() -> tuple[list[bytes], float]:
        started = time.monotonic()
        waiting = asyncio.ensure_future(engine.receive(Q, 10, wait_s=10))
        await asyncio.sleep(0.2)
        assert not waiting.done()
        await engine.send_async(Q, [OutgoingMessage(b"wake")])
        got = await asyncio.wait_for(waiting, 5)
        return [m.body for m in got], time.monotonic() - started

    bodies, elapsed = asyncio.run(scenario())
    assert bodies == [b"wake"]
    assert elapsed < 5


def test_long_poll_gives_up_after_its_wait(engine: SqliteQueueEngine) -> None:
    assert asyncio.run(engine.receive(Q, 1, wait_s=0.2)) == []


def test_async_ack_and_nack(engine: SqliteQueueEngine, clock: FakeClock) -> None:
    send(engine, b"a", b"b")

    async def scenario() -> None:
        first, second = await engine.receive_any([Q], 2)
        await engine.ack_async(Q, first.receipt_handle)
        await engine.change_visibility_async(Q, second.receipt_handle, 0)

    asyncio.run(scenario())
    assert [m.body for m in engine.receive_now([Q], 10)] == [b"b"]


class _Reversing:
    """A stand-in sealer that visibly transforms what it stores."""

    def seal(self, plaintext: bytes, context: object) -> bytes:
        return plaintext[::-1]

    def open(self, sealed: bytes, context: object) -> bytes:
        return sealed[::-1]


def test_bodies_pass_through_the_sealer(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "sealed.db"
    engine = SqliteQueueEngine(path, _Reversing(), clock)
    try:
        engine.create_queue(Q, QueueSettings())
        send(engine, b"secret-body-123")
        assert (
            b"secret-body-123"
            not in path.read_bytes() + path.with_name("sealed.db-wal").read_bytes()
        )
        assert engine.receive_now([Q], 1)[0].body == b"secret-body-123"
    finally:
        engine.close()


def test_queue_lookups_follow_every_change_to_a_queue(engine: SqliteQueueEngine) -> None:
    found = engine.get_queue(Q)
    assert found is not None
    assert found.settings.visibility_timeout_s == 30
    engine.set_settings(Q, QueueSettings(visibility_timeout_s=5))
    changed = engine.get_queue(Q)
    assert changed is not None
    assert changed.settings.visibility_timeout_s == 5
    later = QueueId(ACCOUNT, "later")
    assert engine.get_queue(later) is None
    engine.create_queue(later, QueueSettings())
    assert engine.get_queue(later) is not None
    engine.delete_queue(Q)
    assert engine.get_queue(Q) is None


def test_a_change_is_seen_by_the_next_lookup_while_others_look_it_up(
    engine: SqliteQueueEngine,
) -> None:
    # Readers keep filling the memo (some with the state before a change) while one thread
    # changes the queue: every change must be visible as soon as it has returned.
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            engine.get_queue(Q)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        for timeout in range(1, 21):
            engine.set_settings(Q, QueueSettings(visibility_timeout_s=timeout))
            found = engine.get_queue(Q)
            assert found is not None
            assert found.settings.visibility_timeout_s == timeout
    finally:
        stop.set()
        for reader in readers:
            reader.join(10)
