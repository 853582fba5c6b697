"""A strict, bounded, incremental HTTP/1.1 request parser for guest-originated traffic.

The guest is hostile: every length is capped, only what the Runtime API needs is accepted
(GET/POST, origin-form targets, Content-Length or chunked bodies), and anything ambiguous
(both Content-Length and Transfer-Encoding, conflicting lengths, obs-fold, bare LF, control
characters) is a 400 and the connection is closed. No third-party parser: the import contract
keeps HTTP libraries out of the sandbox package, and this path is small enough to audit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from stockade.types import ascii_digits

MAX_REQUEST_LINE = 8 * 1024
MAX_HEADER_BLOCK = 1024 * 1024 + 64 * 1024  # the X-Ray error-cause header may be up to 1 MiB
MAX_HEADERS = 64
MAX_CHUNK_LINE = 1024
MAX_TRAILER_BLOCK = 64 * 1024  # a streamed response's error trailers (type, base64 body)
STREAMING_MODE_HEADER = "lambda-runtime-function-response-mode"

_TOKEN = re.compile(rb"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_TARGET = re.compile(rb"^/[\x21-\x7e]*$")
_FIELD_VALUE = re.compile(rb"^[\t\x20-\x7e\x80-\xff]*$")
_METHODS = frozenset({"GET", "POST"})


class ParseErrorKind(Enum):
    BAD_REQUEST = 400
    TOO_LARGE = 413


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # query string removed
    headers: dict[str, str]  # lower-cased names
    body: bytes = field(repr=False)
    # A streamed body (sent as BodyPieces) and its trailer fields (lower-cased names).
    streamed: bool = False
    trailers: dict[str, str] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class RequestHead:
    method: str
    path: str
    headers: dict[str, str]


@dataclass(frozen=True)
class StreamStart:
    """A streamed response began (`Lambda-Runtime-Function-Response-Mode: streaming`, chunked):
    its body follows as BodyPieces as it arrives, then the Request (empty body, trailers)."""

    head: RequestHead


@dataclass(frozen=True)
class BodyPiece:
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class ParseError:
    kind: ParseErrorKind
    reason: str
    head: RequestHead | None = None  # known when the body (not the head) was the problem


@dataclass(frozen=True)
class ContinueNeeded:
    """The client sent `Expect: 100-continue` and its body is acceptable: send 100 first."""


Event = Request | ParseError | ContinueNeeded | StreamStart | BodyPiece


class _State(Enum):
    HEAD = 1
    BODY = 2
    CHUNK_SIZE = 3
    CHUNK_DATA = 4
    CHUNK_CRLF = 5
    TRAILER = 6
    DEAD = 7


class RequestParser:
    """Feed bytes, get events. After a ParseError the parser is dead: close the connection."""

    def __init__(self, max_body: int, max_streamed: int = 0) -> None:
        self._max_body = max_body
        self._max_streamed = max_streamed  # 0: streamed bodies are not accepted as such
        self._buf = bytearray()
        self._state = _State.HEAD
        self._head: RequestHead | None = None
        self._remaining = 0
        self._body = bytearray()
        self._streaming = False
        self._streamed = 0
        self._trailers: dict[str, str] = {}
        self._trailer_bytes = 0

    @property
    def dead(self) -> bool:
        return self._state is _State.DEAD

    def feed(self, data: bytes) -> list[Event]:
        if self._state is _State.DEAD:
            return []
        self._buf += data
        events: list[Event] = []
        for _ in range(10_000):  # bounded: each pass consumes input or stops
            event = self._step()
            if event is None:
                break
            events.append(event)
            if isinstance(event, ParseError):
                self._state = _State.DEAD
                self._buf.clear()
                break
        return events

    def _fail(self, reason: str, kind: ParseErrorKind = ParseErrorKind.BAD_REQUEST) -> ParseError:
        return ParseError(kind, reason, self._head if self._state is not _State.HEAD else None)

    def _step(self) -> Event | None:
        if self._state is _State.HEAD:
            return self._parse_head()
        if self._state is _State.BODY:
            take = min(self._remaining, len(self._buf))
            self._body += self._buf[:take]
            del self._buf[:take]
            self._remaining -= take
            return self._complete() if self._remaining == 0 else None
        if self._state is _State.CHUNK_SIZE:
            return self._parse_chunk_size()
        if self._state is _State.CHUNK_DATA:
            take = min(self._remaining, len(self._buf))
            piece = bytes(self._buf[:take])
            del self._buf[:take]
            self._remaining -= take
            if self._remaining == 0:
                self._state = _State.CHUNK_CRLF
            if self._streaming:
                return BodyPiece(piece) if piece else None
            self._body += piece
            return self._step() if self._remaining == 0 else None
        if self._state is _State.CHUNK_CRLF:
            if len(self._buf) < 2:
                return None
            if self._buf[:2] != b"\r\n":
                return self._fail("bad chunk terminator")
            del self._buf[:2]
            self._state = _State.CHUNK_SIZE
            return self._step()
        if self._state is _State.TRAILER:
            limit = MAX_TRAILER_BLOCK if self._streaming else MAX_CHUNK_LINE
            end = self._buf.find(b"\r\n")
            if end < 0:
                return self._fail("trailer too long") if len(self._buf) > limit else None
            line = bytes(self._buf[:end])
            del self._buf[: end + 2]
            if line == b"":
                return self._complete()
            if self._streaming:  # only a streamed response's trailers mean anything
                return self._trailer(line)
            return self._step()
        return None

    def _trailer(self, line: bytes) -> Event | None:
        self._trailer_bytes += len(line) + 2
        name, sep, value = line.partition(b":")
        value = value.strip(b" \t")
        if (
            self._trailer_bytes > MAX_TRAILER_BLOCK
            or len(self._trailers) >= MAX_HEADERS
            or not sep
            or not _TOKEN.match(name)
            or not _FIELD_VALUE.match(value)
        ):
            return self._fail("malformed trailer")
        self._trailers[name.decode("ascii").lower()] = value.decode("latin-1")
        return self._step()

    def _parse_head(self) -> Event | None:
        end = self._buf.find(b"\r\n\r\n")
        if end < 0:
            first = self._buf.find(b"\r\n")
            if (first < 0 and len(self._buf) > MAX_REQUEST_LINE) or len(
                self._buf
            ) > MAX_HEADER_BLOCK:
                return self._fail("request head too large", ParseErrorKind.TOO_LARGE)
            return None
        if end + 4 > MAX_HEADER_BLOCK:
            return self._fail("request head too large", ParseErrorKind.TOO_LARGE)
        block = bytes(self._buf[:end])
        del self._buf[: end + 4]
        if b"\n" in block.replace(b"\r\n", b"") or b"\r" in block.replace(b"\r\n", b""):
            return self._fail("bare CR or LF")
        lines = block.split(b"\r\n")
        parts = lines[0].split(b" ")
        if len(lines[0]) > MAX_REQUEST_LINE or len(parts) != 3:
            return self._fail("malformed request line")
        method_b, target, version = parts
        method = method_b.decode("ascii", "replace")
        if method not in _METHODS:
            return self._fail("method not allowed")
        if version not in (b"HTTP/1.1", b"HTTP/1.0") or not _TARGET.match(target):
            return self._fail("malformed request line")
        if len(lines) - 1 > MAX_HEADERS:
            return self._fail("too many headers")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if not sep or not _TOKEN.match(name):
                return self._fail("malformed header")
            value = value.strip(b" \t")
            if not _FIELD_VALUE.match(value):
                return self._fail("malformed header value")
            key = name.decode("ascii").lower()
            text = value.decode("latin-1")
            if key not in headers:
                headers[key] = text
            elif key == "content-length":
                if headers[key] != text:
                    return self._fail("conflicting Content-Length")
            elif key in ("transfer-encoding", "host"):
                return self._fail(f"duplicate {key}")
            else:
                headers[key] = headers[key] + ", " + text
        path = target.split(b"?", 1)[0].decode("ascii")
        self._head = RequestHead(method, path, headers)
        self._body = bytearray()
        return self._begin_body()

    def _begin_body(self) -> Event | None:
        assert self._head is not None
        headers = self._head.headers
        te = headers.get("transfer-encoding")
        cl = headers.get("content-length")
        if te is not None and cl is not None:
            return self._fail("both Content-Length and Transfer-Encoding")
        if te is not None:
            if te.strip().lower() != "chunked":
                return self._fail("unsupported Transfer-Encoding")
            self._state = _State.CHUNK_SIZE
            mode = headers.get(STREAMING_MODE_HEADER, "").strip().lower()
            if mode == "streaming" and self._max_streamed > 0:
                self._streaming, self._streamed, self._trailers = True, 0, {}
                self._trailer_bytes = 0
                return StreamStart(self._head)
            return self._continue_event() or self._step()
        length = 0
        if cl is not None:
            if not ascii_digits(cl) or len(cl) > 12:
                return self._fail("bad Content-Length")
            length = int(cl)
        if length > self._max_body:
            self._state = _State.BODY
            return self._fail("body too large", ParseErrorKind.TOO_LARGE)
        self._remaining = length
        self._state = _State.BODY
        if length == 0:
            return self._complete()
        return self._continue_event() or self._step()

    def _continue_event(self) -> ContinueNeeded | None:
        assert self._head is not None
        if self._head.headers.get("expect", "").lower() == "100-continue" and not self._buf:
            return ContinueNeeded()
        return None

    def _parse_chunk_size(self) -> Event | None:
        end = self._buf.find(b"\r\n")
        if end < 0:
            return (
                self._fail("chunk size line too long") if len(self._buf) > MAX_CHUNK_LINE else None
            )
        line = bytes(self._buf[:end]).split(b";", 1)[0].strip()
        del self._buf[: end + 2]
        if not line or len(line) > 8 or any(c not in b"0123456789abcdefABCDEF" for c in line):
            return self._fail("bad chunk size")
        size = int(line, 16)
        if self._streaming:
            self._streamed += size
        if (self._streamed if self._streaming else len(self._body) + size) > (
            self._max_streamed if self._streaming else self._max_body
        ):
            return self._fail("body too large", ParseErrorKind.TOO_LARGE)
        if size == 0:
            self._state = _State.TRAILER
            return self._step()
        self._remaining = size
        self._state = _State.CHUNK_DATA
        return self._step()

    def _complete(self) -> Request:
        assert self._head is not None
        head, body = self._head, bytes(self._body)
        streamed, trailers = self._streaming, self._trailers
        self._head, self._body, self._state = None, bytearray(), _State.HEAD
        self._streaming, self._trailers = False, {}
        return Request(head.method, head.path, head.headers, body, streamed, trailers)


REASONS = {
    100: "Continue",
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
}


def render_response(
    status: int, body: bytes, headers: dict[str, str] | None = None, close: bool = False
) -> bytes:
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}"]
    for name, value in (headers or {}).items():
        if "\r" in value or "\n" in value:
            raise ValueError(f"header {name} contains a line break")
        lines.append(f"{name}: {value}")
    lines.append(f"Content-Length: {len(body)}")
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
