"""The function URL listener's ASGI application: HTTP requests to functions, through the kernel.

    read head -> which URL (url_routes) -> CORS preflight answered here (nothing runs)
    -> read body (bounded) -> who calls: AWS_IAM -> SigV4 (service lambda), NONE -> anonymous
    -> the kernel (InvokeFunctionUrl: authorize, run, audit) -> CORS headers -> the answer

The listener has its own address and connection limits, so public traffic to functions does
not share a connection budget with the API. Nothing here allows anything: an unsigned caller
becomes the anonymous principal, which only InvokeFunctionUrl accepts and only a resource
policy can allow; the kernel re-reads the URL's auth type before it decides.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from botocore.model import OperationModel, ServiceModel

from stockade.api import streaming
from stockade.api.app import Receive, Scope, Send, header_bytes, header_text, read_body, send_whole
from stockade.api.authn import CredentialResolver, authenticate
from stockade.api.http import TLS_SCOPE_KEY, HttpRequest, HttpResponse
from stockade.api.url_exchange import StreamCutOff, UrlExchange
from stockade.api.url_routes import UrlRoute, UrlRoutes
from stockade.clock import Clock
from stockade.domain import limits, trace
from stockade.domain.identity import Principal, anonymous_principal
from stockade.domain.trace import CallerTrace
from stockade.errors import ApiError
from stockade.kernel import Kernel
from stockade.kernel.exchange import EdgeFacts
from stockade.services.lambda_ import url_cors, url_errors
from stockade.services.lambda_.function_url_lookup import FoundUrl
from stockade.services.lambda_.url_response import UrlResponse, error_response
from stockade.types import Region, RequestId, RequestIds

LOG = logging.getLogger(__name__)
ACCESS_LOG = logging.getLogger("stockade.access")

FindUrl = Callable[[str], FoundUrl | None]


class FunctionUrlApp:
    def __init__(
        self,
        model: ServiceModel,
        routes: UrlRoutes,
        find: FindUrl,
        credentials: CredentialResolver,
        clock: Clock,
        region: Region,
        kernel: Kernel,
    ) -> None:
        self._operation: OperationModel = model.operation_model("InvokeFunctionUrl")
        self._routes = routes
        self._find = find
        self._credentials = credentials
        self._clock = clock
        self._region = region
        self._kernel = kernel
        self._request_ids = RequestIds()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # the API's application runs the server's lifespan
        started = time.perf_counter()
        request_id = RequestId(self._request_ids())
        lines = _header_lines(scope)
        headers = _joined(lines)
        raw_path = scope_path(scope)
        route = self._routes.match(headers.get("host", ""), raw_path)
        found = None if route is None else self._find(route.url_id)
        if route is None or found is None:
            response = _plain(error_response(url_errors.UNKNOWN_URL), request_id)
        else:
            response = await self._serve(scope, receive, lines, headers, route, found, request_id)
        try:
            if response.stream is not None:
                await streaming.send_stream(send, receive, response, header_bytes)
            else:
                await send_whole(send, response)
        except StreamCutOff:
            LOG.warning("a streamed function URL response failed after its head: cut off")
            raise
        finally:
            ACCESS_LOG.info(
                "url %s %s %d %.1fms %s",
                scope["method"],
                "/" if route is None else f"/{route.url_id}{route.raw_path.split('?', 1)[0]}",
                response.status,
                (time.perf_counter() - started) * 1000,
                request_id,
            )

    async def _serve(
        self,
        scope: Scope,
        receive: Receive,
        lines: tuple[tuple[str, str], ...],
        headers: Mapping[str, str],
        route: UrlRoute,
        found: FoundUrl,
        request_id: RequestId,
    ) -> HttpResponse:
        method = scope["method"]
        cors = found.config.cors
        preflight = url_cors.preflight(cors, method, headers)
        if preflight is not None:  # Lambda answers it itself: the function never runs
            return _plain(preflight, request_id)
        client = scope.get("client") or ("", 0)
        query = scope.get("query_string", b"").decode("latin-1")
        facts = EdgeFacts(
            request_id=request_id,
            source_ip=client[0],
            user_agent=headers.get("user-agent", ""),
            secure_transport=scope.get("scheme") == "https",
            received_at=self._clock.now(),
            base_url=f"{scope.get('scheme', 'http')}://{headers.get('host', 'localhost')}",
            # The client's trace header is continued, as for any caller from outside.
            caller_trace=CallerTrace(trace=trace.parse_header(headers.get("x-amzn-trace-id"))),
        )
        exchange = UrlExchange(
            self._operation,
            {},
            facts,
            cors=url_cors.response_headers(cors, headers),
        )
        try:
            body = await read_body(
                receive, headers, limits.SYNC_PAYLOAD_BYTES_MAX, "InvokeFunctionUrl"
            )
        except ApiError as refusal:
            exchange.params = _params(route, method, query, lines, b"", scope)
            exchange.refusal = refusal
            return await self._kernel.handle(exchange)
        exchange.params = _params(route, method, query, lines, body, scope)
        try:
            exchange.principal = self._principal(
                found,
                HttpRequest(
                    method,
                    scope_path(scope),
                    query,
                    headers,
                    body,
                    client[0],
                    scope.get("scheme", "http"),
                ),
                facts,
            )
        except ApiError as refusal:
            exchange.refusal = refusal
        return await self._kernel.handle(exchange)

    def _principal(self, found: FoundUrl, request: HttpRequest, facts: EdgeFacts) -> Principal:
        if found.config.auth_type == "NONE":
            return anonymous_principal(found.target.account_id)
        return authenticate(request, "lambda", self._region, facts.received_at,
                            self._credentials)  # fmt: skip


def scope_path(scope: Scope) -> str:
    raw = scope.get("raw_path") or scope["path"].encode()
    return str(raw.decode("latin-1"))


def _params(
    route: UrlRoute,
    method: str,
    query: str,
    lines: tuple[tuple[str, str], ...],
    body: bytes,
    scope: Scope,
) -> dict[str, Any]:
    return {
        "FunctionUrlId": route.url_id,
        "Method": method,
        "RawPath": route.raw_path,
        "RawQueryString": query,
        "Headers": [{"Name": name, "Value": value} for name, value in lines],
        "Body": body,
        "Protocol": f"HTTP/{scope.get('http_version', '1.1')}",
        "DomainName": route.domain_name,
        "Scheme": scope.get("scheme", "http"),
        "Port": (scope.get("server") or ("", 443))[1] or 443,
        **_tls(scope),
    }


def _tls(scope: Scope) -> dict[str, str]:
    found = scope.get(TLS_SCOPE_KEY)
    return {} if found is None else {"TlsVersion": found[0], "TlsCipher": found[1]}


def _header_lines(scope: Scope) -> tuple[tuple[str, str], ...]:
    return tuple(
        (name.decode("latin-1"), header_text(value)) for name, value in scope.get("headers", ())
    )


def _joined(lines: tuple[tuple[str, str], ...]) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in lines:
        key = name.lower()
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


def _plain(response: UrlResponse, request_id: str) -> HttpResponse:
    return HttpResponse(
        response.status, [*response.headers, ("x-amzn-RequestId", request_id)], response.body
    )
