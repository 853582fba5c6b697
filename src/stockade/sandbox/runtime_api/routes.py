"""Every Runtime API route in one table (the contract on one screen, like RIE's router.go).

Request-id routes validate the id inside the session BEFORE any state transition.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from stockade.sandbox.runtime_api.http import Request
from stockade.sandbox.runtime_api.session import (
    Invocation,
    Reply,
    RuntimeSession,
    _json_error,
)

PREFIX = "/2018-06-01/runtime"
_ID = r"(?P<id>[A-Za-z0-9._:-]{1,128})"

Handler = Callable[[RuntimeSession, Request, dict[str, str]], "asyncio.Future[Invocation] | Reply"]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    name: str


def _next(
    session: RuntimeSession, _req: Request, _params: dict[str, str]
) -> asyncio.Future[Invocation] | Reply:
    return session.next_invocation()


def _response(session: RuntimeSession, req: Request, params: dict[str, str]) -> Reply:
    if req.streamed:  # its body went out piece by piece; its trailers say how it ended
        return session.finish_stream(params["id"], req.trailers)
    return session.post_response(params["id"], req.body)


def _error(session: RuntimeSession, req: Request, params: dict[str, str]) -> Reply:
    return session.post_error(
        params["id"], req.body, req.headers.get("lambda-runtime-function-error-type")
    )


def _init_error(session: RuntimeSession, req: Request, _params: dict[str, str]) -> Reply:
    return session.post_init_error(req.body, req.headers.get("lambda-runtime-function-error-type"))


ROUTES: tuple[Route, ...] = (
    Route("GET", re.compile(rf"^{PREFIX}/invocation/next$"), _next, "next"),
    Route("POST", re.compile(rf"^{PREFIX}/invocation/{_ID}/response$"), _response, "response"),
    Route("POST", re.compile(rf"^{PREFIX}/invocation/{_ID}/error$"), _error, "error"),
    Route("POST", re.compile(rf"^{PREFIX}/init/error$"), _init_error, "init_error"),
)

NOT_FOUND = _json_error(404, "NotFound", "Not Found")
METHOD_NOT_ALLOWED = _json_error(405, "MethodNotAllowed", "Method Not Allowed")


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | Reply:
    path_matched = False
    for route in ROUTES:
        m = route.pattern.match(path)
        if m is None:
            continue
        path_matched = True
        if route.method == method:
            return route, m.groupdict()
    return METHOD_NOT_ALLOWED if path_matched else NOT_FOUND


def invocation_headers(inv: Invocation) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "Lambda-Runtime-Aws-Request-Id": inv.request_id,
        "Lambda-Runtime-Deadline-Ms": str(inv.deadline_epoch_ms),
        "Lambda-Runtime-Invoked-Function-Arn": inv.invoked_function_arn,
    }
    if inv.trace_id:
        headers["Lambda-Runtime-Trace-Id"] = inv.trace_id
    if inv.client_context_json:
        headers["Lambda-Runtime-Client-Context"] = inv.client_context_json
    if inv.cognito_identity_json:
        headers["Lambda-Runtime-Cognito-Identity"] = inv.cognito_identity_json
    if inv.tenant_id and _TENANT.match(inv.tenant_id):  # read into context.tenant_id
        headers["Lambda-Runtime-Aws-Tenant-Id"] = inv.tenant_id
    return headers


def client_context_header(client_context_b64: str | None) -> str | None:
    """Invoke takes base64 JSON; the runtime gets compact JSON (no line breaks possible)."""
    if not client_context_b64:
        return None
    try:
        parsed = json.loads(base64.b64decode(client_context_b64, validate=True))
    except (ValueError, TypeError):
        return None
    return json.dumps(parsed, separators=(",", ":"))


def compact_json_header(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return json.dumps(json.loads(value), separators=(",", ":"))
    except ValueError:
        return None


_TENANT = re.compile(r"^[\x20-\x7e]{1,256}$")  # checked upstream; never a header break
_TRACE = re.compile(r"^[\x21-\x7e]{1,512}$")


def trace_header(value: str | None) -> str | None:
    return value if value and _TRACE.match(value) else None
