"""Asynchronous invocation: durable acceptance, fair pollers, retries, age limits, destinations.

`accept` stores the event in the function's internal queue (through the queue engine, so the
202 is sent only after the commit) and returns. `AsyncPoller` takes events round-robin across
every function's queue (one noisy function cannot starve the others) and runs them through the
same path as synchronous calls. Outcomes, as Lambda documents them:

* success → the OnSuccess destination, if any;
* a function error → retried up to MaximumRetryAttempts (default 2) with backoff; then the
  OnFailure destination, else the function's dead-letter queue;
* throttled (concurrency) or a platform error → the event waits and is retried, without using
  an attempt, until its maximum age (default 6 h);
* older than MaximumEventAgeInSeconds → dropped to the failure path without running.

Delivery is at least once: a crash between running an event and acknowledging it runs it
again once its visibility timeout passes. Retries are new messages (with the attempt count and
a delay) sent before the old one is acknowledged, so a crash there can only duplicate.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from stockade.domain.arn import LATEST
from stockade.domain.event_invoke import EventInvokeConfig
from stockade.domain.function import Function, FunctionVersion
from stockade.domain.trace import CallerTrace, TraceContext
from stockade.sandbox import InvocationResult
from stockade.services.lambda_ import names
from stockade.services.lambda_.errors import (
    InvalidParameterValueError,
    KmsKeyError,
    ResourceNotFoundError,
    ResourceNotReadyError,
    TooManyRequestsError,
)
from stockade.services.lambda_.invoke import Invoker
from stockade.store.queue_ports import (
    OutgoingMessage,
    QueueEngine,
    QueueEngineError,
    QueueId,
    QueueSettings,
    ReceivedMessage,
)
from stockade.types import AccountId

_log = logging.getLogger(__name__)

QUEUE_PREFIX = "__stockade_async/"
FIRST_VISIBILITY_S = 30  # extended to the function's timeout once an event starts running
THROTTLE_BACKOFF_MAX_S = 60
PAUSED_POLL_S = 5.0
# The destination record's condition for an event stopped by recursive loop detection (AWS
# documents the DLQ/on-failure delivery, not the condition's value: this one is Stockade's).
RECURSION_CONDITION = "RecursiveInvocationException"
AttributeEncoder = Callable[[Mapping[str, str]], bytes]


def queue_of(account_id: str, function_name: str) -> QueueId:
    return QueueId(account_id, f"{QUEUE_PREFIX}{function_name}")


@dataclass(frozen=True)
class Event:
    request_id: str
    account_id: str
    function_name: str
    qualifier: str | None
    invoked_arn: str
    payload: bytes = field(repr=False)  # tenant data: never in logs or reprs
    enqueued_ms: int
    attempt: int = 0  # function errors so far
    tenant_id: str | None = None  # a tenant-isolated function's invocations keep their tenant
    trace: TraceContext | None = None  # host-side: its lineage counts the chain's hops

    def encode(self) -> bytes:
        return json.dumps(
            {
                **({} if self.trace is None else {"trace": self.trace.encode()}),
                "requestId": self.request_id,
                "accountId": self.account_id,
                "functionName": self.function_name,
                "qualifier": self.qualifier,
                "invokedArn": self.invoked_arn,
                "payload": base64.b64encode(self.payload).decode(),
                "enqueuedMs": self.enqueued_ms,
                "attempt": self.attempt,
                **({"tenantId": self.tenant_id} if self.tenant_id is not None else {}),
            }
        ).encode()

    @classmethod
    def decode(cls, data: bytes) -> Event:
        raw = json.loads(data)
        return cls(
            request_id=raw["requestId"],
            account_id=raw["accountId"],
            function_name=raw["functionName"],
            qualifier=raw["qualifier"],
            invoked_arn=raw["invokedArn"],
            payload=base64.b64decode(raw["payload"]),
            enqueued_ms=raw["enqueuedMs"],
            attempt=raw["attempt"],
            tenant_id=raw.get("tenantId"),  # events queued before tenancy existed have none
            trace=TraceContext.decode(raw["trace"]) if "trace" in raw else None,
        )


class AsyncInvocations:
    def __init__(
        self,
        invoker: Invoker,
        engine: QueueEngine,
        region: str,
        encode_attributes: AttributeEncoder,
        *,
        retry_base_delay_s: float = 60.0,
        workers: int = 64,
    ) -> None:
        self._invoker = invoker
        self._engine = engine
        self._region = region
        self._encode_attributes = encode_attributes
        self._retry_base_s = retry_base_delay_s
        self._workers = asyncio.Semaphore(workers)
        self._queues: set[QueueId] = set()
        # Queues of functions whose reserved concurrency is 0 (checked on each refresh): polled
        # only every PAUSED_POLL_S, for events past their maximum age, instead of taking every
        # new event at once only to put it back.
        self._paused: dict[QueueId, names.Target] = {}
        self._stopping = False
        self._tasks: set[asyncio.Task[None]] = set()

    # -- acceptance ---------------------------------------------------------------------------
    async def accept(
        self,
        target: names.Target,
        payload: bytes,
        request_id: str,
        tenant_id: str | None = None,
        trace: TraceContext | None = None,
    ) -> None:
        """Durably queue the event (with its tenant and trace); returns once it is committed."""
        queue = queue_of(target.account_id, target.name)
        event = Event(
            request_id=request_id,
            account_id=target.account_id,
            function_name=target.name,
            qualifier=target.qualifier,
            invoked_arn=target.arn,
            payload=payload,
            enqueued_ms=_now_ms(),
            tenant_id=tenant_id,
            trace=trace,
        )
        await self._send(queue, OutgoingMessage(event.encode()))
        self._invoker.counters.async_received(
            (target.account_id, target.name, target.qualifier or LATEST)
        )

    async def _send(self, queue: QueueId, message: OutgoingMessage) -> None:
        if queue not in self._queues:
            await asyncio.to_thread(
                self._engine.create_queue,
                queue,
                QueueSettings(visibility_timeout_s=FIRST_VISIBILITY_S, retention_s=14 * 86400),
            )
            self._queues.add(queue)
        await self._engine.send_async(queue, [message])

    # -- polling -----------------------------------------------------------------------------
    async def run(self) -> None:
        """Take events fairly across all functions' queues until `stop`."""
        refreshed = paused_polled = 0.0
        while not self._stopping:
            if time.monotonic() - refreshed > 1.0:
                self._queues |= set(
                    await asyncio.to_thread(self._engine.list_queues, None, QUEUE_PREFIX)
                )
                if self._paused:
                    for queue in await asyncio.to_thread(self._lifted, dict(self._paused)):
                        self._paused.pop(queue, None)
                refreshed = time.monotonic()
            if time.monotonic() - paused_polled > PAUSED_POLL_S:
                polled = sorted(self._queues)
                paused_polled = time.monotonic()
            else:
                polled = sorted(self._queues - self._paused.keys())
            if not polled:
                await asyncio.sleep(0.2)
                continue
            await self._workers.acquire()
            try:
                batch = await self._engine.receive_any(polled, 1, wait_s=1.0)
            except Exception:
                self._workers.release()
                _log.exception("async poller could not receive")
                await asyncio.sleep(1.0)
                continue
            if not batch:
                self._workers.release()
                continue
            task = asyncio.get_running_loop().create_task(self._handle(batch[0]))
            self._tasks.add(task)
            task.add_done_callback(self._done)

    def _lifted(self, paused: Mapping[QueueId, names.Target]) -> list[QueueId]:
        lifted = []
        with self._invoker.deps.store.read() as tx:
            for queue, target in paused.items():
                function = tx.functions.get(target.account_id, target.name)
                if function is None or function.reserved_concurrency != 0:
                    lifted.append(queue)
        return lifted

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._workers.release()
        if not task.cancelled() and task.exception() is not None:
            _log.error("async event handling failed: %s", type(task.exception()).__name__)

    async def stop(self) -> None:
        self._stopping = True
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)

    # -- one event ---------------------------------------------------------------------------
    async def _handle(self, message: ReceivedMessage) -> None:
        try:
            event = Event.decode(message.body)
        except (ValueError, KeyError):
            _log.error("dropping an undecodable async event %s", message.message_id)
            await self._engine.ack_async(message.queue_id, message.receipt_handle)
            return
        try:
            loaded = await asyncio.to_thread(self._load, event)
        except ResourceNotFoundError:  # the function (or qualifier) is gone: nothing to run
            await self._engine.ack_async(message.queue_id, message.receipt_handle)
            return
        function, version, reserved_total = loaded
        config = _config_for(function, event.qualifier)
        key = (event.account_id, event.function_name, version.version)
        age_ms = _now_ms() - event.enqueued_ms
        self._invoker.counters.async_age(key, age_ms)
        if age_ms > config.max_age_s * 1000:
            self._invoker.counters.dropped(key)
            await self._fail(event, version, config, "EventAgeExceeded", None)
            await self._engine.ack_async(message.queue_id, message.receipt_handle)
            return
        # Throttled or no capacity: wait and try again, without using an attempt; back off,
        # but look again when the event reaches its maximum age.
        backoff = min(
            THROTTLE_BACKOFF_MAX_S,
            2 ** min(message.receive_count, 6),
            max(1, (config.max_age_s * 1000 - age_ms) // 1000 + 1),
        )
        if function.reserved_concurrency == 0:  # disabled: hold events until it is lifted
            self._invoker.counters.throttled(key)
            self._paused[message.queue_id] = names.Target(
                AccountId(event.account_id), event.function_name, None, self._region
            )
            await self._hold(message, backoff)
            return
        guard = self._invoker.recursion
        if guard.stops(event.trace, function):  # past the hop limit: dropped, not run
            assert event.trace is not None
            guard.stopped(key, version.config.log_group, event.request_id, event.trace)
            await self._fail(event, version, config, RECURSION_CONDITION, None)
            await self._engine.ack_async(message.queue_id, message.receipt_handle)
            return
        await self._hold(message, version.config.timeout + 30)  # while it runs
        try:
            result = await self._invoker.execute(
                event.invoked_arn, version, function, reserved_total, event.payload,
                request_id=event.request_id, tenant_id=event.tenant_id,
                trace=event.trace,
            )  # fmt: skip
        except InvalidParameterValueError:
            # The event's tenant does not fit the function's mode (e.g. a destination record
            # for a tenant-isolated function): it can never run, so it is not retried.
            self._invoker.counters.dropped(key)
            _log.warning("dropping an async event of %s: tenant mismatch", event.function_name)
            await self._engine.ack_async(message.queue_id, message.receipt_handle)
            return
        except (TooManyRequestsError, ResourceNotReadyError, KmsKeyError):
            # (a key that cannot open the variables is a system error: retried until max age)
            await self._hold(message, backoff)
            return
        if result.function_error is None:
            await self._succeed(event, version, config, result)
        elif event.attempt < config.retries:
            retry = Event(**{**event.__dict__, "attempt": event.attempt + 1})
            delay = int(self._retry_base_s * (event.attempt + 1))  # Lambda: 1 min, then 2 min
            await self._engine.send_async(
                message.queue_id, [OutgoingMessage(retry.encode(), delay_s=min(delay, 900))]
            )
        else:
            await self._fail(event, version, config, "RetriesExhausted", result)
        await self._engine.ack_async(message.queue_id, message.receipt_handle)

    async def _hold(self, message: ReceivedMessage, seconds: int) -> None:
        with contextlib.suppress(QueueEngineError):
            await self._engine.change_visibility_async(
                message.queue_id, message.receipt_handle, seconds
            )

    def _load(self, event: Event) -> tuple[Function, FunctionVersion, int]:
        invoker = self._invoker
        target = names.Target(
            AccountId(event.account_id), event.function_name, event.qualifier, self._region
        )
        store = invoker.deps.store
        with store.read() as tx:
            version, _ = names.load_version(tx, target)
            function = names.load_function(tx, target)
            reserved_total = invoker.gate.reserved_total(store, target.account_id)
        return function, version, reserved_total

    async def _succeed(
        self,
        event: Event,
        version: FunctionVersion,
        config: EventInvokeConfig,
        result: InvocationResult,
    ) -> None:
        if config.on_success:
            record = _record(event, version, "Success", result)
            await self._deliver(config.on_success, record, event)

    async def _fail(
        self,
        event: Event,
        version: FunctionVersion,
        config: EventInvokeConfig,
        condition: str,
        result: InvocationResult | None,
    ) -> None:
        key = (event.account_id, event.function_name, version.version)
        if config.on_failure:
            await self._deliver(
                config.on_failure, _record(event, version, condition, result), event
            )
            return
        dlq = version.config.dead_letter_arn
        if dlq is None:
            return
        error_code = "200" if result is not None else condition
        message = result.payload.decode(errors="replace") if result is not None else condition
        attributes = {
            "RequestID": event.request_id,
            "ErrorCode": error_code,
            "ErrorMessage": _error_message(message),
        }
        try:
            await self._send_to_queue(
                dlq, OutgoingMessage(event.payload, self._encode_attributes(attributes))
            )
        except (QueueEngineError, ValueError):
            self._invoker.counters.dead_letter_error(key)
            _log.warning("could not deliver to the dead-letter queue of %s", event.function_name)

    async def _deliver(self, destination: str, record: dict[str, Any], event: Event) -> None:
        body = json.dumps(record).encode()
        key = (event.account_id, event.function_name, event.qualifier or LATEST)
        try:
            if destination.split(":")[2] == "sqs":
                await self._send_to_queue(destination, OutgoingMessage(body))
            else:
                target = names.Target(
                    AccountId(destination.split(":")[4]),
                    destination.split(":")[6],
                    destination.split(":")[7] if destination.count(":") >= 7 else None,
                    self._region,
                )
                # The destination's run continues the event's chain (and counts a hop).
                caller = CallerTrace(from_environment=True, trace=event.trace)
                unqualified = names.Target(target.account_id, target.name, None, self._region)
                trace = self._invoker.recursion.trace_for(caller, unqualified.arn)
                await self.accept(target, body, self._invoker.new_request_id(), trace=trace)
        except (QueueEngineError, ValueError, IndexError):
            self._invoker.counters.dead_letter_error(key)
            _log.warning("could not deliver a destination record of %s", event.function_name)

    async def _send_to_queue(self, arn: str, message: OutgoingMessage) -> None:
        parts = arn.split(":")
        if len(parts) != 6 or parts[2] != "sqs":
            raise ValueError("not a queue ARN")
        await self._engine.send_async(QueueId(parts[4], parts[5]), [message])


def _config_for(function: Function, qualifier: str | None) -> EventInvokeConfig:
    found = function.event_invoke_configs.get(qualifier or LATEST)
    return found or EventInvokeConfig(qualifier or LATEST, datetime.now(UTC))


def _record(
    event: Event, version: FunctionVersion, condition: str, result: InvocationResult | None
) -> dict[str, Any]:
    """Lambda's destination record."""
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestContext": {
            "requestId": event.request_id,
            "functionArn": event.invoked_arn
            if event.qualifier
            else f"{event.invoked_arn}:{LATEST}",
            "condition": condition,
            "approximateInvokeCount": event.attempt + (1 if result is not None else 0),
        },
        "requestPayload": _json_or_text(event.payload),
    }
    if result is not None:
        context: dict[str, Any] = {"statusCode": 200, "executedVersion": version.version}
        if result.function_error:
            context["functionError"] = result.function_error
        record["responseContext"] = context
        record["responsePayload"] = _json_or_text(result.payload)
    return record


def _json_or_text(data: bytes) -> Any:
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return data.decode(errors="replace")


def _error_message(payload: str) -> str:
    try:
        message = json.loads(payload).get("errorMessage", payload)
    except (ValueError, AttributeError):
        message = payload
    return str(message)[:1024]


def _now_ms() -> int:
    return int(time.time() * 1000)
