"""A target's retry policy, as EventBridge applies it (user guide, eb-rule-event-delivery and
rule-dlq): failures for now are tried again for that target alone, with a growing back-off,
until MaximumRetryAttempts or MaximumEventAgeInSeconds; then the dead-letter queue gets the
event with RETRY_ATTEMPTS and EXHAUSTED_RETRY_CONDITION. Failures for good (no permission)
are not retried. The delivery, the store and the queue engine are the real ones; the engine
refuses sends to one queue while told to (a full disk)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from stockade.clock import FakeClock
from stockade.domain.account import Account
from stockade.domain.events import Rule, RuleTarget, TargetRetry
from stockade.domain.trace import TraceContext
from stockade.errors import StorageUnavailableError
from stockade.policy import AttachedPolicy
from stockade.services.events import retries
from stockade.services.events.delivery import EventDeliveries
from stockade.services.events.put_events import QueuedEvent, delivery_queue
from stockade.services.events.rule_counters import RuleCounters
from stockade.services.sqs import message_attributes
from stockade.services.sqs.scope import queue_policy
from stockade.store.artifacts import UnsealedBlobs
from stockade.store.queue_ports import OutgoingMessage, QueueId, QueueSettings, SentMessage
from stockade.store.sqlite import SqliteStore
from stockade.store.sqlite_queues import SqliteQueueEngine
from stockade.types import AccountId

ACCOUNT = AccountId("111122223333")
REGION = "us-east-1"
START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/orders"


class RefusingQueues(SqliteQueueEngine):
    """The real engine, whose sends to `refused` queues fail (a full disk)."""

    refused: frozenset[str] = frozenset()

    def send(self, queue_id: QueueId, messages: Sequence[OutgoingMessage]) -> list[SentMessage]:
        if queue_id.name in self.refused:
            raise StorageUnavailableError("full", "the queue database cannot be written")
        return super().send(queue_id, messages)

    async def send_async(
        self, queue_id: QueueId, messages: Sequence[OutgoingMessage]
    ) -> list[SentMessage]:
        if queue_id.name in self.refused:
            raise StorageUnavailableError("full", "the queue database cannot be written")
        return await super().send_async(queue_id, messages)


class NoFunctions:
    async def invoke_async(
        self, function_arn: str, payload: bytes, request_id: str, trace: TraceContext | None
    ) -> None:
        raise AssertionError("no Lambda target in these tests")

    def function_policy(self, function_arn: str) -> AttachedPolicy | None:
        return None


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore(tmp_path / "stockade.db")
    with opened.write() as tx:
        tx.accounts.put(Account(ACCOUNT, "default", START))
    yield opened
    opened.close()


@pytest.fixture
def queues(tmp_path: Path, clock: FakeClock) -> Iterator[RefusingQueues]:
    engine = RefusingQueues(tmp_path / "queues.db", UnsealedBlobs(), clock)
    yield engine
    engine.close()


def queue_arn(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


def make_queue(queues: SqliteQueueEngine, name: str, *, allow_events: bool = True) -> QueueId:
    statement = {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                 "Action": "sqs:SendMessage", "Resource": queue_arn(name),
                 "Condition": {"ArnEquals": {"aws:SourceArn": RULE_ARN}}}  # fmt: skip
    policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    queue = QueueId(ACCOUNT, name)
    queues.create_queue(queue, QueueSettings(policy=policy if allow_events else None))
    return queue


def put_rule(store: SqliteStore, *targets: RuleTarget) -> None:
    with store.write() as tx:
        tx.events.put_rule(Rule(ACCOUNT, "default", "orders", event_pattern='{"source":["shop"]}',
                                targets=targets, created=START))  # fmt: skip


def deliveries(store: SqliteStore, queues: SqliteQueueEngine, clock: FakeClock) -> EventDeliveries:
    return EventDeliveries(store, queues, NoFunctions(), REGION,
                           lambda queue: queue_policy(queues, REGION, queue), clock,
                           jitter=lambda: 0.999)  # fmt: skip


def put_event(queues: SqliteQueueEngine) -> None:
    event = {"version": "0", "id": "e-1", "detail-type": "order", "source": "shop",
             "account": ACCOUNT, "time": "2026-03-02T10:00:00Z", "region": REGION,
             "resources": [], "detail": {"n": 1}}  # fmt: skip
    pending = delivery_queue(ACCOUNT, "default")
    queues.create_queue(pending, QueueSettings())
    queues.send(pending, [OutgoingMessage(QueuedEvent("default", event).encode())])


def deliver_due(delivering: EventDeliveries, queues: SqliteQueueEngine) -> int:
    """Deliver what the bus's delivery queue holds now; how many were delivered."""
    got = queues.receive_now([delivery_queue(ACCOUNT, "default")], 10)
    for message in got:
        asyncio.run(delivering.deliver(message))
    return len(got)


def drain(queues: SqliteQueueEngine, queue: QueueId) -> list[tuple[dict[str, Any], dict[str, str]]]:
    found: list[tuple[dict[str, Any], dict[str, str]]] = []
    for _ in range(10):  # bounded: a handful of messages in these tests
        got = queues.receive_now([queue], 10)
        if not got:
            return found
        for message in got:
            attributes, _, _ = message_attributes.decode(message.attributes)
            values = {k: str(v["StringValue"]) for k, v in attributes.items()}
            found.append((json.loads(message.body), values))
            queues.delete(queue, message.receipt_handle)
    raise AssertionError("the queue did not drain")


def test_a_failing_target_is_retried_alone_and_gets_the_event_once_it_recovers(
    store: SqliteStore, queues: RefusingQueues, clock: FakeClock
) -> None:
    first, second = make_queue(queues, "first"), make_queue(queues, "second")
    dlq = make_queue(queues, "dlq")
    put_rule(store,
             RuleTarget("a", queue_arn("first"), retry=TargetRetry(5, None),
                        dead_letter_arn=queue_arn("dlq")),
             RuleTarget("b", queue_arn("second")))  # fmt: skip
    delivering = deliveries(store, queues, clock)
    put_event(queues)
    queues.refused = frozenset({"first"})
    assert deliver_due(delivering, queues) == 1
    assert [e["id"] for e, _ in drain(queues, second)] == ["e-1"]  # the healthy target: at once
    assert deliver_due(delivering, queues) == 0  # the retry waits for its back-off
    clock.advance(1)
    assert deliver_due(delivering, queues) == 1  # retry 1 fails again
    clock.advance(1)
    assert deliver_due(delivering, queues) == 0  # the back-off doubled: 2 s
    clock.advance(1)
    queues.refused = frozenset()
    assert deliver_due(delivering, queues) == 1  # retry 2 succeeds
    assert [e["id"] for e, _ in drain(queues, first)] == ["e-1"]
    assert drain(queues, second) == []  # the retries were for the failing target alone
    assert drain(queues, dlq) == []
    # A delivery being retried is an invocation once it ends (EventBridge's metrics).
    assert delivering.counters.snapshot()[(ACCOUNT, "default", "orders")] == RuleCounters(
        matched_events=1, triggered_rules=1, invocations=2, retry_invocation_attempts=2
    )


def test_retries_stop_at_maximum_retry_attempts_and_the_dead_letter_queue_says_so(
    store: SqliteStore, queues: RefusingQueues, clock: FakeClock
) -> None:
    make_queue(queues, "first")
    dlq = make_queue(queues, "dlq")
    put_rule(store, RuleTarget("a", queue_arn("first"), retry=TargetRetry(2, None),
                               dead_letter_arn=queue_arn("dlq")))  # fmt: skip
    delivering = deliveries(store, queues, clock)
    put_event(queues)
    queues.refused = frozenset({"first"})
    attempts = 0
    for _ in range(20):  # bounded: 3 attempts are expected
        attempts += deliver_due(delivering, queues)
        clock.advance(1)
    assert attempts == 3  # the first attempt and 2 retries
    ((event, why),) = drain(queues, dlq)
    assert event["id"] == "e-1"
    assert why == {
        "ERROR_CODE": "INTERNAL_ERROR",
        "ERROR_MESSAGE": "The event could not be delivered to the target.",
        "RULE_ARN": RULE_ARN,
        "TARGET_ARN": queue_arn("first"),
        "RETRY_ATTEMPTS": "2",
        "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts",
    }
    assert delivering.counters.snapshot()[(ACCOUNT, "default", "orders")] == RuleCounters(
        matched_events=1, triggered_rules=1, invocations=1, failed_invocations=1,
        invocations_sent_to_dlq=1, retry_invocation_attempts=2,
    )  # fmt: skip


def test_retries_stop_at_maximum_event_age(
    store: SqliteStore, queues: RefusingQueues, clock: FakeClock
) -> None:
    make_queue(queues, "first")
    dlq = make_queue(queues, "dlq")
    put_rule(store, RuleTarget("a", queue_arn("first"), retry=TargetRetry(None, 60),
                               dead_letter_arn=queue_arn("dlq")))  # fmt: skip
    delivering = deliveries(store, queues, clock)
    put_event(queues)
    queues.refused = frozenset({"first"})
    attempts = 0
    for _ in range(200):  # bounded: 60 s of fake time, a second at a time, and some
        attempts += deliver_due(delivering, queues)
        clock.advance(1)
    # Delays 1, 2, 4, 8, 16 s (jitter at its top) reach 31 s; the next, 32 s, would pass 60 s.
    assert attempts == 6
    ((_, why),) = drain(queues, dlq)
    assert why["EXHAUSTED_RETRY_CONDITION"] == "MaximumEventAgeInSeconds"
    assert why["RETRY_ATTEMPTS"] == "5"


def test_a_failure_for_good_is_not_retried(
    store: SqliteStore, queues: RefusingQueues, clock: FakeClock
) -> None:
    make_queue(queues, "closed", allow_events=False)
    dlq = make_queue(queues, "dlq")
    put_rule(store, RuleTarget("a", queue_arn("closed"), retry=TargetRetry(5, None),
                               dead_letter_arn=queue_arn("dlq")))  # fmt: skip
    delivering = deliveries(store, queues, clock)
    put_event(queues)
    assert deliver_due(delivering, queues) == 1
    clock.advance(60)
    assert deliver_due(delivering, queues) == 0
    ((_, why),) = drain(queues, dlq)
    assert why["ERROR_CODE"] == "NO_PERMISSIONS"
    assert why["RETRY_ATTEMPTS"] == "0"
    assert "EXHAUSTED_RETRY_CONDITION" not in why


def test_back_off_doubles_with_jitter_and_is_capped() -> None:
    delays = []
    for done in range(12):
        step = retries.after_failure(None, done, START, START, lambda: 0.999)
        assert isinstance(step, retries.RetryLater)
        delays.append(step.delay_s)
    assert delays[:5] == [1, 2, 4, 8, 16]
    assert delays[-1] == retries.MAX_DELAY_S
    low = retries.after_failure(None, 4, START, START, lambda: 0.0)
    assert low == retries.RetryLater(8)  # half of 16 s at the jitter's bottom
    assert retries.after_failure(TargetRetry(0, None), 0, START, START, lambda: 0.5) == (
        retries.GiveUp(retries.ATTEMPTS_EXHAUSTED)
    )
    # Without a policy: EventBridge's defaults, 185 retries within 24 hours.
    assert retries.after_failure(None, 185, START, START, lambda: 0.5) == retries.GiveUp(
        retries.ATTEMPTS_EXHAUSTED
    )
