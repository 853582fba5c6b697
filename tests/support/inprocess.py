"""Stockade built in this process and driven at the ASGI level, on a clock the test moves.

`InProcessServer` builds the real composition (wiring.build: stores, kernel, services, audit
trail) in a temporary data dir, with a `FakeClock` and (by default) the fake sandbox backend,
and runs its ASGI app on an event loop in a background thread. `client()` returns a real boto3
client whose requests never touch a socket: a `before-send` hook hands each signed request to
the app as an ASGI call and gives botocore the response. Requests are signed at the fake
clock's time, so a test can move time past a window (a key's deletion date, a session's
expiry) without waiting for it.
"""

from __future__ import annotations

import asyncio
import configparser
import contextvars
import datetime as dt
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSPreparedRequest, AWSRequest, AWSResponse
from botocore.config import Config
from botocore.credentials import Credentials

from stockade.clock import FakeClock
from stockade.config import Settings
from stockade.sandbox.backend import SandboxBackend
from stockade.sandbox.backends.fake import FakeBackend
from stockade.sandbox.runtime_versions import ShippedRuntimeFiles
from stockade.wiring import Stockade, build

ENDPOINT = "https://stockade.test"
REGION = "us-east-1"
_signing_clock: contextvars.ContextVar[FakeClock | None] = contextvars.ContextVar(
    "signing_clock", default=None
)
_real_now = botocore.auth.get_current_datetime


def _signing_now(remove_tzinfo: bool = True) -> dt.datetime:
    clock = _signing_clock.get()
    if clock is None:
        real: dt.datetime = _real_now(remove_tzinfo)
        return real
    now = clock.now()
    return now.replace(tzinfo=None) if remove_tzinfo else now


# Signing reads the time through this one function; requests of in-process clients are signed
# at their server's fake time, every other client's at the real time.
botocore.auth.get_current_datetime = _signing_now


class _Raw:
    """What botocore reads a response body from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body

    def read(self, amt: int | None = None, **_: Any) -> bytes:
        """A streaming member's body (Invoke's Payload), read as botocore's StreamingBody does."""
        size = len(self._body) if amt is None else amt
        chunk, self._body = self._body[:size], self._body[size:]
        return chunk


class InProcessServer:
    def __init__(
        self,
        data_dir: Path,
        clock: FakeClock | None = None,
        sandbox: SandboxBackend | None = None,
        runtime_files: ShippedRuntimeFiles | None = None,
        **settings: Any,
    ) -> None:
        self.clock = clock or FakeClock(dt.datetime.now(dt.UTC).replace(microsecond=0))
        self._settings = Settings(data_dir=data_dir, **settings)
        self._sandbox = sandbox or FakeBackend({})
        self._runtime_files = runtime_files
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._lifespan: asyncio.Queue[dict[str, Any]] | None = None
        self.built: Stockade | None = None
        # Called after a client's request is signed, before the app sees it (a test may move
        # the clock in between).
        self.in_flight: list[Callable[[], None]] = []
        # Merged into each request's ASGI scope: what the edge adds (say, for a request from
        # an execution environment's SDK channel, the host's record of its invocation).
        self.scope_extra: dict[str, Any] = {}

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> InProcessServer:
        self._thread.start()
        self.built = self._call(self._build)
        self._call(self._startup)
        return self

    def stop(self) -> None:
        if self.built is None:
            return
        try:
            self._call(self._shutdown)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()
            self.built.close()
            self.built = None

    async def _build(self) -> Stockade:
        umask = os.umask(0o077)
        try:
            return build(
                self._settings,
                clock=self.clock,
                sandbox=self._sandbox,
                runtime_files=self._runtime_files,
            )
        finally:
            os.umask(umask)  # the server makes its files private whatever the umask; the
            # tests that run after this one in the same process keep theirs

    async def _startup(self) -> None:
        assert self.built is not None
        self._lifespan = asyncio.Queue()
        replies: asyncio.Queue[Mapping[str, Any]] = asyncio.Queue()
        await self._lifespan.put({"type": "lifespan.startup"})
        self._lifespan_task = asyncio.ensure_future(
            self.built.app({"type": "lifespan"}, self._lifespan.get, replies.put)
        )
        reply = await replies.get()
        if reply["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"in-process server failed to start: {reply}")
        self._replies = replies

    async def _shutdown(self) -> None:
        assert self._lifespan is not None
        await self._lifespan.put({"type": "lifespan.shutdown"})
        await self._replies.get()
        await self._lifespan_task

    def on_loop(self, make: Callable[[], Any]) -> Any:
        """Run the coroutine `make()` on the server's loop (where its kernel runs); its result."""
        return self._call(make)

    def _call(self, make: Callable[[], Any]) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(make(), self._loop)
        return future.result(120)

    def __enter__(self) -> InProcessServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- clients -----------------------------------------------------------------------------
    @property
    def account_id(self) -> str:
        assert self.built is not None
        return self.built.account_id

    def admin_credentials(self) -> tuple[str, str]:
        assert self.built is not None
        if self.built.admin is None:  # a restart over a data dir: the key the first start wrote
            parser = configparser.ConfigParser()
            parser.read(self._settings.data_dir / "credentials")
            profile = parser["stockade"]
            return profile["aws_access_key_id"], profile["aws_secret_access_key"]
        return self.built.admin.access_key_id, self.built.admin.secret_access_key

    def client(
        self,
        service: str,
        credentials: tuple[str, str] | tuple[str, str, str] | None = None,
        *,
        validate: bool = True,
    ) -> Any:
        key, secret, *token = credentials or self.admin_credentials()
        client = boto3.client(
            service,
            endpoint_url=ENDPOINT,
            region_name=REGION,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            aws_session_token=token[0] if token else None,
            config=Config(retries={"total_max_attempts": 1}, parameter_validation=validate),
        )
        client.meta.events.register_first("before-sign", self._sign_at_fake_time)
        client.meta.events.register_first("before-send", self._send)
        return client

    def _sign_at_fake_time(self, **_: Any) -> None:
        _signing_clock.set(self.clock)

    def _send(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        _signing_clock.set(None)
        for step in self.in_flight:
            step()
        status, headers, body = self.request(
            request.method or "GET",
            request.url or "/",
            dict(request.headers.items()),
            _body_bytes(request.body),
        )
        return AWSResponse(request.url, status, headers, _Raw(body))

    # What end-to-end tests use of a RunningServer, so that a test module can run either way.
    url = ENDPOINT
    region = REGION

    def credentials(self) -> tuple[str, str]:
        return self.admin_credentials()

    def sign(self, request: AWSRequest, service: str, key: str, secret: str) -> None:
        """SigV4-sign `request` at the fake clock's time."""
        token = _signing_clock.set(self.clock)
        try:
            SigV4Auth(Credentials(key, secret), service, REGION).add_auth(request)
        finally:
            _signing_clock.reset(token)

    def signed(
        self,
        service: str,
        method: str,
        path_and_query: str,
        headers: Mapping[str, str],
        body: bytes,
        credentials: tuple[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """A raw request, SigV4-signed for `service` at the fake clock's time."""
        key, secret = credentials or self.admin_credentials()
        request = AWSRequest(method, f"{ENDPOINT}{path_and_query}", data=body,
                             headers=dict(headers))  # fmt: skip
        self.sign(request, service, key, secret)
        return self.request(method, f"{ENDPOINT}{path_and_query}", dict(request.headers), body)

    # -- raw ASGI ----------------------------------------------------------------------------
    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str | bytes],
        body: bytes = b"",
        client_ip: str = "127.0.0.1",
    ) -> tuple[int, dict[str, str], bytes]:
        """One HTTP request through the app; (status, headers, body)."""
        parts = urlsplit(url)
        if not any(k.lower() == "host" for k in headers):  # added by the HTTP client, signed
            headers = {**headers, "host": parts.netloc}
        scope = {
            "type": "http",
            "method": method,
            "scheme": "https",
            "path": parts.path or "/",
            "raw_path": (parts.path or "/").encode("latin-1"),
            "query_string": parts.query.encode("latin-1"),
            "headers": [
                (k.lower().encode("latin-1"), v if isinstance(v, bytes) else v.encode("latin-1"))
                for k, v in headers.items()
            ],
            "client": (client_ip, 40000),
            **self.scope_extra,
        }
        return self._call(lambda: self._asgi(scope, body))  # type: ignore[no-any-return]

    def feed(
        self, scope: dict[str, Any], messages: list[dict[str, Any]]
    ) -> tuple[int, dict[str, str], bytes]:
        """The app given exactly these receive messages (a body cut off, say); status 0 if it
        answered nothing."""
        return self._call(lambda: self._asgi(scope, b"", messages))  # type: ignore[no-any-return]

    async def _asgi(
        self, scope: dict[str, Any], body: bytes, messages: list[dict[str, Any]] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        assert self.built is not None
        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        whole = [{"type": "http.request", "body": body, "more_body": False}]
        pending = list(messages) if messages is not None else whole

        async def receive() -> dict[str, Any]:
            if pending:
                return pending.pop(0)
            if messages is None:  # a whole request: its client stays until it is answered
                await asyncio.Event().wait()
            return {"type": "http.disconnect"}

        async def send(message: Mapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                chunks.append(message.get("body", b""))

        await self.built.app(scope, receive, send)
        if not start:
            return 0, {}, b""
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in start["headers"]}
        return start["status"], headers, b"".join(chunks)


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return bytes(body.read())


@contextmanager
def in_process(data_dir: Path, **kwargs: Any) -> Iterator[InProcessServer]:
    server = InProcessServer(data_dir, **kwargs)
    server.start()
    try:
        yield server
    finally:
        server.stop()
