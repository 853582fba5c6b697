"""The HTTP protocol's head limits, driven in-process with a recording transport."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from stockade.api.edge_limits import ConnectionLedger, EdgeLimits, Quota
from stockade.api.edge_protocol import EdgeHttpProtocol
from stockade.api.forwarded import TrustedProxies

LIMITS = EdgeLimits(request_line_bytes=1000, header_bytes=2000, header_count=20)


class RecordingTransport(asyncio.Transport):
    def __init__(self, peer: str = "192.0.2.1") -> None:
        super().__init__()
        self.written = bytearray()
        self.closed = False
        self._peer = peer

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": (self._peer, 40000), "sockname": ("127.0.0.1", 9000)}.get(name, default)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


class App:
    def __init__(self) -> None:
        self.scopes: list[Mapping[str, Any]] = []

    async def __call__(
        self,
        scope: Mapping[str, Any],
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[Any], Awaitable[None]],
    ) -> None:
        self.scopes.append(scope)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


NO_PROXIES = TrustedProxies()


def connect(
    loop: asyncio.AbstractEventLoop, app: App, trusted: TrustedProxies = NO_PROXIES
) -> tuple[EdgeHttpProtocol, RecordingTransport, ConnectionLedger]:
    config = Config(app, log_config=None, proxy_headers=False, ws="none")
    config.load()
    ledger = ConnectionLedger()
    admission = ledger.admit(Quota("all", 10))
    assert admission is not None
    protocol = EdgeHttpProtocol(
        config, ServerState(), {}, limits=LIMITS, trusted=trusted, admission=admission, _loop=loop
    )
    transport = RecordingTransport()
    protocol.connection_made(transport)
    return protocol, transport, ledger


def settle(loop: asyncio.AbstractEventLoop) -> None:
    loop.run_until_complete(asyncio.sleep(0.01))


def test_a_request_within_the_limits_reaches_the_app(loop: asyncio.AbstractEventLoop) -> None:
    app = App()
    protocol, transport, ledger = connect(loop, app)
    protocol.data_received(b"GET /x HTTP/1.1\r\nHost: a\r\n" + b"X-Y: z\r\n" * 17 + b"\r\n")
    settle(loop)
    assert transport.written.startswith(b"HTTP/1.1 200")
    assert len(app.scopes) == 1
    protocol.connection_lost(None)
    assert ledger.count("all") == 0


@pytest.mark.parametrize(
    ("head", "status"),
    [
        (b"GET /" + b"a" * 1000 + b" HTTP/1.1\r\n\r\n", b"414"),
        (b"GET / HTTP/1.1\r\n" + b"X-Y: z\r\n" * 21 + b"\r\n", b"431"),
        (b"GET / HTTP/1.1\r\n" + b"X-Y: " + b"v" * 2001 + b"\r\n\r\n", b"431"),
        (b"GET / HTTP/1.1\r\n" + b"X-" + b"n" * 7000 + b": v\r\n\r\n", b"431"),
    ],
    ids=["url", "header count", "header values", "raw head"],
)
def test_an_oversized_head_is_answered_and_closed_before_the_app_sees_it(
    loop: asyncio.AbstractEventLoop, head: bytes, status: bytes
) -> None:
    app = App()
    protocol, transport, _ = connect(loop, app)
    protocol.data_received(head)
    settle(loop)
    assert transport.written.startswith(b"HTTP/1.1 " + status)
    assert b"connection: close" in transport.written
    assert transport.closed
    assert app.scopes == []


def test_an_endless_header_is_never_buffered_past_the_raw_bound(
    loop: asyncio.AbstractEventLoop,
) -> None:
    protocol, transport, _ = connect(loop, App())
    protocol.data_received(b"GET / HTTP/1.1\r\nX-Endless: ")
    fed = 0
    while not transport.closed and fed < 10_000_000:
        protocol.data_received(b"a" * 65536)
        fed += 65536
    assert transport.closed
    assert fed <= LIMITS.head_wire_bytes + 65536  # refused on the chunk that crossed the bound
    assert protocol._wire <= LIMITS.head_wire_bytes


def test_forwarded_for_is_read_only_from_a_trusted_proxy(
    loop: asyncio.AbstractEventLoop,
) -> None:
    request = b"GET / HTTP/1.1\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n\r\n"
    untrusted_app = App()
    protocol, _, _ = connect(loop, untrusted_app)
    protocol.data_received(request)
    trusted_app = App()
    proxied, _, _ = connect(loop, trusted_app, TrustedProxies.parse(["192.0.2.0/24"]))
    proxied.data_received(request)
    settle(loop)
    assert (untrusted_app.scopes[0]["client"][0], untrusted_app.scopes[0]["scheme"]) == (
        "192.0.2.1",
        "http",
    )
    assert (trusted_app.scopes[0]["client"][0], trusted_app.scopes[0]["scheme"]) == (
        "203.0.113.7",
        "https",
    )
