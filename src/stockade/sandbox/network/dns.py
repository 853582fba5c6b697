"""The platform's resolver for environments: a UDP forwarder on the default network's gateway.

Environments' /etc/resolv.conf names the gateway; the nftables rules let them reach the host
only there, on port 53. Queries are checked to be single, well-formed questions and relayed to
the host's own resolvers, so functions resolve what the host resolves and nothing they send
reaches the host's resolvers unchecked. In-flight queries are bounded per environment and in
total, so one function cannot exhaust the forwarder for the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
from dataclasses import dataclass
from ipaddress import IPv4Address, ip_address
from pathlib import Path

from stockade.sandbox.network.errors import NetworkError

LOG = logging.getLogger(__name__)
DNS_PORT = 53
UPSTREAM_TIMEOUT_S = 3.0
MAX_QUERY_BYTES = 512  # a plain query; EDNS payloads are larger but questions are not
MAX_IN_FLIGHT_PER_SOURCE = 32
MAX_IN_FLIGHT = 512
_HEADER = struct.Struct("!HHHHHH")


@dataclass(frozen=True)
class Question:
    name: str
    qtype: int


def parse_query(data: bytes) -> Question | None:
    """The one question of a standard query, or None for anything else (answers, updates,
    several questions, compression in a question, bad lengths)."""
    if not 12 < len(data) <= MAX_QUERY_BYTES:
        return None
    _, flags, qdcount, ancount, nscount, _ = _HEADER.unpack_from(data)
    if flags & 0x8000 or (flags >> 11) & 0xF != 0 or qdcount != 1 or ancount or nscount:
        return None
    labels, at = [], 12
    while True:
        if at >= len(data):
            return None
        length = data[at]
        if length == 0:
            at += 1
            break
        if length > 63 or at + 1 + length > len(data):
            return None  # 0xC0 and up: a pointer, which a question never needs
        labels.append(data[at + 1 : at + 1 + length].decode("ascii", errors="replace"))
        at += 1 + length
    if at + 4 > len(data) or sum(len(label) + 1 for label in labels) > 255:
        return None
    (qtype,) = struct.unpack_from("!H", data, at)
    return Question(".".join(labels) + ".", qtype)


def host_resolvers(resolv_conf: Path = Path("/etc/resolv.conf")) -> list[str]:
    servers = []
    with contextlib.suppress(OSError):
        for line in resolv_conf.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0] == "nameserver":
                with contextlib.suppress(ValueError):
                    servers.append(str(ip_address(parts[1].split("%")[0])))
    return servers or ["127.0.0.1"]


class _Relay(asyncio.DatagramProtocol):
    def __init__(self, forwarder: DnsForwarder) -> None:
        self._forwarder = forwarder

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        self._forwarder.received(data, (str(addr[0]), int(str(addr[1]))))


class _Answer(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.reply: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        if not self.reply.done():
            self.reply.set_result(data)


class DnsForwarder:
    def __init__(
        self, listen: IPv4Address, upstreams: list[str], upstream_port: int = DNS_PORT
    ) -> None:
        self._listen = listen
        self._upstreams = upstreams
        self._upstream_port = upstream_port
        self._transport: asyncio.DatagramTransport | None = None
        self._in_flight: dict[str, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        assert self._transport is not None
        return int(self._transport.get_extra_info("sockname")[1])

    async def start(self, port: int = DNS_PORT) -> None:
        loop = asyncio.get_running_loop()
        try:
            self._transport, _ = await loop.create_datagram_endpoint(
                lambda: _Relay(self), local_addr=(str(self._listen), port)
            )
        except OSError as exc:
            raise NetworkError(f"the resolver cannot listen on {self._listen}: {exc}") from exc

    def received(self, data: bytes, source: tuple[str, int]) -> None:
        question = parse_query(data)
        host = source[0]
        busy = self._in_flight.get(host, 0)
        if question is None or busy >= MAX_IN_FLIGHT_PER_SOURCE:
            return  # dropped: the client retries or gives up, as with a lost datagram
        if sum(self._in_flight.values()) >= MAX_IN_FLIGHT:
            return
        self._in_flight[host] = busy + 1
        task = asyncio.get_running_loop().create_task(self._relay(data, source))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _relay(self, query: bytes, source: tuple[str, int]) -> None:
        try:
            for upstream in self._upstreams:  # bounded: the host's few resolvers
                reply = await self._ask(upstream, query)
                if reply is not None and reply[:2] == query[:2]:
                    if self._transport is not None:
                        self._transport.sendto(reply, source)
                    return
        finally:
            left = self._in_flight.get(source[0], 1) - 1
            if left:
                self._in_flight[source[0]] = left
            else:
                self._in_flight.pop(source[0], None)

    async def _ask(self, upstream: str, query: bytes) -> bytes | None:
        loop = asyncio.get_running_loop()
        try:
            transport, answer = await loop.create_datagram_endpoint(
                _Answer, remote_addr=(upstream, self._upstream_port)
            )
        except OSError:
            return None
        try:
            transport.sendto(query)
            return await asyncio.wait_for(answer.reply, UPSTREAM_TIMEOUT_S)
        except (TimeoutError, OSError):
            return None
        finally:
            transport.close()

    async def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
