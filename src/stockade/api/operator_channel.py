"""The operator channel: operator commands reach the kernel through a Unix socket in the data
dir, as the host user on the other end.

The socket is `<data dir>/operator.sock`, mode 0600 in the 0700 data dir, so only the user
running the server (or root) can connect; the peer's uid (SO_PEERCRED) must also be one of
those, and names the operator principal in the audit trail. Each connection carries one
request in the operator API's JSON protocol (`StockadeOperator_20261207.<Operation>`), under
small limits. The same exchange runs in-process (`call`) when no server is up, so operator
commands take one path through the kernel either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pwd
import socket
import struct
from collections.abc import Callable
from datetime import datetime
from http import HTTPStatus
from pathlib import Path

import h11

from stockade.api.errors import MalformedRequestError, RequestTooLargeError
from stockade.api.exchange import HttpExchange
from stockade.api.http import HttpRequest, HttpResponse
from stockade.api.json_endpoint import JsonEndpoint
from stockade.api.operator_address import SOCKET_NAME, TARGET_PREFIX
from stockade.clock import Clock
from stockade.domain.identity import Principal, operator_principal
from stockade.kernel import EdgeFacts, Kernel
from stockade.types import AccountId, RequestId, RequestIds

LOG = logging.getLogger(__name__)
_BODY_MAX = 1024 * 1024
_HEAD_MAX = 16 * 1024
_DEADLINE_S = 30.0
_PEERCRED = struct.Struct("3i")  # pid, uid, gid


def operator_facts(request_id: RequestId, now: datetime) -> EdgeFacts:
    """What an operator request's audit record says of where it came from."""
    return EdgeFacts(
        request_id=request_id,
        source_ip="localhost",
        user_agent="stockade-operator",
        secure_transport=True,  # a local socket no one else can open, or this very process
        received_at=now,
        base_url="",
    )


def operator_for(account: AccountId, uid: int) -> Principal:
    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = f"uid-{uid}"
    return operator_principal(account, user, uid)


async def call(
    kernel: Kernel,
    endpoint: JsonEndpoint,
    principal: Principal,
    operation: str,
    body: bytes,
    facts: EdgeFacts,
) -> HttpResponse:
    """One operator request through the kernel, as it would arrive on the socket."""
    request = HttpRequest(
        "POST",
        "/",
        "",
        {
            "x-amz-target": f"{TARGET_PREFIX}.{operation}",
            "content-type": "application/x-amz-json-1.1",
            "host": "operator",
        },
        body,
        facts.source_ip,
        "local",
    )
    return await kernel.handle(HttpExchange(endpoint, request, facts, principal=principal))


class OperatorChannel:
    def __init__(
        self,
        data_dir: Path,
        kernel: Kernel,
        endpoint: JsonEndpoint,
        clock: Clock,
        account: AccountId,
        allowed_uids: Callable[[], set[int]] = lambda: {0, os.geteuid()},
    ) -> None:
        self._data_dir = data_dir
        self._kernel = kernel
        self._endpoint = endpoint
        self._clock = clock
        self._account = account
        self._allowed = allowed_uids
        self._server: asyncio.AbstractServer | None = None
        self._request_ids = RequestIds()

    @property
    def path(self) -> Path:
        return self._data_dir / SOCKET_NAME

    async def start(self) -> None:
        # Bound through the directory's descriptor: a data dir's path may be longer than a
        # socket address can be (108 bytes).
        directory = os.open(self._data_dir, os.O_PATH | os.O_CLOEXEC)
        try:
            address = f"/proc/self/fd/{directory}/{SOCKET_NAME}"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(address)  # left by a server that did not stop cleanly
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            old = os.umask(0o177)
            try:
                listener.bind(address)
            finally:
                os.umask(old)
            os.chmod(address, 0o600)
        finally:
            os.close(directory)
        listener.listen(16)
        self._server = await asyncio.start_unix_server(self._serve, sock=listener)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            uid = _peer_uid(writer)
            if uid is None or uid not in self._allowed():
                LOG.warning("operator channel: refused a connection from uid %s", uid)
                return
            response = await asyncio.wait_for(self._answer(reader, uid), _DEADLINE_S)
            writer.write(_encode(response))
            await writer.drain()
        except (TimeoutError, ConnectionError, h11.ProtocolError) as exc:
            LOG.warning("operator channel: dropped a request (%s)", type(exc).__name__)
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader, uid: int) -> HttpResponse:
        request_id = RequestId(self._request_ids())
        facts = operator_facts(request_id, self._clock.now())
        try:
            operation, body = await _read(reader)
        except (MalformedRequestError, RequestTooLargeError) as error:
            return self._endpoint.serialize_error(error, request_id)
        principal = operator_for(self._account, uid)
        return await call(self._kernel, self._endpoint, principal, operation, body, facts)


def _peer_uid(writer: asyncio.StreamWriter) -> int | None:
    sock = writer.get_extra_info("socket")
    if sock is None:
        return None
    _, uid, _ = _PEERCRED.unpack(
        sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEERCRED.size)
    )
    return int(uid)


async def _read(reader: asyncio.StreamReader) -> tuple[str, bytes]:
    """The operation and JSON body of the one request on a connection, bounded."""
    connection = h11.Connection(h11.SERVER, max_incomplete_event_size=_HEAD_MAX)
    operation = ""
    body = bytearray()
    while True:
        event = connection.next_event()
        if event is h11.NEED_DATA:
            data = await reader.read(65536)
            connection.receive_data(data)
            continue
        if isinstance(event, h11.Request):
            headers = {k.decode().lower(): v.decode() for k, v in event.headers}
            target = headers.get("x-amz-target", "")
            prefix, _, operation = target.rpartition(".")
            if prefix != TARGET_PREFIX or not operation:
                raise MalformedRequestError("Not an operator request.")
        elif isinstance(event, h11.Data):
            body += event.data
            if len(body) > _BODY_MAX:
                raise RequestTooLargeError(f"Request must be smaller than {_BODY_MAX} bytes")
        elif isinstance(event, h11.EndOfMessage):
            return operation, bytes(body)
        elif isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
            raise MalformedRequestError("The request ended early.")


def _encode(response: HttpResponse) -> bytes:
    reason = HTTPStatus(response.status).phrase
    headers = [(k, v) for k, v in response.headers if k.lower() != "content-length"]
    headers += [("content-length", str(len(response.body))), ("connection", "close")]
    head = f"HTTP/1.1 {response.status} {reason}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers)
    return (head + "\r\n").encode("latin-1") + response.body
