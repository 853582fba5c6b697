"""The ASGI application: the HTTP edge in front of the operation kernel.

    read head -> pick endpoint (service) -> read body (bounded) -> authenticate (SigV4)
    -> hand the exchange to the kernel (route, parse, validate, authorize, run, audit, serialize)

The edge owns the bytes and the signature; the kernel decides everything else. Anything that
fails is answered with the AWS error shape of the endpoint's protocol.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from stockade.api import sigv4, streaming, unsupported
from stockade.api.authn import CredentialResolver, authenticate
from stockade.api.endpoints import Endpoint
from stockade.api.errors import (
    MalformedRequestError,
    MissingAuthenticationTokenError,
    RequestTooLargeError,
)
from stockade.api.exchange import HttpExchange
from stockade.api.http import CALLER_TRACE_SCOPE_KEY, HttpRequest, HttpResponse
from stockade.api.internal import InternalRoutes
from stockade.clock import Clock
from stockade.domain import trace
from stockade.domain.trace import NO_CALLER_TRACE, CallerTrace
from stockade.errors import ApiError
from stockade.kernel import Kernel
from stockade.kernel.exchange import EdgeFacts
from stockade.types import Region, RequestId, RequestIds, ascii_digits

LOG = logging.getLogger(__name__)
ACCESS_LOG = logging.getLogger("stockade.access")

Scope = Mapping[str, Any]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class _Head:
    method: str
    raw_path: str
    query_string: str
    headers: Mapping[str, str]
    client_ip: str
    scheme: str
    caller_trace: CallerTrace = NO_CALLER_TRACE

    def request(self, body: bytes = b"") -> HttpRequest:
        return HttpRequest(
            self.method,
            self.raw_path,
            self.query_string,
            self.headers,
            body,
            self.client_ip,
            self.scheme,
        )


class StockadeApp:
    def __init__(
        self,
        endpoints: Mapping[str, Endpoint],
        credentials: CredentialResolver,
        clock: Clock,
        region: Region,
        internal: InternalRoutes,
        kernel: Kernel,
        on_startup: Callable[[], Awaitable[None]] | None = None,
        on_shutdown: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._endpoints = dict(endpoints)
        self._credentials = credentials
        self._clock = clock
        self._region = region
        self._internal = internal
        self._kernel = kernel
        self._on_startup = on_startup
        self._on_shutdown = on_shutdown
        self._request_ids = RequestIds()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    if self._on_startup is not None:
                        await self._on_startup()
                except Exception as exc:
                    LOG.exception("startup failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._on_shutdown is not None:
                    await self._on_shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        request_id = RequestId(self._request_ids())
        head = _read_head(scope)
        if self._internal.handles(head.raw_path):
            try:
                body = await read_body(receive, head.headers, 0, None)
            except MalformedRequestError:
                return  # the client is gone: nobody to answer
            response = await self._internal.respond(head.request(body), request_id)
        else:
            response = await self._serve(head, receive, request_id)
        if response.stream is not None:
            await streaming.send_stream(send, receive, response, header_bytes)
        else:
            await send_whole(send, response)
        ACCESS_LOG.info(
            "%s %s %d %.1fms %s",
            head.method,
            _loggable_path(head.raw_path),
            response.status,
            (time.perf_counter() - started) * 1000,
            request_id,
        )

    async def _serve(self, head: _Head, receive: Receive, request_id: RequestId) -> HttpResponse:
        endpoint = self._endpoint_for(head)
        if endpoint is None:
            error = MissingAuthenticationTokenError("Missing Authentication Token")
            return self._error(error, request_id)
        facts = EdgeFacts(
            request_id=request_id,
            source_ip=head.client_ip,
            user_agent=head.headers.get("user-agent", ""),
            secure_transport=head.scheme == "https",
            received_at=self._clock.now(),
            base_url=head.request().base_url,
            caller_trace=head.caller_trace,
        )
        query = head.request().query()
        limit, operation = endpoint.body_limit(head.method, head.raw_path, query)
        try:
            body = await read_body(receive, head.headers, limit, operation)
        except ApiError as refusal:  # the kernel still routes and audits what it can
            return await self._kernel.handle(
                HttpExchange(endpoint, head.request(), facts, refusal=refusal)
            )
        request = head.request(body)
        exchange = HttpExchange(endpoint, request, facts)
        # On the loop: verifying a signature is a few microseconds of hashing, and the
        # credential lookup is cached; a thread hop would cost more than the work.
        try:
            exchange.principal = authenticate(
                request, endpoint.service, self._region, facts.received_at, self._credentials
            )
        except ApiError as refusal:
            exchange.refusal = refusal
        return await self._kernel.handle(exchange)

    def _error(self, error: ApiError, request_id: str) -> HttpResponse:
        endpoint = self._endpoints.get("lambda") or next(iter(self._endpoints.values()))
        return endpoint.serialize_error(error, request_id)

    def _endpoint_for(self, head: _Head) -> Endpoint | None:
        """Which service a request is for, from its credential scope; None if unsigned. A
        service this server does not serve gets an endpoint that refuses in its protocol."""
        request = head.request()
        service = sigv4.peek_service(request)
        if service is None:
            return None
        return self._endpoints.get(service) or unsupported.endpoint_for(service, request)


def _read_head(scope: Scope) -> _Head:
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        value = header_text(raw_value)
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    client = scope.get("client") or ("", 0)
    raw_path = scope.get("raw_path") or scope["path"].encode()
    return _Head(
        method=scope["method"],
        raw_path=raw_path.decode("latin-1"),
        query_string=scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        client_ip=client[0],
        scheme=scope.get("scheme", "http"),
        # From an execution environment, the host's record of its invocation; the guest's own
        # X-Amzn-Trace-Id is not read. From anyone else, their header.
        caller_trace=scope.get(CALLER_TRACE_SCOPE_KEY)
        or CallerTrace(trace=trace.parse_header(headers.get("x-amzn-trace-id"))),
    )


def header_text(raw: bytes) -> str:
    """A header value as the client meant it: AWS SDKs send (and sign) non-ASCII values as
    UTF-8; bytes that are not UTF-8 are kept one character per byte."""
    if raw.isascii():
        return raw.decode("ascii")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def header_bytes(text: str) -> bytes:
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:  # quoted from a request: as the SDKs send it
        return text.encode("utf-8", "replace")


_DRAIN_SLACK_BYTES = 16 * 1024 * 1024


async def read_body(
    receive: Receive, headers: Mapping[str, str], limit: int, operation: str | None
) -> bytes:
    too_large = RequestTooLargeError(
        f"Request must be smaller than {limit} bytes for the {operation or 'requested'} operation"
    )
    declared = headers.get("content-length")
    if declared is not None and ascii_digits(declared) and int(declared) > limit:
        if int(declared) <= limit + _DRAIN_SLACK_BYTES:
            # Read and drop a slightly oversized body so the client, still sending, gets the
            # 413 instead of a connection reset; larger bodies are cut off.
            await _discard(receive)
        raise too_large
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            # Cut off (by the client, or by the edge's body deadline): nothing may run on part
            # of a body, even one whose payload is not signed.
            raise MalformedRequestError("The request ended before its body was received.")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _discard(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect" or not message.get("more_body", False):
            return


async def send_whole(send: Send, response: HttpResponse) -> None:
    headers = [(k.encode("latin-1"), header_bytes(v)) for k, v in response.headers]
    headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


def _loggable_path(raw_path: str) -> str:
    # Download links carry a bearer token in the path; never log it.
    return "/_stockade/code/<token>" if raw_path.startswith("/_stockade/code/") else raw_path
