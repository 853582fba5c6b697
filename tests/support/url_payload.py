"""A web request to a function URL and its answer as the client sees it, for tests of web apps
deployed behind their Lambda adapters: the request goes over HTTPS to the server's function
URL listener, which builds the payload-format-2.0 event and reads the function's answer
(services/lambda_/url_event.py, url_response.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from tests.support.server import RunningServer
from tests.support.url_client import request

USER_AGENT = "stockade-tests/1.0"


@dataclass(frozen=True)
class UrlCall:
    method: str
    path: str
    query: Sequence[tuple[str, str]] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    cookies: Sequence[str] = ()
    body: bytes | None = None


def url_event(
    method: str,
    path: str,
    query: Sequence[tuple[str, str]] = (),
    headers: Mapping[str, str] | None = None,
    cookies: Sequence[str] = (),
    body: bytes | None = None,
) -> UrlCall:
    """One request: `cookies` travel in a Cookie header, as a browser sends them."""
    return UrlCall(method, path, tuple(query), dict(headers or {}), tuple(cookies), body)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]  # lower-cased names (Set-Cookie is in `cookies`)
    cookies: tuple[str, ...]  # the Set-Cookie values the client gets, in order
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def answer(server: RunningServer, function_url: str, call: UrlCall) -> Answer:
    """Send `call` to the function URL (which ends with "/") and read its answer."""
    query = f"?{urlencode(list(call.query))}" if call.query else ""
    headers = {"User-Agent": USER_AGENT, **call.headers}
    if call.cookies:
        headers["Cookie"] = "; ".join(call.cookies)
    reply = request(server, function_url.rstrip("/") + call.path + query, call.method,
                    call.body or b"", headers)  # fmt: skip
    return Answer(
        status=reply.status,
        headers={k.lower(): v for k, v in reply.headers if k.lower() != "set-cookie"},
        cookies=tuple(reply.all("set-cookie")),
        body=reply.body,
    )
