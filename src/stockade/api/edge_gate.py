"""Where connections come in: admitted against the connection limits, then handed to HTTP.

TCP connections are admitted by `TcpAcceptor` as they are accepted, before their TLS handshake,
so a refused one costs an accept and a close and nothing more. Connections from execution
environments (the channel) arrive already connected and are admitted by `Edge.admit_channel`;
their forwarded-for claims are never believed.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ipaddress
import logging
import socket
import ssl
from dataclasses import dataclass, field
from typing import Any

from uvicorn.config import Config
from uvicorn.server import ServerState

from stockade.api.edge_limits import Admission, ConnectionLedger, EdgeLimits, Quota
from stockade.api.edge_protocol import EdgeHttpProtocol
from stockade.api.forwarded import TrustedProxies
from stockade.sandbox import ChannelOrigin

LOG = logging.getLogger(__name__)

_TCP = "tcp"
_CHANNEL = "channel"
_NO_TRUST = TrustedProxies()
# How long a closing TLS connection waits for the client's close_notify; meanwhile it still
# reads (and decrypts) whatever the client sends, so this is kept short.
TLS_SHUTDOWN_TIMEOUT_S = 2.0
ACCEPTS_PER_WAKEUP = 64


@dataclass
class Edge:
    """Everything the edge needs per connection; one per server, used on its event loop only."""

    limits: EdgeLimits
    trusted: TrustedProxies
    tls: ssl.SSLContext | None = None
    ledger: ConnectionLedger = field(default_factory=ConnectionLedger)
    opening: set[asyncio.Task[Any]] = field(default_factory=set)  # TLS handshakes under way
    tls_facts: bool = False  # requests learn their connection's TLS version and cipher

    def admit_tcp(self, peer_ip: str) -> Admission | None:
        quotas = [Quota(_TCP, self.limits.max_connections)]
        if not self.trusted.trusts(peer_ip):  # everyone behind a trusted proxy shares its address
            quotas.append(Quota((_TCP, peer_ip), self.limits.max_connections_per_source))
        return self.ledger.admit(*quotas)

    def admit_channel(self, account_id: str, environment_id: str) -> Admission | None:
        limits = self.limits
        return self.ledger.admit(
            Quota(_CHANNEL, limits.max_channel_connections),
            Quota((_CHANNEL, account_id), limits.max_channel_connections_per_account),
            Quota((_CHANNEL, account_id, environment_id),
                  limits.max_channel_connections_per_environment),
        )  # fmt: skip

    def protocol(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        admission: Admission,
        *,
        channel: bool,
        origin: ChannelOrigin | None = None,
    ) -> EdgeHttpProtocol:
        return EdgeHttpProtocol(
            config,
            server_state,
            app_state,
            limits=self.limits,
            trusted=_NO_TRUST if channel else self.trusted,
            admission=admission,
            origin=origin,
            tls_facts=self.tls_facts,
        )


class TcpAcceptor:
    """Accepts on the listening socket itself, so that a connection over a limit is closed
    before any transport, TLS state or HTTP parser exists for it; admitted ones get TLS (when
    configured) and `EdgeHttpProtocol` from the event loop, as uvicorn's own server would."""

    def __init__(
        self,
        listening: socket.socket,
        edge: Edge,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
    ) -> None:
        self._listening = listening
        self._edge = edge
        self._config = config
        self._server_state = server_state
        self._app_state = app_state
        self._loop = asyncio.get_running_loop()
        self._resume: asyncio.TimerHandle | None = None
        self._serving = False

    def start(self) -> None:
        self._listening.setblocking(False)
        self._loop.add_reader(self._listening.fileno(), self._accept_ready)
        self._serving = True

    def close(self) -> None:
        """Stop accepting (what uvicorn calls on its servers at shutdown)."""
        if self._resume is not None:
            self._resume.cancel()
            self._resume = None
        if self._serving:
            self._serving = False
            with contextlib.suppress(Exception):
                self._loop.remove_reader(self._listening.fileno())
        self._listening.close()

    async def wait_closed(self) -> None:
        """What uvicorn awaits last at shutdown: TLS handshakes still under way are abandoned."""
        for task in list(self._edge.opening):
            task.cancel()

    def _accept_ready(self) -> None:
        for _ in range(ACCEPTS_PER_WAKEUP):  # bounded; the loop calls again while more wait
            try:
                sock, peer = self._listening.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # out of descriptors or buffers: back off, as asyncio does
                LOG.error("cannot accept connections (%s); pausing for a second", exc.strerror)
                self._pause(1.0)
                return
            admission = self._edge.admit_tcp(peer_ip(peer))
            if admission is None:
                sock.close()  # over a connection limit: refused before any TLS or HTTP work
                continue
            self._serve(sock, admission)

    def _serve(self, sock: socket.socket, admission: Admission) -> None:
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        protocol = self._edge.protocol(
            self._config, self._server_state, self._app_state, admission, channel=False
        )
        tls = self._edge.tls
        opened = self._loop.connect_accepted_socket(
            lambda: protocol,
            sock,
            ssl=tls,
            ssl_handshake_timeout=None if tls is None else self._edge.limits.header_timeout_s,
            ssl_shutdown_timeout=None if tls is None else TLS_SHUTDOWN_TIMEOUT_S,
        )
        task = self._loop.create_task(opened)
        self._edge.opening.add(task)
        task.add_done_callback(functools.partial(_opened, self._edge, admission, sock))

    def _pause(self, seconds: float) -> None:
        if self._serving:
            self._loop.remove_reader(self._listening.fileno())
            self._resume = self._loop.call_later(seconds, self._resumed)

    def _resumed(self) -> None:
        self._resume = None
        if self._serving:
            self._loop.add_reader(self._listening.fileno(), self._accept_ready)


def _opened(edge: Edge, admission: Admission, sock: socket.socket, task: asyncio.Task[Any]) -> None:
    edge.opening.discard(task)
    if task.cancelled() or task.exception() is not None:  # a failed or timed-out TLS handshake
        admission.release()
        sock.close()


def listen(host: str, port: int, backlog: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock


def peer_ip(peer: object) -> str:
    """The address of a peer as `getpeername` gave it, IPv4-mapped IPv6 as IPv4."""
    if not isinstance(peer, (tuple, list)) or not peer:
        return ""
    text = str(peer[0])
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return text
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)
