"""The HTTP/1.1 protocol with edge limits: uvicorn's httptools protocol, bounded.

uvicorn bounds neither the request head (httptools buffers a header, or the URL, for as long
as it grows) nor the time a client takes to send one, and arms no timer on a connection
until it has answered a request. This subclass refuses, before the request reaches the app:

* a URL longer than `request_line_bytes` (414), more than `header_count` headers, or request
  line and header values over `header_bytes` (431); the raw head is cut off at
  `head_wire_bytes` whatever it holds, so a connection never buffers more than that;
* a head not complete `header_timeout_s` after its first byte (408, then closed);
* a body that falls behind `body_timeout_s` plus one second per `body_min_rate` bytes (closed);
* a connection that sends no request within the keep-alive timeout (closed).

It also decides the client's address and scheme (see `forwarded`), and gives its connection's
admission back when the connection ends.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

import httptools
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from stockade.api import forwarded
from stockade.api.edge_limits import Admission, EdgeLimits
from stockade.api.http import CALLER_TRACE_SCOPE_KEY, TLS_SCOPE_KEY, HttpRequest
from stockade.api.sigv4 import peek_service
from stockade.domain.trace import CallerTrace
from stockade.sandbox import ChannelOrigin

# How long a refused connection may linger (sending its answer) before it is cut.
REFUSED_LINGER_S = 0.2

_REASONS = {
    408: b"Request Timeout",
    414: b"URI Too Long",
    431: b"Request Header Fields Too Large",
}


class _Unreachable(Exception):  # the environment's network does not reach the service
    pass


class _Refused(Exception):  # a control-flow signal: the request is refused
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class EdgeHttpProtocol(HttpToolsProtocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        *,
        limits: EdgeLimits,
        trusted: forwarded.TrustedProxies,
        admission: Admission,
        origin: ChannelOrigin | None = None,
        tls_facts: bool = False,
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._limits = limits
        self._trusted = trusted
        self._admission = admission
        self._origin = origin  # set for the SDK channel of an execution environment
        self._in_head = True  # reading (or waiting for) a request head
        self._head_started = False
        self._wire = 0  # raw bytes of the head so far
        self._counted = 0  # its request line and header values
        self._url_bytes = 0
        self._headers_seen = 0
        self._body_pending = False
        self._body_since = 0.0
        self._body_received = 0
        self._deadline: asyncio.TimerHandle | None = None
        self._made = False
        # The function URL listener tells functions the connection's TLS version and cipher.
        self._tls_facts = tls_facts
        self._tls: tuple[str, str] | None = None

    # -- connection ---------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._made = True
        if self._tls_facts:
            tls = transport.get_extra_info("ssl_object")
            if tls is not None:
                self._tls = (str(tls.version()), str(tls.cipher()[0]))
        # uvicorn arms its keep-alive timer only after a response: a connection that never
        # sends a request would stay open for good.
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        self._admission.release()
        if not self._made:  # lost before it was made (a TLS handshake that failed)
            return
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        try:
            # While a head is being read, feed no more than it may still grow by: the parser
            # buffers an unfinished header whole.
            while self._in_head and data:
                room = self._limits.head_wire_bytes - self._wire
                if room <= 0:
                    raise _Refused(431)
                piece, data = (data, b"") if len(data) <= room else (data[:room], data[room:])
                self._wire += len(piece)
                self.parser.feed_data(piece)
            if data:
                self.parser.feed_data(data)
        except _Refused as refusal:
            self._refuse(refusal.status)
            return
        except httptools.HttpParserCallbackError as exc:
            if isinstance(exc.__context__, _Unreachable):
                self.transport.abort()  # as a network without a route: no answer at all
            elif isinstance(exc.__context__, _Refused):
                self._refuse(exc.__context__.status)
            else:
                self.send_400_response("Invalid HTTP request received.")
            return
        except httptools.HttpParserError:
            self.send_400_response("Invalid HTTP request received.")
            return
        except httptools.HttpParserUpgrade:
            pass  # no upgrades here: the request is answered as plain HTTP (and not logged, so
            # that a client cannot fill the log with them)
        if not self.transport.is_closing():
            self._arm_deadline()

    # -- parser callbacks ---------------------------------------------------------------------
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_started = True

    def on_url(self, url: bytes) -> None:
        self._url_bytes += len(url)
        if self._url_bytes > self._limits.request_line_bytes:
            raise _Refused(414)
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers_seen += 1
        if self._headers_seen > self._limits.header_count:
            raise _Refused(431)
        self._count(len(value))
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = self._head_started = False
        self._cancel_deadline()
        if self._trusted and self.client is not None:
            client = forwarded.resolve(
                self.client[0], self.scheme or "http", self.headers, self._trusted
            )
            self.scope["client"] = (client.ip, self.client[1])
            self.scope["scheme"] = client.scheme
        if self._tls is not None:
            cast(dict[str, Any], self.scope)[TLS_SCOPE_KEY] = self._tls
        if self._origin is not None:
            reaches = self._origin.reaches
            if reaches is not None and not reaches(self._service()):
                raise _Unreachable
            # Read when the head arrives: the invocation the environment runs now.
            caller = CallerTrace(from_environment=True, trace=self._origin.current_trace())
            cast(dict[str, Any], self.scope)[CALLER_TRACE_SCOPE_KEY] = caller
        self._body_pending = True
        self._body_since = self.loop.time()
        self._body_received = 0
        super().on_headers_complete()

    def _service(self) -> str | None:
        """The SigV4 service the request names (for reachability only; nothing is trusted)."""
        scope = cast(dict[str, Any], self.scope)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in self.headers}
        query = scope.get("query_string", b"")
        raw = query.decode("latin-1") if isinstance(query, bytes) else ""
        return peek_service(HttpRequest("", "", raw, headers, b""))

    def on_body(self, body: bytes) -> None:
        self._body_received += len(body)
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._body_pending = False
        self._in_head = True
        self._wire = self._counted = self._url_bytes = self._headers_seen = 0
        self._cancel_deadline()
        super().on_message_complete()

    def _count(self, size: int) -> None:
        self._counted += size
        if self._counted > self._limits.header_bytes:
            raise _Refused(431)

    # -- deadlines ----------------------------------------------------------------------------
    def _arm_deadline(self) -> None:
        # Armed after a chunk is parsed, not per callback: a request that arrives whole (the
        # usual case) never sets a timer.
        if self._deadline is not None:
            return
        if self._in_head:
            if self._head_started:
                self._deadline = self.loop.call_later(
                    self._limits.header_timeout_s, self._head_expired
                )
        elif self._body_pending:
            self._deadline = self.loop.call_at(self._body_due(), self._body_check)

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _head_expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.keep_alive = False  # answering an earlier request: close after it
            return
        self._refuse(408)

    def _body_due(self) -> float:
        rate = self._limits.body_min_rate
        return self._body_since + self._limits.body_timeout_s + self._body_received / rate

    def _body_check(self) -> None:
        self._deadline = None
        if not self._body_pending or self.transport.is_closing():
            return
        due = self._body_due()
        if self.loop.time() < due:
            self._deadline = self.loop.call_at(due, self._body_check)
            return
        # The app may be reading this body: it sees a disconnect, and nothing it answers is sent.
        self.transport.close()

    # -- refusals -----------------------------------------------------------------------------
    def _refuse(self, status: int) -> None:
        """Answer plainly and close: nothing of the request has reached the app."""
        self._cancel_deadline()
        if self.cycle is not None and not self.cycle.response_complete:
            self.transport.close()  # a pipelined request mid-answer: no room for a second one
            return
        reason = _REASONS[status]
        body = b'{"message":"' + reason + b'"}'
        head = [b"HTTP/1.1 %d %s\r\n" % (status, reason)]
        head.extend(name + b": " + value + b"\r\n" for name, value in self._default_headers())
        head.append(b"content-type: application/json\r\n")
        head.append(b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body))
        self.transport.write(b"".join(head) + body)
        self.transport.close()
        # Over TLS, close() waits for the peer's close_notify and decrypts (and drops) whatever
        # the peer still sends meanwhile, up to the shutdown timeout: a peer refused for an
        # endless head would keep the host decrypting it. The answer is on its way already.
        self.loop.call_later(REFUSED_LINGER_S, self.transport.abort)

    def _default_headers(self) -> list[tuple[bytes, bytes]]:
        return list(self.server_state.default_headers)
