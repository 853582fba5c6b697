"""The pollers that run functions from queues, and the supervisor that keeps them in step.

    supervisor (every second): settle transitional states (Creating -> Enabled, ...), start a
    poller for each enabled mapping, restart it when its settings change, stop it otherwise
    poller: receive a batch (BatchSize, within MaximumBatchingWindowInSeconds and Lambda's
    6 MB) -> drop what the filters do not match (deleted, as Lambda does) -> invoke the
    function with {"Records": [...]} -> delete what succeeded

Delivery is at least once: a message is deleted only after the function succeeded with it, so
a crash, a timeout or a function error leaves it in the queue, visible again after the queue's
visibility timeout, and the queue's redrive policy moves it to its dead-letter queue after
maxReceiveCount receives. With `ReportBatchItemFailures` only the items the function names
return (Lambda developer guide, services-sqs-errorhandling): an answer that is not such a
report, or that names an item not in the batch, fails the whole batch. A mapping's batches run
at most `ScalingConfig.MaximumConcurrency` at a time (default: DEFAULT_CONCURRENCY), and every
invocation passes the account's and the function's concurrency limits like any other.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from stockade.domain import limits
from stockade.domain.event_pattern import EventPattern, parse_pattern
from stockade.domain.event_source_mapping import (
    REPORT_BATCH_ITEM_FAILURES,
    TRANSITIONAL,
    EventSourceMapping,
)
from stockade.domain.function import Function, FunctionVersion
from stockade.domain.sqs_filtering import keeps
from stockade.domain.trace import CallerTrace, TraceContext
from stockade.sandbox import InvocationResult
from stockade.services.keyed_counters import KeyedCounters
from stockade.services.lambda_ import names
from stockade.services.lambda_.errors import (
    ResourceNotFoundError,
    ResourceNotReadyError,
    TooManyRequestsError,
)
from stockade.services.lambda_.esm_criteria import KEY_RETRY_S, SealedCriteria
from stockade.services.lambda_.invoke import Invoker
from stockade.services.lambda_.invoke_target import invoke_target
from stockade.services.lambda_.mapping_counters import MappingCounters, MappingKey
from stockade.services.lambda_.sqs_records import record
from stockade.services.sqs.message_attributes import host_trace
from stockade.store.queue_ports import (
    OutgoingMessage,
    QueueEngine,
    QueueEngineError,
    QueueId,
    ReceivedMessage,
)

LOG = logging.getLogger(__name__)
SUPERVISE_INTERVAL_S = 1.0
RECEIVE_WAIT_S = 1.0  # long polling, kept short so a stopped poller ends soon
RECEIVE_MAX = 10  # SQS's most messages per receive
DEFAULT_CONCURRENCY = 5  # batches at a time without MaximumConcurrency (Lambda starts at 5)
THROTTLED_BACKOFF_S = 1.0


@dataclass(frozen=True)
class _Settings:
    """What a running poller was started with: a change restarts it."""

    function_arn: str
    event_source_arn: str
    batch_size: int
    window_s: int
    filters: tuple[str, ...]
    response_types: tuple[str, ...]
    max_concurrency: int | None
    sealed_filters: str | None

    @classmethod
    def of(cls, m: EventSourceMapping) -> _Settings:
        return cls(m.function_arn, m.event_source_arn, m.batch_size, m.window_s, m.filters,
                   m.response_types, m.max_concurrency, m.sealed_filters)  # fmt: skip


class EventSourcePollers:
    def __init__(
        self,
        invoker: Invoker,
        queues: QueueEngine,
        counters: KeyedCounters[MappingKey, MappingCounters] | None = None,
    ) -> None:
        self._invoker = invoker
        self._queues = queues
        self._counters = counters or KeyedCounters(MappingCounters)
        self._running: dict[str, tuple[_Settings, asyncio.Task[None]]] = {}
        self._finishing: set[asyncio.Task[None]] = set()
        self._stopping = False

    async def run(self) -> None:
        """Supervise until cancelled."""
        while not self._stopping:
            try:
                await self.supervise()
            except Exception:  # the next round tries again; pollers keep running meanwhile
                LOG.exception("event source mapping supervision failed")
            await asyncio.sleep(SUPERVISE_INTERVAL_S)

    async def supervise(self) -> None:
        """One round: settle states, start, restart and stop pollers."""
        mappings = await asyncio.to_thread(self._settle_all)
        self._counters.retain((m.uuid,) for m in mappings)  # a deleted mapping's go away
        wanted = {m.uuid: m for m in mappings if m.polls}
        for uuid, (settings, task) in list(self._running.items()):
            mapping = wanted.get(uuid)
            if mapping is None or _Settings.of(mapping) != settings or task.done():
                await self._stop(uuid)
        for uuid, mapping in wanted.items():
            if uuid not in self._running:
                task = asyncio.create_task(_Poller(self, mapping).run())
                self._running[uuid] = (_Settings.of(mapping), task)

    async def stop(self) -> None:
        self._stopping = True
        for uuid in list(self._running):
            await self._stop(uuid)
        for task in list(self._finishing):
            task.cancel()

    def adopt(self, batches: set[asyncio.Task[None]]) -> None:
        """Batches of a stopped poller, left to finish."""
        for task in batches:
            if not task.done():
                self._finishing.add(task)
                task.add_done_callback(self._finishing.discard)

    async def _stop(self, uuid: str) -> None:
        _, task = self._running.pop(uuid)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task

    def _settle_all(self) -> list[EventSourceMapping]:
        store = self._invoker.deps.store
        with store.read() as tx:
            mappings = tx.event_source_mappings.all()
        settled = []
        for mapping in mappings:
            if mapping.state in TRANSITIONAL:
                mapping_now = self._settle(mapping)
                if mapping_now is not None:
                    settled.append(mapping_now)
            else:
                settled.append(mapping)
        return settled

    def _settle(self, mapping: EventSourceMapping) -> EventSourceMapping | None:
        """Write the settled state, unless the mapping changed since it was read."""
        with self._invoker.deps.store.write() as tx:
            current = tx.event_source_mappings.get(mapping.uuid)
            if current != mapping:
                return current  # changed meanwhile: the next round settles that change
            after = mapping.settled()
            if after is None:
                tx.event_source_mappings.delete(mapping.uuid)
            else:
                tx.event_source_mappings.put(after)
            return after

    # -- what pollers share ---------------------------------------------------------------------
    @property
    def invoker(self) -> Invoker:
        return self._invoker

    @property
    def queues(self) -> QueueEngine:
        return self._queues

    @property
    def counters(self) -> KeyedCounters[MappingKey, MappingCounters]:
        return self._counters


class _Poller:
    """One mapping's polling loop; up to its concurrency of batches run at once."""

    def __init__(self, owner: EventSourcePollers, mapping: EventSourceMapping) -> None:
        self._owner = owner
        self._mapping = mapping
        self._queue = QueueId(mapping.queue_account, mapping.queue_name)
        self._patterns: tuple[EventPattern, ...] = tuple(parse_pattern(p) for p in mapping.filters)
        self._criteria = SealedCriteria(owner.invoker.deps, mapping)
        self._slots = asyncio.Semaphore(mapping.max_concurrency or DEFAULT_CONCURRENCY)
        self._batches: set[asyncio.Task[None]] = set()
        region = owner.invoker.deps.region
        self._target = names.target_of_arn(mapping.function_arn, region)
        self._region = region
        self._key: MappingKey = (mapping.uuid,)

    def _count(self, **deltas: int) -> None:
        self._owner.counters.add(self._key, **deltas)

    async def run(self) -> None:
        try:
            while True:  # until cancelled by the supervisor
                patterns = await self._criteria.patterns()
                if patterns is None:  # its key cannot be used now: nothing is received
                    await asyncio.sleep(KEY_RETRY_S)
                    continue
                self._patterns = patterns
                await self._slots.acquire()
                try:
                    batch = await self._collect()
                except BaseException:
                    self._slots.release()
                    raise
                if not batch:
                    self._slots.release()
                    continue
                task = asyncio.create_task(self._run_batch(batch))
                self._batches.add(task)
                task.add_done_callback(self._batches.discard)
        finally:
            # A restarted poller (its mapping changed) lets its running batches finish; the
            # server's stop cancels them (their messages then return after the visibility
            # timeout).
            self._owner.adopt(self._batches)

    async def _collect(self) -> list[ReceivedMessage]:
        """Up to BatchSize messages, waiting up to the batching window for more, within
        Lambda's 6 MB payload; matched by the filters (the rest deleted)."""
        mapping = self._mapping
        loop = asyncio.get_running_loop()
        deadline = loop.time() + mapping.window_s
        batch: list[ReceivedMessage] = []
        size = 0
        for _ in range(mapping.batch_size):  # bounded: every round receives at least one
            wanted = min(RECEIVE_MAX, mapping.batch_size - len(batch))
            wait = max(0.0, min(RECEIVE_WAIT_S, deadline - loop.time())) if batch else (
                RECEIVE_WAIT_S)  # fmt: skip
            received = await self._owner.queues.receive(self._queue, wanted, wait_s=wait)
            if not received:
                break
            kept, unmatched = self._filtered(received)
            self._count(polled_event_count=len(received), filtered_out_event_count=len(unmatched))
            if unmatched:
                await self._delete(unmatched)
            overflow: list[ReceivedMessage] = []
            for message in kept:
                if size + len(message.body) > limits.SYNC_PAYLOAD_BYTES_MAX // 2:
                    overflow.append(message)  # JSON escaping can double a body: kept whole
                else:
                    size += len(message.body)
                    batch.append(message)
            if overflow:
                await self._release(overflow)
                break
            if len(batch) >= mapping.batch_size or loop.time() >= deadline:
                break
        return batch

    def _filtered(
        self, messages: Sequence[ReceivedMessage]
    ) -> tuple[list[ReceivedMessage], list[ReceivedMessage]]:
        if not self._patterns:
            return list(messages), []
        kept: list[ReceivedMessage] = []
        dropped: list[ReceivedMessage] = []
        for message in messages:
            shown = record(message, self._mapping.event_source_arn, self._region)
            (kept if keeps(self._patterns, shown) else dropped).append(message)
        return kept, dropped

    async def _run_batch(self, batch: list[ReceivedMessage]) -> None:
        try:
            failed = await self._invoke(batch)
            done = [m for m in batch if m.message_id not in failed]
            deleted = await self._delete(done) if done else 0
            self._count(failed_invoke_event_count=len(failed), deleted_event_count=deleted)
        except asyncio.CancelledError:
            raise
        except Exception:  # the batch returns to the queue after its visibility timeout
            LOG.exception("an event source mapping batch failed")
        finally:
            self._slots.release()

    async def _invoke(self, batch: list[ReceivedMessage]) -> set[str]:
        """The ids of the messages that failed (all of them unless the function succeeded)."""
        invoker = self._owner.invoker
        deps = invoker.deps
        all_ids = {m.message_id for m in batch}
        try:
            stored = invoke_target(deps, self._target)
            version, alias, function = stored.resolved()
        except ResourceNotFoundError:
            return all_ids  # deleted function: the messages wait (and redrive), as on Lambda
        if alias is not None and alias.routing:
            chosen = invoker.route(alias)
            version = stored.routed.get(chosen, version)
        batch, trace = await self._stop_loops(batch, version, function)
        if not batch:
            return set()  # every message was part of a stopped loop (and is gone)
        records = [record(m, self._mapping.event_source_arn, self._region) for m in batch]
        payload = json.dumps({"Records": records}).encode()
        reserved_total = invoker.gate.reserved_total(deps.store, self._target.account_id)
        self._count(invoked_event_count=len(batch))
        try:
            result = await invoker.execute(
                self._target.arn, version, function, reserved_total, payload, trace=trace
            )
        except (TooManyRequestsError, ResourceNotReadyError):
            await asyncio.sleep(THROTTLED_BACKOFF_S)  # throttled: the batch waits its turn
            return all_ids
        return _failed_items(result, all_ids, self._mapping.response_types)

    async def _stop_loops(
        self, batch: list[ReceivedMessage], version: FunctionVersion, function: Function
    ) -> tuple[list[ReceivedMessage], TraceContext | None]:
        """Messages a function sent into its own chain past Lambda's 16 runs are not run again
        (unless the function allows loops): each goes to the queue's dead-letter queue, or is
        deleted without one, and is counted and logged as a stopped invocation. The batch runs
        with the longest chain among the rest. Hops are counted only from the trace the host
        recorded when a function sent the message, never from a header a client wrote."""
        recursion = self._owner.invoker.recursion
        unqualified = self._target.unqualified_arn
        kept: list[ReceivedMessage] = []
        stopped: list[ReceivedMessage] = []
        longest: TraceContext | None = None
        for message in batch:
            sent_by = host_trace(message.attributes)
            trace = recursion.trace_for(CallerTrace(trace=sent_by), unqualified)
            if recursion.stops(trace, function):
                key = (version.account_id, version.function_name, version.version)
                request_id = self._owner.invoker.new_request_id()
                recursion.stopped(key, version.config.log_group, request_id, trace)
                stopped.append(message)
                continue
            kept.append(message)
            if longest is None or trace.hops > longest.hops:
                longest = trace
        if stopped:
            await self._dead_letter(stopped)
        return kept, longest

    async def _dead_letter(self, messages: Sequence[ReceivedMessage]) -> None:
        queues = self._owner.queues
        info = await asyncio.to_thread(queues.get_queue, self._queue)
        redrive = None if info is None else info.settings.redrive
        if redrive is not None:
            moved = [OutgoingMessage(m.body, m.attributes, 0) for m in messages]
            await queues.send_async(redrive.dead_letter_queue, moved)
        await self._delete(messages)

    async def _delete(self, messages: Sequence[ReceivedMessage]) -> int:
        """How many were deleted."""
        handles = [m.receipt_handle for m in messages]
        outcomes = await asyncio.to_thread(self._owner.queues.delete_batch, self._queue, handles)
        deleted = len(outcomes)
        for outcome in outcomes:
            if isinstance(outcome, QueueEngineError):  # expired handle: it will come again
                deleted -= 1
                LOG.info("a processed message could not be deleted: %s", type(outcome).__name__)
        return deleted

    async def _release(self, messages: Sequence[ReceivedMessage]) -> None:
        entries = [(m.receipt_handle, 0) for m in messages]
        await asyncio.to_thread(self._owner.queues.change_visibility_batch, self._queue, entries)


def _failed_items(
    result: InvocationResult, all_ids: set[str], response_types: tuple[str, ...]
) -> set[str]:
    if result.function_error is not None:
        return all_ids
    if REPORT_BATCH_ITEM_FAILURES not in response_types:
        return set()
    return _reported(result.payload, all_ids)


def _reported(payload: bytes, all_ids: set[str]) -> set[str]:
    """The items a batch item failure report names; the whole batch when it is malformed
    (recorded: test_report_batch_item_failures_invalid_result_json_batch_fails; an empty
    answer succeeds: ..._empty_json_batch_succeeds)."""
    if not payload.strip():
        return set()
    try:
        answer: Any = json.loads(payload)
    except ValueError:
        return all_ids
    if answer is None or answer == {}:
        return set()
    if not isinstance(answer, dict):
        return all_ids
    failures = answer.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return all_ids
    named: set[str] = set()
    for entry in failures:
        identifier = entry.get("itemIdentifier") if isinstance(entry, dict) else None
        if not isinstance(identifier, str) or identifier not in all_ids:
            return all_ids
        named.add(identifier)
    return named
