"""InvokeFunctionUrl: a request to a function URL, run as an invocation of its function.

    the URL (by id) -> its function or alias -> the request as a payload-format-2.0 event
    -> BUFFERED: run, interpret the answer (url_response) as the HTTP response
    -> RESPONSE_STREAM: run with a response sink; the HTTP head from the stream's prelude
       (url_stream), then the body as the function writes it

Reached only through the kernel, after `LambdaAccess.invoke_function_url`'s needs were allowed
(lambda:InvokeFunctionUrl and lambda:InvokeFunction with the URL's condition keys). Refusals
(not found, throttled, not ready) are raised as Lambda's errors; the listener's exchange turns
them into the answers a function URL gives. A function error or timeout is the function's
answer, not a refusal: a 502 from `url_errors`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

from stockade.domain import limits
from stockade.domain.identity import Principal, PrincipalKind
from stockade.sandbox import InvocationResult
from stockade.services.context import RequestContext
from stockade.services.lambda_ import url_errors
from stockade.services.lambda_.errors import RequestTooLargeError, ResourceNotFoundError
from stockade.services.lambda_.function_url_lookup import find_url
from stockade.services.lambda_.invoke import Invoker
from stockade.services.lambda_.invoke_stream import QueueSink, paced, pieces
from stockade.services.lambda_.invoke_target import invoke_target
from stockade.services.lambda_.stream_pacing import Pacer, StreamPacing
from stockade.services.lambda_.url_event import IamCaller, UrlRequest, build_event
from stockade.services.lambda_.url_response import UrlResponse, error_response, interpret
from stockade.services.lambda_.url_stream import PreludeReader
from stockade.services.streamed import Event, Finished, Streamed

STREAM_MODE = "RESPONSE_STREAM"


class UrlInvoker:
    def __init__(self, invoker: Invoker, pacing: StreamPacing | None = None) -> None:
        self._invoker = invoker
        self._pacing = pacing or StreamPacing()
        self._running: set[asyncio.Task[InvocationResult]] = set()  # abandoned streams

    async def invoke_function_url(
        self, ctx: RequestContext, request: Mapping[str, Any]
    ) -> UrlResponse | Streamed:
        invoker = self._invoker
        deps = invoker.deps
        found = find_url(deps, request["FunctionUrlId"])
        if found is None:  # deleted since the needs were allowed
            raise ResourceNotFoundError("The function URL does not exist.")
        target = found.target
        version, alias, function = invoke_target(deps, target).resolved()
        reserved_total = invoker.gate.reserved_total(deps.store, target.account_id)
        if alias is not None and alias.routing:
            chosen = invoker.route(alias)
            if chosen != version.version:
                version = invoke_target(deps, target).routed.get(chosen, version)
        trace = invoker.trace_of(ctx, target)
        event = build_event(
            _url_request(ctx, request),
            account_id=target.account_id,
            request_id=ctx.request_id,
            received_at=ctx.received_at,
            iam=_iam_caller(ctx.principal),
            trace_id=trace.header(),
        )
        if len(event) > limits.SYNC_PAYLOAD_BYTES_MAX:
            raise RequestTooLargeError(
                f"Request must be smaller than {limits.SYNC_PAYLOAD_BYTES_MAX} bytes for the"
                " InvokeFunctionUrl operation"
            )
        invoker.refuse_a_loop(trace, version, function, ctx.request_id)
        if found.config.invoke_mode == STREAM_MODE:
            sink = QueueSink()
            task = asyncio.ensure_future(
                invoker.execute(target.arn, version, function, reserved_total, event,
                                request_id=ctx.request_id, trace=trace, response_sink=sink)
            )  # fmt: skip
            return await self._streamed(sink, task)
        result = await invoker.execute(
            target.arn, version, function, reserved_total, event,
            request_id=ctx.request_id, trace=trace,
        )  # fmt: skip
        return _buffered(result)

    async def _streamed(
        self, sink: QueueSink, task: asyncio.Task[InvocationResult]
    ) -> UrlResponse | Streamed:
        """The head once the prelude (or the first piece of a stream without one) is read."""
        stream = pieces(sink, task)
        reader: PreludeReader | None = None
        head: UrlResponse | None = None
        body = b""
        try:
            async for piece in stream:  # bounded: the prelude reader limits what it keeps
                if reader is None:
                    reader = PreludeReader(sink.content_type)
                head, body = reader.feed(piece)
                if head is not None:
                    break
        except asyncio.CancelledError:
            task.cancel()
            raise
        if head is None:  # the stream ended before its head was complete
            result = await task
            if result.function_error is not None:
                return error_response(url_errors.FUNCTION_ERROR)
            if not result.streamed:
                return _buffered(result)  # a handler that did not stream
            head = (reader or PreludeReader(sink.content_type)).finish()
        if reader is not None and reader.failed:  # a prelude that cannot be sent: a 502
            await self._abandon(sink, task)
            return head
        return Streamed(
            head={"status": head.status, "headers": head.headers},
            events=paced(_chunks(body, stream), Pacer(self._pacing)),
            finish=lambda: _finish(task),
            abandon=lambda: self._abandon(sink, task),
        )

    async def _abandon(self, sink: QueueSink, task: asyncio.Task[InvocationResult]) -> None:
        sink.discard()
        if not task.done():
            self._running.add(task)
            task.add_done_callback(self._running.discard)


def _buffered(result: InvocationResult) -> UrlResponse:
    if result.function_error is not None:
        return error_response(url_errors.FUNCTION_ERROR)
    if len(result.payload) > limits.SYNC_PAYLOAD_BYTES_MAX:
        return error_response(url_errors.RESPONSE_TOO_LARGE)
    return interpret(result.payload)


async def _chunks(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[Event]:
    if first:
        yield {"PayloadChunk": {"Payload": first}}
    async for piece in rest:
        if piece:
            yield {"PayloadChunk": {"Payload": piece}}


async def _finish(task: asyncio.Task[InvocationResult]) -> Finished:
    result = await task
    if result.function_error is None:
        return Finished(event={"InvokeComplete": {}}, audited={})
    # A stream cannot change its status once sent: a failure after the head ends the body
    # early (the listener cuts the connection off), and the audit record names the error.
    error = {"ErrorCode": result.error_type or result.function_error}
    return Finished(event={"InvokeComplete": error}, audited=error)


def _url_request(ctx: RequestContext, request: Mapping[str, Any]) -> UrlRequest:
    return UrlRequest(
        method=request["Method"],
        raw_path=request["RawPath"],
        raw_query=request.get("RawQueryString", ""),
        headers=tuple((h["Name"], h["Value"]) for h in request.get("Headers", ())),
        body=bytes(request.get("Body") or b""),
        source_ip=ctx.source_ip,
        protocol=request["Protocol"],
        domain_name=request["DomainName"],
        url_id=request["FunctionUrlId"],
        scheme=request["Scheme"],
        port=request["Port"],
        tls_version=request.get("TlsVersion"),
        tls_cipher=request.get("TlsCipher"),
    )


def _iam_caller(principal: Principal) -> IamCaller | None:
    """requestContext.authorizer.iam: who signed (None for an unsigned caller)."""
    if principal.kind is PrincipalKind.ANONYMOUS:
        return None
    return IamCaller(
        access_key=principal.access_key_id or "",
        account_id=principal.account_id,
        caller_id=principal.principal_id,
        user_arn=principal.arn,
        user_id=principal.principal_id,
    )
