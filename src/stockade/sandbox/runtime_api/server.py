"""Serves one environment's Runtime API on the listening socket the sandbox handed us.

One asyncio Protocol per connection; requests on a connection are handled strictly in order
(no pipelining tricks), reading is paused while a request is being handled, and the number of
simultaneous connections per environment is capped.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import cast

from stockade.sandbox.response_stream import STREAMED_RESPONSE_BYTES_MAX
from stockade.sandbox.runtime_api import routes
from stockade.sandbox.runtime_api.http import (
    BodyPiece,
    ContinueNeeded,
    ParseError,
    ParseErrorKind,
    Request,
    RequestParser,
    StreamStart,
    render_response,
)
from stockade.sandbox.runtime_api.session import (
    MAX_RESPONSE_BYTES,
    Reply,
    RuntimeSession,
    _json_error,
)

MAX_CONNECTIONS = 8
_ERROR_BODY_LIMIT = MAX_RESPONSE_BYTES


_PIPELINE_MAX = 4  # queued requests per connection before reading pauses


class _Connection(asyncio.Protocol):
    def __init__(self, server: RuntimeApiServer) -> None:
        self._server = server
        self._session = server.session
        self._parser = RequestParser(_ERROR_BODY_LIMIT, server.max_streamed)
        self._transport: asyncio.Transport | None = None
        self._queue: list[Request | ParseError | StreamStart | BodyPiece] = []
        self._task: asyncio.Task[None] | None = None
        self._paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream transport, but not necessarily an asyncio.Transport instance (uvloop's).
        self._transport = cast("asyncio.Transport", transport)
        if len(self._server.connections) >= MAX_CONNECTIONS:
            transport.close()
            return
        self._server.connections.add(self)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def connection_lost(self, exc: Exception | None) -> None:
        self._server.connections.discard(self)
        if self._task is not None and not self._task.done():
            self._task.cancel()

    def data_received(self, data: bytes) -> None:
        for event in self._parser.feed(data):
            if isinstance(event, ContinueNeeded):
                self._write(b"HTTP/1.1 100 Continue\r\n\r\n")
            else:
                self._queue.append(event)
        if len(self._queue) >= _PIPELINE_MAX and self._transport is not None:
            # A guest pipelining requests faster than they are answered is held back here;
            # ordinary runtimes send one request at a time and never pay the epoll updates.
            self._transport.pause_reading()
            self._paused = True
        if self._queue and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._drain())

    def _write(self, data: bytes) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(data)

    async def _drain(self) -> None:
        assert self._transport is not None
        try:
            while self._queue:  # bounded by what the parser produced
                event = self._queue.pop(0)
                if isinstance(event, ParseError):
                    reply = self._on_parse_error(event)
                    self._write(
                        render_response(reply.status, reply.body, dict(reply.headers), close=True)
                    )
                    self._transport.close()
                    return
                if isinstance(event, BodyPiece):
                    await self._session.stream_piece(event.data)
                elif isinstance(event, StreamStart):
                    if not self._start_stream(event):
                        return
                else:
                    await self._handle(event)
        finally:
            if self._paused and not self._transport.is_closing():
                self._paused = False
                self._transport.resume_reading()

    def _start_stream(self, start: StreamStart) -> bool:
        """False (the connection answered and closed) when the stream may not begin."""
        assert self._transport is not None
        found = routes.match(start.head.method, start.head.path)
        refusal = (
            found
            if isinstance(found, Reply)
            else self._session.start_stream(found[1]["id"], start.head.headers.get("content-type"))
            if found[0].name == "response"
            else _json_error(400, "InvalidRequest", "only a response may be streamed")
        )
        if refusal is None:
            return True
        self._write(
            render_response(refusal.status, refusal.body, dict(refusal.headers), close=True)
        )
        self._transport.close()
        return False

    def _on_parse_error(self, error: ParseError) -> Reply:
        if error.kind is ParseErrorKind.TOO_LARGE and error.head is not None:
            found = routes.match(error.head.method, error.head.path)
            if not isinstance(found, Reply) and found[0].name == "response":
                return self._session.response_too_large(found[1]["id"])
            return _json_error(
                413,
                "RequestEntityTooLarge",
                f"Exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes).",
            )
        if error.kind is ParseErrorKind.TOO_LARGE:
            return _json_error(413, "RequestEntityTooLarge", "Request head too large")
        return _json_error(400, "InvalidRequest", error.reason)

    async def _handle(self, request: Request) -> None:
        found = routes.match(request.method, request.path)
        if isinstance(found, Reply):
            self._write(render_response(found.status, found.body, dict(found.headers)))
            return
        route, params = found
        result = route.handler(self._session, request, params)
        if isinstance(result, Reply):
            self._write(render_response(result.status, result.body, dict(result.headers)))
            return
        invocation = await result  # parked until the environment delivers an invocation
        self._write(render_response(200, invocation.payload, routes.invocation_headers(invocation)))


class RuntimeApiServer:
    def __init__(
        self, session: RuntimeSession, max_streamed: int = STREAMED_RESPONSE_BYTES_MAX
    ) -> None:
        self.session = session
        self.max_streamed = max_streamed  # the bound of one streamed response body
        self.connections: set[_Connection] = set()
        self._server: asyncio.Server | None = None

    async def start(self, listening: socket.socket) -> None:
        listening.setblocking(False)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Connection(self), sock=listening)

    async def close(self) -> None:
        self.session.close()
        if self._server is not None:
            self._server.close()
            for conn in list(self.connections):
                if conn._transport is not None:
                    conn._transport.abort()
            self._server = None
