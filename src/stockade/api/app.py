"""The ASGI application: every request passes the same stages, in this order.

    read head -> pick endpoint (service) -> route -> read body (bounded) -> authenticate (SigV4)
    -> parse -> validate against the model -> run the use case -> serialize

Each stage's output is the next one's input; anything that fails is answered with the AWS error
shape of the endpoint's protocol. Nothing below this layer sees HTTP.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.model import OperationModel

from stockade.api import sigv4, unsupported
from stockade.api.audit_edge import AuditSink, Seen
from stockade.api.authn import CredentialResolver, authenticate
from stockade.api.endpoints import Endpoint, is_async
from stockade.api.errors import (
    MissingAuthenticationTokenError,
    RequestTooLargeError,
    ValidationError,
)
from stockade.api.http import HttpRequest, HttpResponse
from stockade.api.internal import InternalRoutes
from stockade.api.internal_errors import internal_error
from stockade.api.validation import summarize, validate
from stockade.clock import Clock
from stockade.errors import ApiError
from stockade.services.context import RequestContext
from stockade.storage_faults import storage_fault
from stockade.types import Region, RequestId, RequestIds

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
        executor: ThreadPoolExecutor,
        on_startup: Callable[[], Awaitable[None]] | None = None,
        on_shutdown: Callable[[], Awaitable[None]] | None = None,
        audit: AuditSink | None = None,
    ) -> None:
        self._endpoints = dict(endpoints)
        self._credentials = credentials
        self._clock = clock
        self._region = region
        self._internal = internal
        self._executor = executor
        self._on_startup = on_startup
        self._on_shutdown = on_shutdown
        self._request_ids = RequestIds()
        self._audit = audit

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
            body = await _read_body(receive, head.headers, 0, None)
            response = await self._internal.respond(head.request(body), request_id)
        else:
            seen = Seen()
            response = await self._serve(head, receive, request_id, seen)
            if self._audit is not None and seen.service is not None:
                # On disk before the response leaves: an answered request is never unaudited.
                user_agent = head.headers.get("user-agent", "")
                try:
                    await self._audit.record_request(seen, head.client_ip, user_agent, request_id)
                except Exception as exc:  # a 2xx means recorded: this one was not
                    LOG.error("request %s could not be audited: %s", request_id, _kind(exc))
                    failure = internal_error(seen.service, exc)
                    response = self._error(self._endpoint_for(head), failure, request_id)
        await _send(send, response)
        ACCESS_LOG.info(
            "%s %s %d %.1fms %s",
            head.method,
            _loggable_path(head.raw_path),
            response.status,
            (time.perf_counter() - started) * 1000,
            request_id,
        )

    async def _serve(
        self, head: _Head, receive: Receive, request_id: RequestId, seen: Seen
    ) -> HttpResponse:
        endpoint = self._endpoint_for(head)
        try:
            if endpoint is None:
                raise MissingAuthenticationTokenError("Missing Authentication Token")
            seen.service, seen.protocol = endpoint.service, endpoint.protocol
            query = head.request().query()
            limit, operation = endpoint.body_limit(head.method, head.raw_path, query)
            body = await _read_body(receive, head.headers, limit, operation)
            request = head.request(body)
            # On the loop: verifying a signature is a few microseconds of hashing, and the
            # credential lookup is cached; a thread hop would cost more than the work.
            try:
                principal = authenticate(
                    request, endpoint.service, self._region, self._clock.now(), self._credentials
                )
            except ApiError:
                seen.operation = _operation_or_none(endpoint, request)  # for the audit record
                raise
            seen.principal = principal
            routed = endpoint.route(request)
            seen.operation = routed.operation
            handler = endpoint.handler(routed.operation)
            params = endpoint.parse(routed, request)
            seen.params = params
            if routed.operation.input_shape is not None:
                problems = validate(routed.operation.input_shape, params)
                if problems:
                    raise ValidationError(summarize(problems))
            if self._audit is not None:
                self._audit.check_writable()  # what could not be recorded must not happen
            ctx = RequestContext(
                request_id=request_id,
                principal=principal,
                region=self._region,
                source_ip=head.client_ip,
                user_agent=head.headers.get("user-agent", ""),
                secure_transport=head.scheme == "https",
                received_at=self._clock.now(),
                base_url=request.base_url,
                notes=seen.notes,
                operation=routed.operation.name,
            )
            if is_async(handler):
                result = await handler(ctx, params)
            else:
                result = await self._run(handler, ctx, params)
            seen.result = result
            return endpoint.serialize(routed.operation, result, request_id)
        except ApiError as error:
            seen.error = error
            return self._error(endpoint, error, request_id)
        except Exception as exc:
            # A storage fault or a bug: log the kind and place only (exception messages can
            # quote request content), and answer with the service's own internal error.
            LOG.error("%s serving request %s at %s", _kind(exc), request_id, _where(exc))
            failure = internal_error(endpoint.service if endpoint else None, exc)
            seen.error = failure
            return self._error(endpoint, failure, request_id)

    def _error(self, endpoint: Endpoint | None, error: ApiError, request_id: str) -> HttpResponse:
        if endpoint is None:
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

    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(*args))


def _operation_or_none(endpoint: Endpoint, request: HttpRequest) -> OperationModel | None:
    try:
        return endpoint.route(request).operation
    except ApiError:
        return None


def _read_head(scope: Scope) -> _Head:
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
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
    )


_DRAIN_SLACK_BYTES = 16 * 1024 * 1024


async def _read_body(
    receive: Receive, headers: Mapping[str, str], limit: int, operation: str | None
) -> bytes:
    too_large = RequestTooLargeError(
        f"Request must be smaller than {limit} bytes for the {operation or 'requested'} operation"
    )
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
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
            break
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


async def _send(send: Send, response: HttpResponse) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


def _loggable_path(raw_path: str) -> str:
    # Download links carry a bearer token in the path; never log it.
    return "/_stockade/code/<token>" if raw_path.startswith("/_stockade/code/") else raw_path


def _kind(exc: BaseException) -> str:
    fault = storage_fault(exc)
    return f"storage {fault.reason}" if fault is not None else f"unhandled {type(exc).__name__}"


def _where(exc: BaseException) -> str:
    """The innermost frames of a traceback as `module:line in function`, without values."""
    frames = traceback.extract_tb(exc.__traceback__)[-6:]
    return " <- ".join(
        f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}" for frame in reversed(frames)
    )
