"""The operation kernel: every request is parsed, authorized, run, audited and serialized here.

    route -> (edge refusal?) -> declared? -> decode -> validate -> authorize -> run -> serialize
    -> audit (on disk before the answer leaves)

A service's handler is reachable only through its declaration (`ServiceTable`), and only after
every `Need` the declaration derives from the typed request was allowed by the authorizer.
Whatever happens, exactly one audit record is written (data events when selected), and every
failure is answered in the service's own error shape: a bug becomes the service's internal
error, never a traceback.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import traceback
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any, Protocol, TypeVar

from botocore.model import OperationModel

from stockade.domain.identity import PrincipalKind
from stockade.errors import ApiError
from stockade.kernel.auditing import AuditStep, Trace
from stockade.kernel.errors import (
    INTERNAL_MESSAGE,
    InternalFailure,
    NotImplementedOperationError,
    internal_failure,
)
from stockade.kernel.exchange import Exchange
from stockade.kernel.streaming import audited_events
from stockade.kernel.validation import violations
from stockade.services.context import RequestContext
from stockade.services.declaration import Decision, Need, Operation, Public, ServiceTable
from stockade.services.streamed import Streamed
from stockade.storage_faults import storage_fault
from stockade.types import Region

LOG = logging.getLogger(__name__)
R = TypeVar("R")


class Authorizer(Protocol):
    def decide(
        self, ctx: RequestContext, need: Need, denied: Callable[[str], ApiError]
    ) -> Decision: ...


class Kernel:
    def __init__(
        self,
        tables: Sequence[ServiceTable],
        authorizer: Authorizer,
        audit: AuditStep,
        region: Region,
        executor: Executor,
    ) -> None:
        self._tables: Mapping[str, ServiceTable] = {t.service: t for t in tables}
        self._authorizer = authorizer
        self._audit = audit
        self._region = region
        self._executor = executor
        self._observers: list[Callable[[Trace], None]] = []
        # Asked once per operation, not per request.
        self._coroutines = {
            (t.service, name): inspect.iscoroutinefunction(op.handler)
            for t in tables
            for name, op in t.operations.items()
        }

    def observe(self, observer: Callable[[Trace], None]) -> None:
        """Tell `observer` every request's final trace, after its audit record."""
        self._observers.append(observer)

    @property
    def tables(self) -> Mapping[str, ServiceTable]:
        return self._tables

    async def handle(self, exchange: Exchange[R]) -> R:
        trace = Trace(exchange.service, exchange.protocol, exchange.facts.request_id)
        table = self._tables.get(exchange.service)
        try:
            response = await self._serve(exchange, table, trace)
        except ApiError as error:
            trace.error = error
            response = exchange.refuse(error)
        except Exception as exc:
            # A storage fault or a bug: log the kind and place only (exception messages can
            # quote request content), and answer with the service's own internal error.
            LOG.error("%s serving request %s at %s", _kind(exc), exchange.facts.request_id,
                      _where(exc))  # fmt: skip
            trace.error = _internal(table, exc)
            response = exchange.refuse(trace.error)
        if trace.deferred:
            return response  # a stream: audited before its closing event (kernel/streaming.py)
        try:
            await self._audit.record(trace, exchange.facts)
        except Exception as exc:
            # Unaudited means unanswered: the client must not see a success.
            LOG.error("could not journal the audit record of request %s: %s",
                      exchange.facts.request_id, _kind(exc))  # fmt: skip
            response = exchange.refuse(_internal(table, exc))
        for observer in self._observers:
            observer(trace)
        return response

    async def _serve(self, exchange: Exchange[R], table: ServiceTable | None, trace: Trace) -> R:
        try:
            operation = exchange.route()
        except ApiError:
            if exchange.refusal is not None:
                raise exchange.refusal from None
            raise
        trace.operation = operation
        if table is not None:  # named as CloudTrail names it, even when refused
            trace.event_name = table.event_name(operation.name)
        if exchange.refusal is not None:
            raise exchange.refusal
        principal = exchange.principal
        if principal is None:  # pragma: no cover - an exchange without either is a bug
            raise InternalFailure(INTERNAL_MESSAGE)
        trace.principal = principal
        declared = None if table is None else table.operations.get(operation.name)
        if table is None or declared is None:
            raise NotImplementedOperationError(
                f"Stockade does not implement the {exchange.service} operation {operation.name}."
            )
        trace.audit = declared.audit
        if principal.kind is PrincipalKind.ANONYMOUS and not declared.anonymous:
            raise table.errors.access_denied(
                f"Anonymous callers are not allowed to perform {operation.name}."
            )
        params = exchange.decode(operation)
        trace.params = params
        _check(table, operation, params, exchange.protocol)
        facts = exchange.facts
        ctx = RequestContext(
            request_id=facts.request_id,
            principal=principal,
            region=self._region,
            source_ip=facts.source_ip,
            user_agent=facts.user_agent,
            secure_transport=facts.secure_transport,
            received_at=facts.received_at,
            base_url=facts.base_url,
            notes=trace.notes,
            held_writes=trace.held,
            operation=operation.name,
            caller_trace=facts.caller_trace,
            event_name=table.event_name(operation.name),
        )
        trace.resources = _resources(declared, ctx, params)
        self._audit.check_writable()  # what could not be recorded must not happen
        if self._coroutines[(table.service, operation.name)]:
            # On the loop: coroutine handlers (Invoke) authorize from memoised reads.
            self._authorize(table, declared, ctx, params)
            trace.handled = True
            result = await declared.handler(ctx, params)
        else:
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(
                self._executor, self._authorize_and_run, table, declared, ctx, params, trace
            )
        if isinstance(result, Streamed):
            return self._stream(exchange, operation, table, result, trace)
        trace.result = result
        return exchange.respond(operation, result)

    def _stream(
        self,
        exchange: Exchange[R],
        operation: OperationModel,
        table: ServiceTable,
        answer: Streamed,
        trace: Trace,
    ) -> R:
        facts = exchange.facts

        async def record() -> None:
            await self._audit.record(trace, facts)

        def finished() -> None:
            for observer in self._observers:
                observer(trace)

        events = audited_events(answer, trace, record, lambda e: _internal(table, e), finished)
        response = exchange.respond_stream(operation, answer.head, events)
        trace.deferred = True
        return response

    def _authorize_and_run(
        self,
        table: ServiceTable,
        declared: Operation[Any],
        ctx: RequestContext,
        params: dict[str, Any],
        trace: Trace,
    ) -> Any:
        self._authorize(table, declared, ctx, params)
        trace.handled = True
        return declared.handler(ctx, params)

    def _authorize(
        self,
        table: ServiceTable,
        declared: Operation[Any],
        ctx: RequestContext,
        params: dict[str, Any],
    ) -> tuple[Decision, ...]:
        access = declared.access
        if isinstance(access, Public):
            return ()
        needs = access(ctx, params)
        if not needs:  # a declaration that needs nothing must say Public, and why
            raise table.errors.internal(INTERNAL_MESSAGE)
        denied = table.errors.access_denied
        return tuple(self._authorizer.decide(ctx, need, denied) for need in needs)


def _check(
    table: ServiceTable, operation: OperationModel, params: dict[str, Any], protocol: str
) -> None:
    shape = operation.input_shape
    if shape is None:
        return
    problems = violations(shape, params, protocol)
    if problems:
        raise table.errors.invalid(problems)


def _resources(declared: Operation[Any], ctx: RequestContext, params: Any) -> Sequence[str]:
    found = declared.audit.resources
    if found is None:
        return ()
    try:
        return tuple(found(ctx, params))
    except ApiError:  # the request names no valid resource; the handler will say so
        return ()


def _internal(table: ServiceTable | None, exc: BaseException) -> ApiError:
    return internal_failure(None if table is None else table.errors, exc)


def _kind(exc: BaseException) -> str:
    fault = storage_fault(exc)
    return f"storage {fault.reason}" if fault is not None else f"unhandled {type(exc).__name__}"


def _where(exc: BaseException) -> str:
    """The innermost frames of a traceback as `module:line in function`, without values."""
    frames = traceback.extract_tb(exc.__traceback__)[-6:]
    return " <- ".join(
        f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}" for frame in reversed(frames)
    )
