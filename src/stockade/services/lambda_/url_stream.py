"""The head of a streamed function URL response (RESPONSE_STREAM mode), from the stream's
prelude.

A function that wants a status, headers or cookies sets the stream's content type to
`application/vnd.awslambda.http-integration-response` and writes the prelude, JSON
(`statusCode`, `headers`, `cookies`), then 8 NUL bytes, then the body: the Node.js runtime's
`awslambda.HttpResponseStream.from` writes exactly that, before the first body write, and only
then ("JSON.stringify is required. NULL byte is not allowed in metadataPrelude": its
src/HttpResponseStream.js). A stream of any other content type has no prelude: 200 with that
content type (the Node runtime's default is application/octet-stream, its
src/ResponseStream.js).

    READING (prelude type: buffering, bounded) --8 NULs--> STREAMING
    READING --not JSON / bad fields / over the bound--> FAILED (502; the rest is dropped)
    (other type) STREAMING from the first feed

Not documented by AWS, chosen here: a bad or oversized prelude fails closed with the function
error answer (url_errors.FUNCTION_ERROR) and no body; the prelude is bounded at 64 KiB (JSON
headers and cookies; Lambda states no figure); a prelude-typed stream that ends before any
byte (the Node runtime writes the prelude only with the first write) is 200 with no body; a
prelude without `statusCode` means 200. The prelude's headers follow the buffered rules
(url_response.parse_head): application/json when it names no content type.
"""

from __future__ import annotations

import json
from enum import Enum

from stockade.services.lambda_.url_errors import FUNCTION_ERROR
from stockade.services.lambda_.url_event import media_type
from stockade.services.lambda_.url_response import (
    BadResponse,
    UrlResponse,
    error_response,
    parse_head,
    parse_status,
)

PRELUDE_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response"
DEFAULT_CONTENT_TYPE = "application/octet-stream"
DELIMITER = b"\0" * 8
PRELUDE_BYTES_MAX = 64 * 1024


class _State(Enum):
    READING = "reading"
    STREAMING = "streaming"
    FAILED = "failed"


class PreludeReader:
    def __init__(self, content_type: str | None, limit: int = PRELUDE_BYTES_MAX) -> None:
        self._limit = limit
        self._buffer = bytearray()
        self._head: UrlResponse | None = None
        self._pending_head: UrlResponse | None = None  # known, not yet returned by feed
        if media_type(content_type) == PRELUDE_CONTENT_TYPE:
            self._state = _State.READING
        else:
            self._state = _State.STREAMING
            self._head = self._pending_head = _plain_head(content_type)

    @property
    def failed(self) -> bool:
        return self._state is _State.FAILED

    def feed(self, data: bytes) -> tuple[UrlResponse | None, bytes]:
        """(the head, once, when it is known; else None) and the body bytes in `data`."""
        if self._state is _State.FAILED:
            return None, b""
        if self._state is _State.STREAMING:
            head, self._pending_head = self._pending_head, None
            return head, data
        self._buffer += data
        end = self._buffer.find(DELIMITER)
        if end < 0:
            # A NUL can only start the delimiter; the bound holds the prelude and a partial one.
            if len(self._buffer) > self._limit + len(DELIMITER) - 1:
                return self._fail(), b""
            return None, b""
        if end > self._limit:
            return self._fail(), b""
        try:
            head = _parse_prelude(bytes(self._buffer[:end]))
        except BadResponse:
            return self._fail(), b""
        body = bytes(self._buffer[end + len(DELIMITER) :])
        self._buffer = bytearray()
        self._state, self._head, self._pending_head = _State.STREAMING, head, None
        return head, body

    def finish(self) -> UrlResponse:
        """The head when the stream has ended (possibly without a prelude)."""
        if self._state is _State.READING:
            if self._buffer:
                return self._fail()
            self._state = _State.STREAMING
            self._head = UrlResponse(200, (("Content-Type", DEFAULT_CONTENT_TYPE),), b"")
        assert self._head is not None
        return self._head

    def _fail(self) -> UrlResponse:
        self._state = _State.FAILED
        self._buffer = bytearray()
        self._head = error_response(FUNCTION_ERROR)
        return self._head


def _plain_head(content_type: str | None) -> UrlResponse:
    """200 with the stream's content type (the default one if it names none, or one that
    could not be sent as a header)."""
    if content_type is None or any(c in content_type for c in "\r\n\0"):
        content_type = DEFAULT_CONTENT_TYPE
    return UrlResponse(200, (("Content-Type", content_type),), b"")


def _parse_prelude(raw: bytes) -> UrlResponse:
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_refuse)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BadResponse("prelude") from exc
    if not isinstance(value, dict):
        raise BadResponse("prelude")
    status = parse_status(value.get("statusCode", 200))
    return UrlResponse(status, parse_head(value.get("headers"), value.get("cookies")), b"")


def _refuse(name: str) -> None:
    raise ValueError(f"{name} is not JSON")
