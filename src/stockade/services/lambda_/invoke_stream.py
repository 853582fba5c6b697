"""InvokeWithResponseStream: the function's response as an event stream, as it is produced.

    refuse what Invoke refuses -> start the invocation with a response sink
    -> wait for its first piece (or its end: a refusal is still an HTTP error)
    -> PayloadChunk per piece, as it comes -> InvokeComplete (ErrorCode/ErrorDetails/LogResult)

Authorized as lambda:InvokeFunction (the operation has no action of its own: the Lambda API
reference, InvokeWithResponseStream) and audited as a data event, like Invoke. A handler that
does not stream answers with its whole payload as one PayloadChunk, as on Lambda. A function
error ends the stream with InvokeComplete's ErrorCode (the runtime's error type) and
ErrorDetails (the error document the runtime sent). A client that goes away does not stop the
function (Lambda's documented behaviour); what it still sends is dropped. Past the first
6 MB, chunks are sent at Lambda's 2 MBps (stream_pacing.py).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from stockade.domain import limits
from stockade.sandbox import InvocationResult
from stockade.services.context import RequestContext
from stockade.services.lambda_ import names, tenancy
from stockade.services.lambda_.errors import (
    InvalidRequestContentError,
    RequestTooLargeError,
)
from stockade.services.lambda_.invoke import (
    LOG_TAIL_BYTES,
    Invoker,
    check_client_context,
    is_json,
)
from stockade.services.lambda_.invoke_target import invoke_target
from stockade.services.lambda_.stream_pacing import Pacer, StreamPacing
from stockade.services.streamed import Event, Finished, Streamed
from stockade.shapes import lambda_ as shapes

LOG = logging.getLogger(__name__)
CONTENT_TYPE = "application/vnd.amazon.eventstream"
_QUEUED_PIECES_MAX = 16  # pieces read from the runtime but not yet sent to the client


class QueueSink:
    """The invocation's response sink: a bounded queue the stream reads (holding the runtime
    back while it is full), or nothing once the client has gone."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes] = asyncio.Queue(_QUEUED_PIECES_MAX)
        self.started = asyncio.Event()
        self.discarding = False
        self.content_type: str | None = None

    def begin(self, content_type: str | None) -> None:
        self.content_type = content_type

    async def write(self, data: bytes) -> None:
        self.started.set()
        if not self.discarding:
            await self.queue.put(data)

    def discard(self) -> None:
        self.discarding = True
        for _ in range(self.queue.qsize()):  # unblock a writer waiting for room
            self.queue.get_nowait()


class StreamingInvoker:
    def __init__(self, invoker: Invoker, pacing: StreamPacing | None = None) -> None:
        self._invoker = invoker
        self._pacing = pacing or StreamPacing()
        self._running: set[asyncio.Task[InvocationResult]] = set()  # abandoned, still running

    async def invoke_with_response_stream(
        self, ctx: RequestContext, request: shapes.InvokeWithResponseStreamRequest
    ) -> Streamed | dict[str, Any]:
        invoker = self._invoker
        deps = invoker.deps
        target = names.resolve(deps, ctx, request["FunctionName"], request.get("Qualifier"))
        stored = invoke_target(deps, target)
        version, alias, function = stored.resolved()
        tenant_id = tenancy.invocation_tenant(version.config, request.get("TenantId"))
        reserved_total = invoker.gate.reserved_total(deps.store, target.account_id)
        if alias is not None and alias.routing:
            chosen = invoker.route(alias)
            if chosen != version.version:
                version = stored.routed.get(chosen, version)
        payload = bytes(request.get("Payload") or b"")
        if len(payload) > limits.SYNC_PAYLOAD_BYTES_MAX:
            raise RequestTooLargeError(
                f"Request must be smaller than {limits.SYNC_PAYLOAD_BYTES_MAX} bytes for the"
                " InvokeFunction operation"
            )
        client_context = request.get("ClientContext")
        if client_context is not None:
            check_client_context(client_context)
        if request.get("InvocationType", "RequestResponse") == "DryRun":
            return {"StatusCode": 204}
        if not payload:
            payload = b"{}"
        elif not is_json(payload):
            raise InvalidRequestContentError(
                "Could not parse request body into json: the payload is not valid JSON"
            )
        trace = invoker.trace_of(ctx, target)
        invoker.refuse_a_loop(trace, version, function, ctx.request_id)
        sink = QueueSink()
        task = asyncio.ensure_future(
            invoker.execute(
                target.arn,
                version,
                function,
                reserved_total,
                payload,
                client_context=client_context,
                tenant_id=tenant_id,
                trace=trace,
                response_sink=sink,
            )
        )
        started = asyncio.ensure_future(sink.started.wait())
        try:
            await asyncio.wait({task, started}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            task.cancel()
            raise
        finally:
            started.cancel()
        if task.done():
            task.result()  # a refusal (throttled, not ready) is the request's error
        tail = request.get("LogType") == "Tail"
        return Streamed(
            head={
                "StatusCode": 200,
                "ExecutedVersion": version.version,
                "ResponseStreamContentType": CONTENT_TYPE,
            },
            events=paced(_events(sink, task), Pacer(self._pacing)),
            finish=lambda: _finish(task, tail),
            abandon=lambda: self._abandon(sink, task),
        )

    async def _abandon(self, sink: QueueSink, task: asyncio.Task[InvocationResult]) -> None:
        sink.discard()
        if not task.done():
            self._running.add(task)
            task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[InvocationResult]) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            LOG.warning("an abandoned streamed invocation failed: %s",
                        type(task.exception()).__name__)  # fmt: skip


async def pieces(sink: QueueSink, task: asyncio.Task[InvocationResult]) -> AsyncIterator[bytes]:
    """What the runtime streams into `sink`, as it comes, until the invocation ends (shared
    with function URLs' RESPONSE_STREAM mode)."""
    queue = sink.queue
    while not task.done():  # bounded by the invocation, which ends by its timeout at the latest
        piece = asyncio.ensure_future(queue.get())
        try:
            await asyncio.wait({piece, task}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not piece.done():
                piece.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await piece
        if piece.done() and not piece.cancelled():
            yield piece.result()
    # Every write finished before the invocation did: what is queued is the rest, in order.
    for _ in range(queue.qsize()):
        yield queue.get_nowait()


async def _events(sink: QueueSink, task: asyncio.Task[InvocationResult]) -> AsyncIterator[Event]:
    async for piece in pieces(sink, task):
        yield {"PayloadChunk": {"Payload": piece}}
    result = task.result()
    if not result.streamed and result.function_error is None and result.payload:
        yield {"PayloadChunk": {"Payload": result.payload}}  # a handler that did not stream


async def paced(events: AsyncIterator[Event], pacer: Pacer) -> AsyncIterator[Event]:
    """`events`, held back to Lambda's streaming bandwidth (stream_pacing.py; function URL
    streams too); while a piece waits, the sink's queue fills and the runtime is held back."""
    loop = asyncio.get_running_loop()
    async for event in events:
        chunk = event.get("PayloadChunk")
        if chunk is not None:
            delay = pacer.delay(len(chunk["Payload"]), loop.time())
            if delay > 0:
                await asyncio.sleep(delay)
        yield event


async def _finish(task: asyncio.Task[InvocationResult], tail: bool) -> Finished:
    result = await task
    complete: dict[str, Any] = {}
    if result.function_error is not None:
        complete["ErrorCode"] = result.error_type or result.function_error
        complete["ErrorDetails"] = result.payload.decode("utf-8", "replace")
    if tail:
        complete["LogResult"] = base64.b64encode(result.log_tail[-LOG_TAIL_BYTES:]).decode()
    audited = {"ErrorCode": complete["ErrorCode"]} if "ErrorCode" in complete else {}
    return Finished(
        event={"InvokeComplete": complete},
        audited={"EventStream": {"InvokeComplete": audited}},
    )
