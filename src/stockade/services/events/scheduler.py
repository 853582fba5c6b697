"""Scheduled rules fire: once per period of their `ScheduleExpression`, across restarts.

    every ~second (real time), on the injectable clock's `now`:
    every enabled rule with a schedule on the default bus (every account)
    -> its period now (`Schedule.period_of(now, anchor)`); none yet, or already fired: nothing
    -> one event in EventBridge's scheduled-event envelope ("Scheduled Event", "aws.events",
       `resources` the rule's ARN, `detail` {}, `time` the period's fire time), durably queued
       on the default bus's delivery queue naming the rule (delivery.py sends it to that
       rule's targets only)
    -> then the period is recorded on the rule as fired

At least once: a crash between queueing and recording fires that period again. Once per
period: a period is fired only if later than the recorded one, and after downtime only the
period the scheduler wakes up in is due, not every period slept through. Recording re-reads the
rule in its own write and changes only `schedule_fired`, and only if the rule still has the
schedule (expression and anchor) that fired: a PutRule, EnableRule or DisableRule meanwhile is
never overwritten. Rounds never overlap (one lock), so two rounds never fire the same period.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from stockade.clock import Clock
from stockade.domain.events import DEFAULT_BUS, Rule, RuleState
from stockade.domain.schedule_expression import ScheduleExpressionError, parse_schedule
from stockade.services.events.names import rule_arn
from stockade.services.events.put_events import DELIVERY_SETTINGS, QueuedEvent, delivery_queue
from stockade.store.ports import Store
from stockade.store.queue_ports import OutgoingMessage, QueueEngine, QueueId
from stockade.types import AccountId

LOG = logging.getLogger(__name__)
ROUND_INTERVAL_S = 1.0
_PAGE = 500
_PAGES_MAX = 10_000  # a bound on one round's walk (five million rules)


def anchor_of(rule: Rule) -> datetime | None:
    """When the rule's schedule started: set when it last changed or was enabled, else the
    rule's creation."""
    return rule.schedule_anchor or rule.created


def due_period(rule: Rule, now: datetime) -> datetime | None:
    """The period to fire for `rule` at `now`, or None (disabled, no schedule, not begun, or
    already fired)."""
    anchor = anchor_of(rule)
    if rule.state is RuleState.DISABLED or rule.schedule_expression is None or anchor is None:
        return None
    try:
        period = parse_schedule(rule.schedule_expression).period_of(now, anchor)
    except ScheduleExpressionError:  # parsed when put: a bug if reached
        return None
    if period is None or (rule.schedule_fired is not None and period <= rule.schedule_fired):
        return None
    return period


def scheduled_event(rule: Rule, region: str, period: datetime) -> dict[str, Any]:
    """EventBridge's scheduled-event envelope (user guide, "eb-run-lambda-schedule")."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": rule.account_id,
        "time": period.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [rule_arn(region, rule.account_id, rule.bus, rule.name)],
        "detail": {},
    }


class EventScheduler:
    def __init__(self, store: Store, queues: QueueEngine, clock: Clock, region: str) -> None:
        self._store = store
        self._queues = queues
        self._clock = clock
        self._region = region
        self._lock = asyncio.Lock()
        self._ready: set[QueueId] = set()  # delivery queues known to exist
        self._stopping = False

    async def run(self) -> None:
        """A round about every second until stopped."""
        while not self._stopping:
            try:
                await self.fire_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # nothing recorded for what failed: the next round fires it
                LOG.exception("schedule round failed")
            await asyncio.sleep(ROUND_INTERVAL_S)

    async def stop(self) -> None:
        self._stopping = True

    async def fire_due(self) -> int:
        """One round at the clock's now: fires every due period; how many fired."""
        async with self._lock:
            now = self._clock.now()
            due = await asyncio.to_thread(self._due, now)
            for rule, period in due:
                await self._fire(rule, period)
            return len(due)

    def _due(self, now: datetime) -> list[tuple[Rule, datetime]]:
        due: list[tuple[Rule, datetime]] = []
        after = ("", "")
        for _ in range(_PAGES_MAX):
            with self._store.read() as tx:
                page = tx.events.rules_of_every_account(DEFAULT_BUS, after, _PAGE)
            for rule in page:
                period = due_period(rule, now)
                if period is not None:
                    due.append((rule, period))
            if len(page) < _PAGE:
                break
            after = (page[-1].account_id, page[-1].name)
        return due

    async def _fire(self, rule: Rule, period: datetime) -> None:
        queue = delivery_queue(rule.account_id, DEFAULT_BUS)
        if queue not in self._ready:  # create_queue is idempotent for equal settings
            await asyncio.to_thread(self._queues.create_queue, queue, DELIVERY_SETTINGS)
            self._ready.add(queue)
        event = scheduled_event(rule, self._region, period)
        queued = QueuedEvent(DEFAULT_BUS, event, None, rule.name)
        await self._queues.send_async(queue, [OutgoingMessage(queued.encode(), b"", 0)])
        await asyncio.to_thread(self.record_fired, rule, period)

    def record_fired(self, fired: Rule, period: datetime) -> None:
        """Records `period` as fired on the rule `fired` was read as, changing nothing else."""
        with self._store.write() as tx:
            current = tx.events.get_rule(AccountId(fired.account_id), fired.bus, fired.name)
            if (
                current is None
                or current.schedule_expression != fired.schedule_expression
                or anchor_of(current) != anchor_of(fired)
                or (current.schedule_fired is not None and current.schedule_fired >= period)
            ):
                return  # deleted, or its schedule started anew: the new one has its own periods
            tx.events.put_rule(replace(current, schedule_fired=period))
