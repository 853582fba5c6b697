"""Delivering queued events: every enabled rule of the bus whose pattern matches, every target.

    delivery queues (one per bus, fairly) -> the bus's enabled rules -> pattern matched
    -> per target: its input (Input, InputPath, InputTransformer, or the event)
       -> allowed? (the target's resource policy must let events.amazonaws.com in for this
          rule, as AWS requires: aws:SourceArn the rule's ARN)
       -> Lambda: queued as an asynchronous invocation (the function's own retries and
          destinations apply); SQS: sent to the queue
       -> refused or failed for good: the target's dead-letter queue, if any
       -> failed for now (throttled, a fault of the platform): queued again for that target
          alone, after a back-off, as its retry policy allows (retries.py); past its limits,
          the dead-letter queue
    -> the event is acknowledged

A schedule's event (scheduler.py) names its rule and goes to that rule's targets alone, by the
same path, if the rule is still enabled.

At least once: the event is acknowledged only after every target took it (or its dead-letter
queue did), so a crash delivers it again, possibly twice to some targets. A Lambda target is
an asynchronous invocation, as EventBridge's is, and continues the trace of whoever put the
event, so a function -> bus -> same function loop is stopped by the recursion guard.
"""

from __future__ import annotations

import asyncio
import collections
import enum
import functools
import json
import logging
import random
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

from stockade import policy
from stockade.clock import Clock
from stockade.domain.event_input import TargetInputError, input_path, parse_input_transformer
from stockade.domain.event_pattern import EventPattern, EventPatternError, parse_pattern
from stockade.domain.events import Rule, RuleState, RuleTarget
from stockade.domain.trace import TraceContext
from stockade.errors import ApiError
from stockade.policy import AttachedPolicy, AuthorizationRequest, PolicySet, RequestPrincipal
from stockade.services.events import retries
from stockade.services.events.names import rule_arn
from stockade.services.events.put_events import DELIVERY_PREFIX, QueuedEvent
from stockade.services.events.rule_counters import RuleCounters, RuleKey
from stockade.services.keyed_counters import KeyedCounters
from stockade.services.sqs import message_attributes
from stockade.store.ports import Store
from stockade.store.queue_ports import (
    OutgoingMessage,
    QueueEngine,
    QueueId,
    ReceivedMessage,
)
from stockade.types import AccountId

LOG = logging.getLogger(__name__)
EVENTS_PRINCIPAL = "events.amazonaws.com"
RECEIVE_WAIT_S = 1.0
RECEIVE_MAX = 10
LIST_EVERY_S = 1.0
RULES_PAGE = 500  # how often new buses' delivery queues are looked for
# Failures of the target's service that are worth trying again (EventBridge retries
# throttling and service faults; refusals are for good).
_RETRIABLE_CODES = frozenset(
    {"TooManyRequestsException", "ThrottlingException", "ServiceException", "ServiceUnavailable"}
)


class LambdaTargets(Protocol):
    """Where a Lambda target's event goes: the function's asynchronous invocation queue."""

    async def invoke_async(
        self, function_arn: str, payload: bytes, request_id: str, trace: TraceContext | None
    ) -> None: ...

    def function_policy(self, function_arn: str) -> AttachedPolicy | None: ...


class _Outcome(enum.Enum):
    """What became of one target's delivery of one event."""

    DELIVERED = "delivered"
    RETRIED = "retried"  # failed for now: queued again for later
    DEAD_LETTERED = "dead-lettered"  # failed for good; the dead-letter queue took it
    NOT_DEAD_LETTERED = "not-dead-lettered"  # failed for good; its dead-letter queue is gone
    DROPPED = "dropped"  # failed for good, and the target has no dead-letter queue


class DeliveryFailed(Exception):
    """A target that did not take the event: for good (its dead-letter queue gets it) or, if
    `retriable`, for now (tried again as its retry policy allows)."""

    def __init__(self, code: str, message: str, *, retriable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retriable = retriable


class EventDeliveries:
    def __init__(
        self,
        store: Store,
        queues: QueueEngine,
        functions: LambdaTargets,
        region: str,
        queue_policy: Callable[[QueueId], AttachedPolicy | None],
        clock: Clock,
        counters: KeyedCounters[RuleKey, RuleCounters] | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._counters = counters or KeyedCounters(RuleCounters)
        self._store = store
        self._queues = queues
        self._functions = functions
        self._region = region
        self._queue_policy = queue_policy
        self._clock = clock
        self._jitter = jitter
        self._stopping = False

    async def run(self) -> None:
        """Deliver until stopped: events fairly across every bus's delivery queue."""
        loop = asyncio.get_running_loop()
        queues: list[QueueId] = []
        listed_at = -LIST_EVERY_S
        while not self._stopping:
            if loop.time() - listed_at >= LIST_EVERY_S:
                queues = await asyncio.to_thread(self._delivery_queues)
                listed_at = loop.time()
            if not queues:
                await asyncio.sleep(RECEIVE_WAIT_S)
                continue
            try:
                received = await self._queues.receive_any(
                    queues, RECEIVE_MAX, wait_s=RECEIVE_WAIT_S
                )
                for message in received:
                    await self.deliver(message)
            except asyncio.CancelledError:
                raise
            except Exception:  # unacknowledged events come again after their visibility
                LOG.exception("event delivery round failed")
                await asyncio.sleep(RECEIVE_WAIT_S)

    async def stop(self) -> None:
        self._stopping = True

    def _delivery_queues(self) -> list[QueueId]:
        self.prune_counters()  # off the delivery path, once a listing round
        return self._queues.list_queues(None, DELIVERY_PREFIX)

    @property
    def counters(self) -> KeyedCounters[RuleKey, RuleCounters]:
        return self._counters

    def prune_counters(self) -> None:
        """Forget the counters of rules that no longer exist (deleted, or their bus was)."""
        counted = list(self._counters.snapshot())
        if not counted:
            return
        with self._store.read() as tx:
            kept = [k for k in counted if tx.events.get_rule(AccountId(k[0]), k[1], k[2])]
        self._counters.retain(kept)

    async def deliver(self, message: ReceivedMessage) -> None:
        queued = QueuedEvent.decode(message.body)
        account = AccountId(message.queue_id.account_id)
        rules = await asyncio.to_thread(self._matching_rules, account, queued)
        retry = queued.target is not None
        for rule in rules:
            arn = rule_arn(self._region, account, rule.bus, rule.name)
            tally = collections.Counter[_Outcome]()
            for target in rule.targets:
                if retry and target.target_id != queued.target:
                    continue  # a retry is for one target alone
                try:
                    await self._to_target(account, arn, rule, target, queued)
                    outcome = _Outcome.DELIVERED
                except DeliveryFailed as failure:
                    outcome = await self._failed(message.queue_id, arn, rule, target, queued,
                                                 failure)  # fmt: skip
                tally[outcome] += 1
            # One addition per rule and event (rule_counters.py names AWS's metrics). A retry
            # is counted as an invocation only once it succeeds or fails for good.
            failed = tally[_Outcome.DEAD_LETTERED] + tally[_Outcome.NOT_DEAD_LETTERED] + tally[
                _Outcome.DROPPED]  # fmt: skip
            self._counters.add(
                (account, rule.bus, rule.name),
                matched_events=int(queued.rule is None),  # a schedule's fire matches no event
                triggered_rules=int(not retry),
                invocations=tally[_Outcome.DELIVERED] + failed,
                failed_invocations=failed,
                invocations_sent_to_dlq=tally[_Outcome.DEAD_LETTERED],
                invocations_failed_to_be_sent_to_dlq=tally[_Outcome.NOT_DEAD_LETTERED],
                retry_invocation_attempts=sum(tally.values()) if retry else 0,
            )
        await self._queues.ack_async(message.queue_id, message.receipt_handle)

    async def _failed(
        self, queue: QueueId, arn: str, rule: Rule, target: RuleTarget, queued: QueuedEvent,
        failure: DeliveryFailed,
    ) -> _Outcome:  # fmt: skip
        if not failure.retriable:
            return await self._dead_letter(target, arn, queued, failure, None)
        now = self._clock.now()
        first = now if queued.first_attempt is None else datetime.fromisoformat(
            queued.first_attempt)  # fmt: skip
        step = retries.after_failure(target.retry, queued.retries, first, now, self._jitter)
        if isinstance(step, retries.GiveUp):
            return await self._dead_letter(target, arn, queued, failure, step.condition)
        again = QueuedEvent(queued.bus, queued.event, queued.trace, rule.name, target.target_id,
                            queued.retries + 1, first.isoformat())  # fmt: skip
        # Queued before this event is acknowledged: a crash in between delivers it twice,
        # never not at all.
        await self._queues.send_async(queue, [OutgoingMessage(again.encode(), b"", step.delay_s)])
        return _Outcome.RETRIED

    def _matching_rules(self, account: AccountId, queued: QueuedEvent) -> list[Rule]:
        if queued.rule is not None:  # a schedule's event or a retry: that rule alone, if enabled
            with self._store.read() as tx:
                rule = tx.events.get_rule(account, queued.bus, queued.rule)
            return [] if rule is None or rule.state is RuleState.DISABLED else [rule]
        matching = []
        for rule in self._rules_of(account, queued.bus):
            if rule.state is RuleState.DISABLED or rule.event_pattern is None:
                continue
            try:
                pattern = _pattern(rule.event_pattern)
            except EventPatternError:
                continue  # stored patterns parsed when put: a bug if reached
            if pattern.matches(queued.event):
                matching.append(rule)
        return matching

    def _rules_of(self, account: AccountId, bus: str) -> list[Rule]:
        """Every rule of the bus, page by page (none is left out, however many there are)."""
        found: list[Rule] = []
        with self._store.read() as tx:
            while True:  # bounded: each page moves past the last name read
                page = tx.events.rules(account, bus, "", found[-1].name if found else "",
                                       RULES_PAGE)  # fmt: skip
                found.extend(page)
                if len(page) < RULES_PAGE:
                    return found

    async def _to_target(
        self, account: str, arn: str, rule: Rule, target: RuleTarget, queued: QueuedEvent
    ) -> None:
        try:
            await self._deliver_to(account, arn, rule, target, queued)
        except DeliveryFailed:
            raise
        except ApiError as refused:
            retriable = refused.code in _RETRIABLE_CODES or refused.http_status >= 500
            raise DeliveryFailed(refused.code, refused.message, retriable=retriable) from None
        except asyncio.CancelledError:
            raise
        except Exception:  # a fault of the platform (store, queue engine): worth a retry
            LOG.exception("delivering an event to a target failed")
            raise DeliveryFailed(
                "INTERNAL_ERROR", "The event could not be delivered to the target.",
                retriable=True,
            ) from None  # fmt: skip

    async def _deliver_to(
        self, account: str, arn: str, rule: Rule, target: RuleTarget, queued: QueuedEvent
    ) -> None:
        payload = _target_input(target, queued.event, arn, rule.name)
        kind = target.arn.split(":")[2]
        if kind == "lambda":
            self._allowed(target.arn, "lambda:InvokeFunction", arn, account,
                          self._functions.function_policy(target.arn))  # fmt: skip
            await self._functions.invoke_async(target.arn, payload, queued.event["id"],
                                               queued.trace)  # fmt: skip
        elif kind == "sqs":
            queue = _queue_of(target.arn)
            self._allowed(target.arn, "sqs:SendMessage", arn, account, self._queue_policy(queue))
            if self._queues.get_queue(queue) is None:
                raise DeliveryFailed("SQS.NonExistentQueue", "The queue does not exist.")
            await self._queues.send_async(queue, [OutgoingMessage(payload, b"", None)])
        else:  # refused when the target was put: a bug if reached
            raise DeliveryFailed("UnsupportedTarget", "Stockade cannot deliver to this target.")

    def _allowed(
        self, resource: str, action: str, source_arn: str, account: str,
        found: AttachedPolicy | None,
    ) -> None:  # fmt: skip
        """EventBridge reaches a target only where the target's policy lets the service in
        for this rule (AWS: "resource-based policies" for Lambda and SQS targets)."""
        request = AuthorizationRequest(
            RequestPrincipal.service(EVENTS_PRINCIPAL),
            action,
            resource,
            resource.split(":")[4],
            {"aws:SourceArn": (source_arn,), "aws:SourceAccount": (account,)},
        )
        outcome = policy.evaluate(request, PolicySet(resource=found))
        if not outcome.allowed:
            raise DeliveryFailed(
                "NO_PERMISSIONS",
                f"EventBridge is not allowed to perform {action} on {resource} for {source_arn}.",
            )

    async def _dead_letter(
        self, target: RuleTarget, arn: str, queued: QueuedEvent, failure: DeliveryFailed,
        exhausted: str | None,
    ) -> _Outcome:  # fmt: skip
        if target.dead_letter_arn is None:
            LOG.info("an event was not delivered to a target and has no dead-letter queue: %s",
                     failure.code)  # fmt: skip
            return _Outcome.DROPPED
        queue = _queue_of(target.dead_letter_arn)
        if self._queues.get_queue(queue) is None:
            LOG.info("an event's dead-letter queue does not exist")
            return _Outcome.NOT_DEAD_LETTERED
        # AWS's dead-letter messages carry the event and why it was not delivered.
        body = json.dumps(queued.event, separators=(",", ":")).encode()
        why = {
            "ERROR_CODE": failure.code,
            "ERROR_MESSAGE": failure.message,
            "RULE_ARN": arn,
            "TARGET_ARN": target.arn,
            "RETRY_ATTEMPTS": str(queued.retries),
        }
        if exhausted is not None:  # AWS names the limit only when one ended the retries
            why["EXHAUSTED_RETRY_CONDITION"] = exhausted
        await self._queues.send_async(queue, [OutgoingMessage(body, _attributes(why), None)])
        return _Outcome.DEAD_LETTERED


def _target_input(target: RuleTarget, event: Mapping[str, Any], arn: str, rule_name: str) -> bytes:
    if target.input is not None:
        return target.input.encode()
    if target.input_path is not None:
        return json.dumps(input_path(event, target.input_path)).encode()
    if target.input_transformer is not None:
        transformer = parse_input_transformer(
            target.input_transformer.paths, target.input_transformer.template
        )
        try:
            return transformer.render(event, arn, rule_name, event.get("time", "")).encode()
        except TargetInputError as exc:
            raise DeliveryFailed("INVALID_INPUT", "The transformed input is not valid.") from exc
    return json.dumps(event, separators=(",", ":")).encode()


def _queue_of(arn: str) -> QueueId:
    parts = arn.split(":", 5)
    return QueueId(parts[4], parts[5])


def _attributes(values: Mapping[str, str]) -> bytes:
    typed = {k: {"DataType": "String", "StringValue": v} for k, v in values.items()}
    return message_attributes.encode(typed, EVENTS_PRINCIPAL, None)


@functools.lru_cache(maxsize=4096)
def _pattern(text: str) -> EventPattern:
    """A stored rule's pattern, parsed once per distinct text (not once per event)."""
    return parse_pattern(text)
