"""The function's answer as the HTTP response a function URL sends (BUFFERED mode).

Rules, from [guide] (Lambda developer guide, "Invoking Lambda function URLs", Response payload
format) and [recorded] (LocalStack's AWS-validated snapshots, TestLambdaURL):
- a JSON object with `statusCode` is an HTTP response: that status (an integer, or a string
  of digits: [recorded] "418"), `headers`, `cookies` as one Set-Cookie each, `body` (a string,
  base64-decoded when `isBase64Encoded` is true); content-type application/json unless the
  function names one [recorded: {"statusCode": 200, "body": "body123"}];
- any other JSON value is a 200 application/json body [guide]: a string is sent as its text,
  unquoted [recorded: "hello" arrives as hello, 5 bytes], anything else as compact JSON
  [recorded: ["hello", 3, True] arrives as ["hello",3,true]];
- a `body` that is an object or array is sent as JSON [recorded: the echo fixture returns a
  dict body].
What AWS does with a payload that is not JSON, a status that is not one, a header or cookie
that is not a string, or bad base64 is not documented; Stockade fails closed with the function
error answer (502 "Internal Server Error", url_errors.FUNCTION_ERROR), never passing on a
header it cannot send safely (CR, LF or NUL in a name or value).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from stockade.services.lambda_.url_errors import FUNCTION_ERROR, JSON, UrlError

# The edge frames the body itself; a function's framing headers would contradict it (and
# could split the response), so they are dropped (Stockade's choice).
FRAMING_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "trailer", "te"}
)
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_STATUS_MIN, _STATUS_MAX = 100, 599


@dataclass(frozen=True)
class UrlResponse:
    status: int
    headers: tuple[tuple[str, str], ...] = field(repr=False)  # Set-Cookie once per cookie
    body: bytes = field(repr=False)


class BadResponse(ValueError):
    """The function's answer cannot be sent as HTTP (the URL answers FUNCTION_ERROR)."""


def error_response(error: UrlError) -> UrlResponse:
    return UrlResponse(error.status, error.headers, error.body)


def interpret(payload: bytes) -> UrlResponse:
    try:
        value = json.loads(payload.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return error_response(FUNCTION_ERROR)
    if not (isinstance(value, dict) and "statusCode" in value):
        return UrlResponse(200, (("Content-Type", JSON),), _as_body(value))
    try:
        status = parse_status(value["statusCode"])
        headers = parse_head(value.get("headers"), value.get("cookies"))
        body = _body(value.get("body"), value.get("isBase64Encoded", False))
    except BadResponse:
        return error_response(FUNCTION_ERROR)
    return UrlResponse(status, headers, body)


def parse_status(raw: object) -> int:
    if isinstance(raw, bool):
        raise BadResponse("statusCode")
    if isinstance(raw, str) and raw.isascii() and raw.isdigit():
        raw = int(raw)
    if not isinstance(raw, int) or not _STATUS_MIN <= raw <= _STATUS_MAX:
        raise BadResponse("statusCode")
    return raw


def parse_head(headers: object, cookies: object) -> tuple[tuple[str, str], ...]:
    """The function's headers (application/json when it names no content type) and one
    Set-Cookie per cookie; framing headers dropped."""
    lines: list[tuple[str, str]] = []
    if headers is not None:
        if not isinstance(headers, Mapping):
            raise BadResponse("headers")
        for name, raw in headers.items():
            value = _header_value(raw)
            if not isinstance(name, str) or not _TOKEN.fullmatch(name):
                raise BadResponse("header name")
            if name.lower() not in FRAMING_HEADERS:
                lines.append((name, value))
    if not any(name.lower() == "content-type" for name, _ in lines):
        lines.append(("Content-Type", JSON))
    if cookies is not None:
        if not isinstance(cookies, list):
            raise BadResponse("cookies")
        lines.extend(("Set-Cookie", _safe(cookie)) for cookie in cookies)
    return tuple(lines)


def _header_value(raw: object) -> str:
    """Strings as given; numbers and booleans as JSON writes them (an adapter's
    Content-Length, say). Not confirmed against AWS."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int | float):
        return json.dumps(raw)
    return _safe(raw)


def _safe(raw: object) -> str:
    if not isinstance(raw, str) or any(c in raw for c in "\r\n\0"):
        raise BadResponse("header value")
    return raw


def _body(raw: object, encoded: object) -> bytes:
    if not isinstance(encoded, bool):
        raise BadResponse("isBase64Encoded")
    if raw is None:
        return b""
    if not isinstance(raw, str):
        return _as_body(raw)
    if not encoded:
        return _utf8(raw)
    try:
        return base64.b64decode(raw.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error) as exc:
        raise BadResponse("body") from exc


def _utf8(text: str) -> bytes:
    """A lone surrogate (JSON can escape one) cannot be UTF-8: it is sent as "?"."""
    return text.encode("utf-8", "replace")


def _as_body(value: Any) -> bytes:
    if isinstance(value, str):
        return _utf8(value)
    return _utf8(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")
