"""Lambda's function state events: the builder (envelope, versioned ARN as resource, the state
each change reports, nothing of the configuration in the detail), the store's outbox (positions
keep rising after a prune) and the publisher moving outbox events to the default bus at least
once (a crash before the position is saved sends the same event again, never none).

AWS facts: Lambda developer guide, monitoring-eventbridge-function-state (source aws.lambda,
the owning account's default bus, the function ARN with its version); botocore's Lambda model
(State: Active, Deleting; LastUpdateStatus: Successful).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from stockade.clock import FakeClock
from stockade.domain.account import Account
from stockade.domain.function import (
    Code,
    EncryptedEnvironment,
    FunctionConfig,
    FunctionVersion,
    UpdateStatus,
)
from stockade.services.events.function_state_events import (
    StateChange,
    StateEventSource,
    function_state_event,
)
from stockade.services.events.own_publisher import MemoryCursor, OwnEventPublisher, Positions
from stockade.services.events.put_events import QueuedEvent, delivery_queue
from stockade.store.artifacts import UnsealedBlobs
from stockade.store.queue_ports import OutgoingMessage, QueueId, SentMessage
from stockade.store.sqlite import SqliteStore
from stockade.store.sqlite_queues import SqliteQueueEngine
from stockade.types import AccountId, Sha256Hex

ACCOUNT = AccountId("111122223333")
WHEN = datetime(2026, 12, 8, 1, 2, 3, 456000, tzinfo=UTC)
SOURCE = StateEventSource("eu-west-1", WHEN)
CIPHERTEXT = "c2VjcmV0LWVudmlyb25tZW50"


def version(number: str = "$LATEST") -> FunctionVersion:
    config = FunctionConfig(
        runtime="python3.12", handler="app.handler", role="arn:aws:iam::111122223333:role/r",
        environment=EncryptedEnvironment("arn:aws:kms:eu-west-1:111122223333:key/k", CIPHERTEXT),
    )  # fmt: skip
    code = Code(Sha256Hex("ab" * 32), 10, 20)
    return FunctionVersion(ACCOUNT, "fn", number, config, code, "rev", WHEN)


def test_a_created_function_reports_latest_active_in_eventbridges_envelope() -> None:
    event = function_state_event(version(), StateChange.CREATED, SOURCE)
    arn = "arn:aws:lambda:eu-west-1:111122223333:function:fn:$LATEST"
    uuid.UUID(event.pop("id"))
    assert event == {
        "version": "0",
        "detail-type": "Lambda Function State Change",
        "source": "aws.lambda",
        "account": "111122223333",
        "time": "2026-12-08T01:02:03Z",
        "region": "eu-west-1",
        "resources": [arn],
        "detail": {"functionName": "fn", "functionArn": arn, "version": "$LATEST",
                   "state": "Active"},
    }  # fmt: skip


def test_an_update_reports_its_successful_last_update_status() -> None:
    event = function_state_event(version(), StateChange.UPDATED, SOURCE)
    assert event["detail"]["state"] == "Active"
    assert event["detail"]["lastUpdateStatus"] == "Successful"
    failed = replace(version(), last_update_status=UpdateStatus.FAILED)
    assert (
        function_state_event(failed, StateChange.UPDATED, SOURCE)["detail"]["lastUpdateStatus"]
        == "Failed"
    )


def test_a_published_version_is_its_own_resource_and_a_deleted_one_is_deleting() -> None:
    published = function_state_event(version("7"), StateChange.PUBLISHED, SOURCE)
    arn = "arn:aws:lambda:eu-west-1:111122223333:function:fn:7"
    assert published["resources"] == [arn]
    assert published["detail"] == {"functionName": "fn", "functionArn": arn, "version": "7",
                                   "state": "Active"}  # fmt: skip
    deleted = function_state_event(version("7"), StateChange.DELETED, SOURCE)
    assert deleted["detail"]["state"] == "Deleting"
    assert "lastUpdateStatus" not in deleted["detail"]


def test_each_event_has_its_own_id_and_none_carries_the_configuration() -> None:
    events = [function_state_event(version(), change, SOURCE) for change in StateChange]
    assert len({event["id"] for event in events}) == len(events)
    text = json.dumps(events)
    for secret in (CIPHERTEXT, "app.handler", "role/r", "key/k", "python3.12"):
        assert secret not in text


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore(tmp_path / "stockade.db")
    with opened.write() as tx:
        tx.accounts.put(Account(ACCOUNT, "default", WHEN))
    yield opened
    opened.close()


class CrashingQueues(SqliteQueueEngine):
    """The real engine; `crash_after_send` makes the round fail once its send has happened
    (the process dying between the enqueue and saving the position)."""

    crash_after_send = False

    def send(self, queue_id: QueueId, messages: Sequence[OutgoingMessage]) -> list[SentMessage]:
        sent = super().send(queue_id, messages)
        if self.crash_after_send:
            self.crash_after_send = False
            raise RuntimeError("killed after the enqueue")
        return sent


@pytest.fixture
def queues(tmp_path: Path) -> Iterator[CrashingQueues]:
    engine = CrashingQueues(tmp_path / "queues.db", UnsealedBlobs(), FakeClock())
    yield engine
    engine.close()


def on_bus(queues: SqliteQueueEngine) -> list[Mapping[str, Any]]:
    found = []
    for _ in range(100):  # bounded: a handful of events in these tests
        got = queues.receive_now([delivery_queue(ACCOUNT, "default")], 10)
        if not got:
            break
        found += [QueuedEvent.decode(message.body).event for message in got]
    return found


def add(store: SqliteStore, change: StateChange, number: str = "$LATEST") -> dict[str, Any]:
    event = function_state_event(version(number), change, SOURCE)
    with store.write() as tx:
        tx.function_state_events.add(event)
    return event


def test_the_outbox_keeps_positions_rising_after_a_prune(store: SqliteStore) -> None:
    first = add(store, StateChange.CREATED)
    second = add(store, StateChange.UPDATED)
    with store.read() as tx:
        assert tx.function_state_events.after(0, 10) == [(1, first), (2, second)]
        assert tx.function_state_events.after(1, 10) == [(2, second)]
        assert tx.function_state_events.last_seq() == 2
    with store.write() as tx:
        tx.function_state_events.prune_through(2)
    third = add(store, StateChange.DELETED)
    with store.read() as tx:
        assert tx.function_state_events.after(0, 10) == [(3, third)]
        assert tx.function_state_events.last_seq() == 3


def fail_after_adding(store: SqliteStore) -> None:
    with store.write() as tx:
        tx.function_state_events.add(function_state_event(version(), StateChange.CREATED, SOURCE))
        raise RuntimeError("the change failed")


def test_a_rolled_back_change_leaves_no_event(store: SqliteStore) -> None:
    with pytest.raises(RuntimeError):
        fail_after_adding(store)
    with store.read() as tx:
        assert tx.function_state_events.after(0, 10) == []


def test_the_publisher_moves_outbox_events_to_the_default_bus_and_prunes_them(
    store: SqliteStore, queues: CrashingQueues
) -> None:
    cursor = MemoryCursor()
    publisher = OwnEventPublisher(store, queues, cursor)
    assert publisher.publish_pending() == 0
    created = add(store, StateChange.CREATED)
    published = add(store, StateChange.PUBLISHED, "1")
    assert publisher.publish_pending() == 2
    assert on_bus(queues) == [created, published]
    assert cursor.positions == Positions(0, 0, "", 2)
    with store.read() as tx:
        assert tx.function_state_events.after(0, 10) == []
    assert publisher.publish_pending() == 0
    assert on_bus(queues) == []


def test_a_crash_between_the_enqueue_and_the_saved_position_sends_the_same_event_again(
    store: SqliteStore, queues: CrashingQueues
) -> None:
    cursor = MemoryCursor()
    publisher = OwnEventPublisher(store, queues, cursor)
    publisher.publish_pending()
    deleted = add(store, StateChange.DELETED)
    queues.crash_after_send = True
    with pytest.raises(RuntimeError):
        publisher.publish_pending()
    assert cursor.positions == Positions(0, 0, "", 0)  # not saved: the event stays in the outbox
    restarted = OwnEventPublisher(store, queues, cursor)
    assert restarted.publish_pending() == 1
    assert on_bus(queues) == [deleted, deleted]  # at least once, the same id both times


def test_the_first_start_treats_outbox_history_as_history(
    store: SqliteStore, queues: CrashingQueues
) -> None:
    add(store, StateChange.CREATED)
    cursor = MemoryCursor()
    assert OwnEventPublisher(store, queues, cursor).publish_pending() == 0
    assert cursor.positions == Positions(0, 0, "", 1)
    assert on_bus(queues) == []
