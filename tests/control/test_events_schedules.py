"""Scheduled rules fire on the fake clock: once per period, across restarts, only while enabled.

AWS facts: a scheduled rule's event is EventBridge's scheduled-event envelope (user guide,
"eb-run-lambda-schedule": detail-type "Scheduled Event", source "aws.events", resources the
rule's ARN, detail {}); schedules are in UTC with a minimum precision of one minute; a rate
"starts when you create the scheduled event rule" (user guide, "Rate expressions"). A queue
target must allow events.amazonaws.com for the rule (eb-use-resource-based).

Rounds are driven directly (`EventScheduler.fire_due`); the server's own once-a-second round
runs too, on the same fake clock, so the tests count what reaches the queue, not rounds.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from stockade.clock import FakeClock
from stockade.domain.events import Rule
from stockade.services.events.put_events import QueuedEvent, delivery_queue
from stockade.types import AccountId
from tests.support.inprocess import InProcessServer

START = datetime(2026, 3, 2, 10, 0, 30, tzinfo=UTC)


def scheduled_rule(server: InProcessServer, schedule: str, **extra: Any) -> tuple[str, str, str]:
    """A rule on `schedule` whose target is a new queue allowing it; (name, ARN, queue URL)."""
    events, sqs = server.client("events"), server.client("sqs")
    name = f"tick-{uuid.uuid4().hex[:8]}"
    arn: str = events.put_rule(Name=name, ScheduleExpression=schedule, **extra)["RuleArn"]
    url: str = sqs.create_queue(QueueName=f"q-{name}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]  # fmt: skip
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                       "Action": "sqs:SendMessage", "Resource": queue_arn,
                       "Condition": {"ArnEquals": {"aws:SourceArn": arn}}}],
    })})  # fmt: skip
    events.put_targets(Rule=name, Targets=[{"Id": "q", "Arn": queue_arn}])
    return name, arn, url


def fire(server: InProcessServer) -> None:
    assert server.built is not None
    assert server.built.scheduler is not None
    scheduler = server.built.scheduler
    server.on_loop(scheduler.fire_due)


def delivered(server: InProcessServer, url: str, bus: str = "default") -> list[dict[str, Any]]:
    """Every event the queue got once the bus's delivery queue is empty (so nothing more is
    coming), each deleted; bounded to 10 s of real time."""
    assert server.built is not None
    assert server.built.queues is not None
    sqs, engine = server.client("sqs"), server.built.queues
    pending = delivery_queue(server.account_id, bus)
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        counts = engine.counts(pending) if engine.get_queue(pending) else None
        settled = counts is None or counts.visible + counts.in_flight + counts.delayed == 0
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        for message in messages:
            got.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        if settled and not messages:
            return got
        time.sleep(0.05)
    raise AssertionError("the delivery queue did not settle")


def at(server: InProcessServer, moment: datetime) -> None:
    assert isinstance(server.clock, FakeClock)
    server.clock.advance((moment - server.clock.now()).total_seconds())


def times(events: list[dict[str, Any]]) -> list[str]:
    return [event["time"] for event in events]


def test_a_cron_rule_fires_once_per_period_in_the_scheduled_event_envelope(
    tmp_path: Path,
) -> None:
    with InProcessServer(tmp_path / "data", clock=FakeClock(START)) as server:
        name, arn, url = scheduled_rule(server, "cron(0/5 * * * ? *)")
        fire(server)
        assert delivered(server, url) == []  # 10:00:30: the first minute selected is 10:05
        at(server, datetime(2026, 3, 2, 10, 5, 10, tzinfo=UTC))
        fire(server)
        fire(server)
        (event,) = delivered(server, url)
        assert event["detail-type"] == "Scheduled Event"
        assert event["source"] == "aws.events"
        assert event["resources"] == [arn]
        assert event["detail"] == {}
        assert event["time"] == "2026-03-02T10:05:00Z"
        assert event["account"] == server.account_id
        assert event["region"] == "us-east-1"
        assert event["version"] == "0"
        uuid.UUID(event["id"])
        # Re-putting the rule with the same schedule (a new description) keeps its fired period.
        server.client("events").put_rule(
            Name=name, ScheduleExpression="cron(0/5 * * * ? *)", Description="still"
        )
        at(server, datetime(2026, 3, 2, 10, 9, 59, tzinfo=UTC))
        fire(server)
        assert delivered(server, url) == []
        at(server, datetime(2026, 3, 2, 10, 10, 0, tzinfo=UTC))
        fire(server)
        fire(server)
        assert times(delivered(server, url)) == ["2026-03-02T10:10:00Z"]


def test_a_rate_rule_fires_once_per_period_from_its_creation(tmp_path: Path) -> None:
    with InProcessServer(tmp_path / "data", clock=FakeClock(START)) as server:
        _, _, url = scheduled_rule(server, "rate(2 minutes)")  # anchored at 10:00
        fired: list[str] = []
        for minute, second in ((1, 30), (2, 0), (2, 40), (3, 59), (4, 1), (5, 0)):
            at(server, datetime(2026, 3, 2, 10, minute, second, tzinfo=UTC))
            fire(server)
            fired += times(delivered(server, url))
        assert fired == ["2026-03-02T10:02:00Z", "2026-03-02T10:04:00Z"]


def test_a_period_missed_while_down_fires_once_at_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with InProcessServer(data, clock=FakeClock(START)) as server:
        _, _, url = scheduled_rule(server, "cron(0/5 * * * ? *)")
        at(server, datetime(2026, 3, 2, 10, 5, 1, tzinfo=UTC))
        fire(server)
        assert times(delivered(server, url)) == ["2026-03-02T10:05:00Z"]
    # Down from 10:05 to 10:27: 10:10, 10:15, 10:20 and 10:25 went by.
    later = FakeClock(datetime(2026, 3, 2, 10, 27, 10, tzinfo=UTC))
    with InProcessServer(data, clock=later) as server:
        fire(server)
        fire(server)
        assert times(delivered(server, url)) == ["2026-03-02T10:25:00Z"]
        at(server, datetime(2026, 3, 2, 10, 30, 0, tzinfo=UTC))
        fire(server)
        assert times(delivered(server, url)) == ["2026-03-02T10:30:00Z"]


def test_a_disabled_rule_does_not_fire_and_enabling_restarts_its_rate(tmp_path: Path) -> None:
    with InProcessServer(tmp_path / "data", clock=FakeClock(START)) as server:
        events = server.client("events")
        _, _, never_url = scheduled_rule(server, "rate(1 minute)", State="DISABLED")
        name, _, url = scheduled_rule(server, "rate(5 minutes)")  # anchored at 10:00
        events.disable_rule(Name=name)
        at(server, datetime(2026, 3, 2, 10, 12, 30, tzinfo=UTC))
        fire(server)
        assert delivered(server, never_url) == []
        assert delivered(server, url) == []
        events.enable_rule(Name=name)  # anchored anew at 10:12: next fire 10:17, not 10:15
        at(server, datetime(2026, 3, 2, 10, 15, 30, tzinfo=UTC))
        fire(server)
        assert delivered(server, url) == []
        at(server, datetime(2026, 3, 2, 10, 17, 0, tzinfo=UTC))
        fire(server)
        assert times(delivered(server, url)) == ["2026-03-02T10:17:00Z"]
        assert delivered(server, never_url) == []


def test_a_scheduled_event_reaches_only_its_own_rule_not_pattern_rules(tmp_path: Path) -> None:
    with InProcessServer(tmp_path / "data", clock=FakeClock(START)) as server:
        _, _, url = scheduled_rule(server, "rate(1 minute)")
        # A pattern that the scheduled event's envelope would match.
        _, _, pattern_url = scheduled_rule(
            server,
            "cron(0 0 1 1 ? 2030)",
            # (Stockade's own "AWS API Call via CloudTrail" events are aws.events too.)
            EventPattern=json.dumps({"source": ["aws.events"], "detail-type": ["Scheduled Event"]}),
        )
        at(server, datetime(2026, 3, 2, 10, 1, 0, tzinfo=UTC))
        fire(server)
        assert times(delivered(server, url)) == ["2026-03-02T10:01:00Z"]
        assert delivered(server, pattern_url) == []


def stored_rule(server: InProcessServer, name: str) -> Rule:
    assert server.built is not None
    with server.built.store.read() as tx:
        rule = tx.events.get_rule(AccountId(server.account_id), "default", name)
    assert rule is not None
    return rule


def test_recording_a_fired_period_never_loses_a_concurrent_put_rule(tmp_path: Path) -> None:
    with InProcessServer(tmp_path / "data", clock=FakeClock(START)) as server:
        assert server.built is not None
        scheduler = server.built.scheduler
        assert scheduler is not None
        events = server.client("events")
        name, _, _ = scheduled_rule(server, "rate(5 minutes)")
        fired_as = stored_rule(server, name)
        period = datetime(2026, 3, 2, 10, 5, tzinfo=UTC)
        # A PutRule between queueing the event and recording it: its change stays.
        events.put_rule(Name=name, ScheduleExpression="rate(5 minutes)", Description="new")
        scheduler.record_fired(fired_as, period)
        after = stored_rule(server, name)
        assert after.description == "new"
        assert after.schedule_fired == period
        assert len(after.targets) == 1
        # A changed schedule starts anew: the old schedule's period is not recorded on it.
        changed_from = stored_rule(server, name)
        events.put_rule(Name=name, ScheduleExpression="rate(7 minutes)")
        scheduler.record_fired(changed_from, datetime(2026, 3, 2, 10, 10, tzinfo=UTC))
        assert stored_rule(server, name).schedule_fired is None
        assert events.describe_rule(Name=name)["ScheduleExpression"] == "rate(7 minutes)"


def test_a_queued_event_without_a_rule_decodes_as_before() -> None:
    event = {"id": "e-1", "detail": {}}
    old = json.dumps({"bus": "default", "event": event}).encode()  # before `rule` existed
    assert QueuedEvent.decode(old) == QueuedEvent("default", event)
    assert b'"rule"' not in QueuedEvent("default", event).encode()
    named = QueuedEvent("default", event, None, "tick")
    assert QueuedEvent.decode(named.encode()) == named
