"""Run the ASGI app on uvicorn (the only module that knows the server library)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn

from stockade.api.app import StockadeApp

LOG = logging.getLogger(__name__)


class ConnectionAdopter:
    """Serves HTTP on sockets that are already connected.

    Execution environments have no network; the SDKs inside them reach Stockade through a
    channel the sandbox provides, whose host end arrives here as a connected socket. Each one
    gets the same protocol stack (and therefore the same SigV4 authentication) as a TCP client.
    """

    def __init__(self) -> None:
        self._server: uvicorn.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def attach(self, server: uvicorn.Server, loop: asyncio.AbstractEventLoop) -> None:
        self._server, self._loop = server, loop

    def __call__(self, sock: socket.socket) -> None:
        if self._server is None or self._loop is None:
            sock.close()  # not serving (yet, or any more): refuse rather than queue
            return
        loop = self._loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._adopt(sock)
        else:
            loop.call_soon_threadsafe(self._adopt, sock)

    def _adopt(self, sock: socket.socket) -> None:
        assert self._server is not None
        assert self._loop is not None
        server, loop = self._server, self._loop
        config = server.config

        def protocol() -> Any:
            return config.http_protocol_class(  # type: ignore[call-arg]
                config=config,
                server_state=server.server_state,
                app_state=server.lifespan.state,
            )

        task = loop.create_task(loop.connect_accepted_socket(protocol, sock))
        task.add_done_callback(_report_failure)


def _report_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        LOG.warning("could not serve a sandbox API connection: %s", type(task.exception()).__name__)


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, adopter: ConnectionAdopter | None) -> None:
        super().__init__(config)
        self._adopter = adopter

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            yield
            # uvicorn re-raises the signal that stopped it once it is done, which would kill the
            # process before the caller closes its stores (and seals the audit trail); the
            # caller exits normally instead.
            self._captured_signals.clear()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        if self._adopter is not None:
            self._adopter.attach(self, asyncio.get_running_loop())
        await super().startup(sockets)


@dataclass(frozen=True)
class TlsFiles:
    cert_file: Path
    key_file: Path
    key_password: bytes | None = field(default=None, repr=False)


class _Config(uvicorn.Config):
    def load(self) -> None:
        super().load()
        if self.ssl is not None:
            # TLS 1.2 at least; uvicorn exposes only the protocol constant.
            self.ssl.minimum_version = ssl.TLSVersion.TLSv1_2


def serve(
    app: StockadeApp,
    host: str,
    port: int,
    adopter: ConnectionAdopter | None = None,
    tls: TlsFiles | None = None,
) -> None:
    config = _Config(
        app,
        host=host,
        port=port,
        lifespan="on",
        # Our own access log redacts bearer tokens in paths; uvicorn's would print them.
        access_log=False,
        server_header=False,
        log_config=None,
        timeout_graceful_shutdown=10,
        ssl_certfile=None if tls is None else str(tls.cert_file),
        ssl_keyfile=None if tls is None else str(tls.key_file),
        ssl_keyfile_password=(
            None if tls is None or tls.key_password is None else tls.key_password.decode()
        ),
        ssl_version=ssl.PROTOCOL_TLS_SERVER,
    )
    _Server(config, adopter).run()
