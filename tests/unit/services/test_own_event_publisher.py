"""The publisher of Stockade's own events: what was recorded before the first start is not news;
a change is on the default bus's delivery queue before its position is saved, so a failed
enqueue publishes it again later (at least once); which audit records become API call events."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from stockade.clock import FakeClock
from stockade.domain.account import Account
from stockade.domain.configuration_item import ConfigurationItem, ItemStatus, canonical
from stockade.domain.runtimes import RuntimeCatalog
from stockade.errors import StorageUnavailableError
from stockade.services.compliance.admin import ComplianceAdmin
from stockade.services.events.own_events import api_call_event
from stockade.services.events.own_publisher import (
    FileCursor,
    MemoryCursor,
    OwnEventPublisher,
    Positions,
)
from stockade.services.events.put_events import QueuedEvent, delivery_queue
from stockade.store.artifacts import UnsealedBlobs
from stockade.store.queue_ports import OutgoingMessage, QueueId, SentMessage
from stockade.store.sqlite import SqliteStore
from stockade.store.sqlite_queues import SqliteQueueEngine
from stockade.types import AccountId

ACCOUNT = AccountId("111122223333")
CATALOG = RuntimeCatalog.with_lifecycles({}, {"version": 1, "recommended": {}, "runtimes": {}})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore(tmp_path / "stockade.db")
    with opened.write() as tx:
        tx.accounts.put(Account(ACCOUNT, "default", datetime(2026, 1, 1, tzinfo=UTC)))
    yield opened
    opened.close()


class RefusingQueues(SqliteQueueEngine):
    """The real engine, whose sends fail while `refusing` (a full disk)."""

    refusing = False

    def send(self, queue_id: QueueId, messages: Sequence[OutgoingMessage]) -> list[SentMessage]:
        if self.refusing:
            raise StorageUnavailableError("full", "the queue database cannot be written")
        return super().send(queue_id, messages)


@pytest.fixture
def queues(tmp_path: Path) -> Iterator[RefusingQueues]:
    engine = RefusingQueues(tmp_path / "queues.db", UnsealedBlobs(), FakeClock())
    yield engine
    engine.close()


def add_item(store: SqliteStore, clock: FakeClock, timeout: int) -> None:
    with store.write() as tx:
        latest = tx.configuration_items.latest(ACCOUNT, "f")
        state = (latest.state_id if latest else 0) + 1
        tx.configuration_items.add(ConfigurationItem(
            ACCOUNT, "us-east-1", "f", "arn:aws:lambda:us-east-1:111122223333:function:f",
            state, clock.now(), ItemStatus.OK if latest else ItemStatus.DISCOVERED,
            canonical({"runtime": "python3.14", "timeout": timeout})))  # fmt: skip


def published(queues: SqliteQueueEngine) -> list[Mapping[str, Any]]:
    queue = delivery_queue(ACCOUNT, "default")
    found = []
    for _ in range(100):  # bounded: at most 1,000 events in these tests
        got = queues.receive_now([queue], 10)
        if not got:
            break
        found += [QueuedEvent.decode(message.body).event for message in got]
    return found


def test_history_before_the_first_start_is_not_published_news_is(
    store: SqliteStore, queues: RefusingQueues
) -> None:
    clock = FakeClock()
    add_item(store, clock, 3)
    cursor = MemoryCursor()
    publisher = OwnEventPublisher(store, queues, cursor)
    assert publisher.publish_pending() == 0
    assert cursor.positions == Positions(0, 1)
    add_item(store, clock, 9)
    assert publisher.publish_pending() == 1
    (event,) = published(queues)
    assert event["detail-type"] == "Config Configuration Item Change"
    diff = event["detail"]["configurationItemDiff"]
    assert diff["changeType"] == "UPDATE"
    assert diff["changedProperties"] == {
        "Configuration.timeout": {"changeType": "UPDATE", "previousValue": 3, "updatedValue": 9}
    }
    assert cursor.positions == Positions(0, 2)
    assert publisher.publish_pending() == 0  # nothing twice once it went out


def test_a_failed_enqueue_keeps_the_position_and_publishes_the_change_later(
    store: SqliteStore, queues: RefusingQueues, tmp_path: Path
) -> None:
    clock = FakeClock()
    add_item(store, clock, 3)
    cursor = FileCursor(tmp_path / "own-events.json")
    OwnEventPublisher(store, queues, cursor).publish_pending()
    ComplianceAdmin(store, clock, CATALOG).enable(ACCOUNT, "lambda-dlq-check", {})
    queues.refusing = True
    with pytest.raises(StorageUnavailableError):
        OwnEventPublisher(store, queues, cursor).publish_pending()
    assert cursor.load() == Positions(0, 1)
    queues.refusing = False
    restarted = OwnEventPublisher(store, queues, FileCursor(tmp_path / "own-events.json"))
    # Enabling a rule evaluates every rule: the DLQ check, and the first deprecation result.
    assert restarted.publish_pending() == 2
    results = {e["detail"]["configRuleName"]: e["detail"]["newEvaluationResult"]["complianceType"]
               for e in published(queues)}  # fmt: skip
    assert results == {"lambda-dlq-check": "NON_COMPLIANT",
                       "stockade-runtime-deprecation": "COMPLIANT"}  # fmt: skip
    assert cursor.load() == Positions(2, 1)


def test_a_refused_api_call_event_is_retried_and_holds_back_the_audit_time(
    store: SqliteStore, queues: RefusingQueues
) -> None:
    cursor = MemoryCursor()
    publisher = OwnEventPublisher(store, queues, cursor)
    publisher.audit_records([record(eventTime="2026-12-08T00:00:01Z")])
    publisher.publish_pending()
    assert cursor.positions == Positions(0, 0, "2026-12-08T00:00:01Z")
    queues.refusing = True
    # The trail's writer thread must not see the failure.
    publisher.audit_records([record(eventName="DeleteFunction20150331",
                                    eventTime="2026-12-08T00:00:02Z")])  # fmt: skip
    with pytest.raises(StorageUnavailableError):
        publisher.publish_pending()  # the retry is refused too
    queues.refusing = False
    publisher.audit_records([record(eventName="TagResource", eventTime="2026-12-08T00:00:03Z")])
    assert cursor.positions == Positions(0, 0, "2026-12-08T00:00:01Z")  # one is still unsent
    assert publisher.publish_pending() == 2  # the retry, and the one kept since
    names = [e["detail"]["eventName"] for e in published(queues)]
    assert sorted(names) == ["CreateFunction20150331", "DeleteFunction20150331", "TagResource"]
    # Everything is queued now: the saved audit time moves past all of it.
    assert cursor.positions == Positions(0, 0, "2026-12-08T00:00:03Z")


def test_at_start_the_journal_since_the_saved_audit_time_is_published_again(
    store: SqliteStore, queues: RefusingQueues, tmp_path: Path
) -> None:
    cursor = FileCursor(tmp_path / "own-events.json")
    cursor.save(Positions(0, 0, "2026-12-08T00:10:00Z"))
    journalled = [
        record(eventName="Old", eventTime="2026-12-08T00:09:00Z"),  # published before
        record(eventName="Racing", eventTime="2026-12-08T00:09:55Z"),  # within the margin
        record(eventName="Lost", eventTime="2026-12-08T00:10:02Z"),
        record(eventName="GetFunction", readOnly=True, eventTime="2026-12-08T00:10:03Z"),
    ]
    assert OwnEventPublisher(store, queues, cursor).recover(journalled) == 2
    assert sorted(e["detail"]["eventName"] for e in published(queues)) == ["Lost", "Racing"]
    fresh = OwnEventPublisher(store, queues, MemoryCursor())
    assert fresh.recover(journalled) == 0  # a first start has no news to recover


def record(**changes: Any) -> dict[str, Any]:
    found = {
        "eventVersion": "1.09", "eventTime": "2026-12-08T00:00:00Z",
        "eventSource": "lambda.amazonaws.com", "eventName": "CreateFunction20150331",
        "awsRegion": "us-east-1", "readOnly": False, "managementEvent": True,
        "recipientAccountId": ACCOUNT, "eventType": "AwsApiCall", "requestID": "r",
    }  # fmt: skip
    return found | changes


@pytest.mark.parametrize(
    ("changes", "published_as"),
    [
        ({}, "aws.lambda"),
        ({"eventSource": "iam.amazonaws.com", "eventName": "CreateRole"}, "aws.iam"),
        ({"readOnly": True, "eventName": "GetFunction"}, None),
        ({"managementEvent": False, "eventName": "Invoke"}, None),
        ({"errorCode": "ResourceNotFoundException"}, None),
        ({"eventSource": "events.amazonaws.com", "eventName": "PutEvents"}, None),
        ({"eventSource": "operator.stockade", "eventName": "CreateAccount"}, None),
    ],
)
def test_which_audit_records_are_api_call_events(
    changes: dict[str, Any], published_as: str | None
) -> None:
    event = api_call_event(record(**changes))
    if published_as is None:
        assert event is None
        return
    assert event is not None
    assert event["source"] == published_as
    assert event["detail"] == record(**changes)
    assert event["time"] == "2026-12-08T00:00:00Z"
