"""Run the ASGI app on uvicorn (with edge_gate and edge_protocol, the only modules that know
the server library): uvicorn's lifecycle and HTTP protocol, the edge's accept and limits."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import socket
import ssl
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

from stockade.api.app import StockadeApp
from stockade.api.descriptors import ensure_descriptors
from stockade.api.edge_gate import TLS_SHUTDOWN_TIMEOUT_S, Edge, TcpAcceptor, listen
from stockade.api.edge_limits import Admission, EdgeLimits
from stockade.api.forwarded import TrustedProxies
from stockade.api.url_app import FunctionUrlApp
from stockade.sandbox import ChannelOrigin

LOG = logging.getLogger(__name__)


class ConnectionAdopter:
    """Serves HTTP on sockets that are already connected.

    Execution environments have no network; the SDKs inside them reach Stockade through a
    channel the sandbox provides, whose host end arrives here as a connected socket. Each one
    gets the same protocol stack (and therefore the same SigV4 authentication and edge limits)
    as a TCP client, and is counted against the channel's connection limits: overall, for its
    account and for its execution environment.
    """

    def __init__(self) -> None:
        self._server: uvicorn.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._edge: Edge | None = None

    def attach(self, server: uvicorn.Server, loop: asyncio.AbstractEventLoop, edge: Edge) -> None:
        self._server, self._loop, self._edge = server, loop, edge

    def __call__(self, sock: socket.socket, origin: ChannelOrigin) -> bool:
        """Serve `sock`; False (and the socket closed) when it is refused."""
        if self._server is None or self._loop is None or self._edge is None:
            sock.close()  # not serving (yet, or any more): refuse rather than queue
            return False
        loop = self._loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            return self._adopt(sock, origin)
        loop.call_soon_threadsafe(self._adopt, sock, origin)
        return True

    def _adopt(self, sock: socket.socket, origin: ChannelOrigin) -> bool:
        assert self._server is not None
        assert self._loop is not None
        assert self._edge is not None
        server, loop, edge = self._server, self._loop, self._edge
        admission = edge.admit_channel(origin.account_id, origin.environment_id)
        if admission is None:
            sock.close()
            return False
        protocol = edge.protocol(
            server.config,
            server.server_state,
            server.lifespan.state,
            admission,
            channel=True,
            origin=origin,
        )
        # The guest addresses the server by its own URL (sandbox/sdk_address.py), so the channel
        # speaks what that URL says: TLS when the server serves TLS.
        tls = edge.tls
        opened = loop.connect_accepted_socket(
            lambda: protocol,
            sock,
            ssl=tls,
            ssl_handshake_timeout=None if tls is None else edge.limits.header_timeout_s,
            ssl_shutdown_timeout=None if tls is None else TLS_SHUTDOWN_TIMEOUT_S,
        )
        task = loop.create_task(opened)
        task.add_done_callback(functools.partial(_report_failure, admission, sock))
        return True


def _report_failure(admission: Admission, sock: socket.socket, task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        admission.release()
        sock.close()
        LOG.warning("could not serve a sandbox API connection: %s", type(task.exception()).__name__)


@dataclass(frozen=True)
class UrlListener:
    """The function URL listener: its own address, application and connection limits (its
    TLS is the server's: the certificate must name the URL host names too)."""

    app: FunctionUrlApp
    host: str
    port: int


class _Server(uvicorn.Server):
    def __init__(
        self, config: _Config, adopter: ConnectionAdopter | None, urls: _Config | None = None
    ) -> None:
        super().__init__(config)
        self._adopter = adopter
        self._edge = config.edge
        self._urls = urls

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            yield
            # uvicorn re-raises the signal that stopped it once it is done, which would kill the
            # process before the caller closes its stores (and seals the audit trail); the
            # caller exits normally instead.
            self._captured_signals.clear()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        # uvicorn's own startup, except that connections are accepted by the edge (which admits
        # or refuses each before any TLS or HTTP work) rather than by loop.create_server.
        await self.lifespan.startup()
        if self.lifespan.should_exit:
            sys.exit(STARTUP_FAILURE)
        config = self.config
        try:
            listening = listen(config.host, config.port, config.backlog)
        except OSError as exc:
            LOG.error("cannot listen on %s:%d: %s", config.host, config.port, exc.strerror)
            await self.lifespan.shutdown()
            sys.exit(STARTUP_FAILURE)
        acceptor = TcpAcceptor(
            listening, self._edge, config, self.server_state, self.lifespan.state
        )
        acceptor.start()
        self.servers = [acceptor]  # type: ignore[list-item]  # uvicorn only closes them
        if self._urls is not None:
            urls = self._urls
            urls.load()
            try:
                url_listening = listen(urls.host, urls.port, urls.backlog)
            except OSError as exc:
                LOG.error("cannot listen for function URLs on %s:%d: %s", urls.host, urls.port,
                          exc.strerror)  # fmt: skip
                acceptor.close()
                await self.lifespan.shutdown()
                sys.exit(STARTUP_FAILURE)
            url_acceptor = TcpAcceptor(
                url_listening, urls.edge, urls, self.server_state, self.lifespan.state
            )
            url_acceptor.start()
            self.servers.append(url_acceptor)  # type: ignore[arg-type]
            LOG.info("function URLs on %s:%d", urls.host, urls.port)
        if self._adopter is not None:
            self._adopter.attach(self, asyncio.get_running_loop(), self._edge)
        self._log_started_message([listening])
        self.started = True


@dataclass(frozen=True)
class TlsFiles:
    cert_file: Path
    key_file: Path
    key_password: bytes | None = field(default=None, repr=False)


class _Config(uvicorn.Config):
    def __init__(self, app: StockadeApp | FunctionUrlApp, edge: Edge, **options: Any) -> None:
        super().__init__(app, **options)
        self.edge = edge

    def load(self) -> None:
        super().load()
        if self.ssl is not None:
            # TLS 1.2 at least; uvicorn exposes only the protocol constant.
            self.ssl.minimum_version = ssl.TLSVersion.TLSv1_2
            self.edge.tls = self.ssl


def serve(
    app: StockadeApp,
    host: str,
    port: int,
    adopter: ConnectionAdopter | None = None,
    tls: TlsFiles | None = None,
    limits: EdgeLimits | None = None,
    trusted: TrustedProxies | None = None,
    url_listener: UrlListener | None = None,
) -> None:
    limits = limits or EdgeLimits()
    ensure_descriptors(limits)
    options = _options(limits, tls)
    config = _Config(app, Edge(limits, trusted or TrustedProxies()), host=host, port=port,
                     **options)  # fmt: skip
    urls = (
        None
        if url_listener is None
        else _Config(url_listener.app, Edge(limits, trusted or TrustedProxies(), tls_facts=True),
                     host=url_listener.host, port=url_listener.port, **options)
    )  # fmt: skip
    _Server(config, adopter, urls).run()


def _options(limits: EdgeLimits, tls: TlsFiles | None) -> dict[str, Any]:
    return dict(
        lifespan="on",
        # Our own access log redacts bearer tokens in paths; uvicorn's would print them.
        access_log=False,
        server_header=False,
        log_config=None,
        # Forwarded headers are honoured only from configured trusted proxies (edge_protocol);
        # uvicorn's own handling would trust any loopback peer, execution environments included.
        proxy_headers=False,
        ws="none",
        timeout_keep_alive=limits.keep_alive_timeout_s,
        timeout_graceful_shutdown=10,
        ssl_certfile=None if tls is None else str(tls.cert_file),
        ssl_keyfile=None if tls is None else str(tls.key_file),
        ssl_keyfile_password=(
            None if tls is None or tls.key_password is None else tls.key_password.decode()
        ),
        ssl_version=ssl.PROTOCOL_TLS_SERVER,
    )
