"""A netfilter netlink socket inside a namespace, read by the event loop into a bounded queue.

The socket is made in the namespace (netns_socket), configured with blocking requests in a
worker thread (each request must be acknowledged), then made non-blocking and watched with
`loop.add_reader`: each datagram is parsed by the reader's pure function, and what it yields is
queued for `items()`. Nothing on this path raises on kernel input: an unreadable message is
skipped, a full queue or a kernel-side overrun (ENOBUFS) is counted in `lost`, not fatal.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Generic, TypeVar

from stockade.sandbox.network import netlink_codec as nl
from stockade.sandbox.network.errors import NetworkError
from stockade.sandbox.network.netns_socket import open_socket

T = TypeVar("T")

RECEIVE_BUFFER = 1 << 20  # room for bursts while the loop is busy
DATAGRAM_MAX = 1 << 16
QUEUE_MAX = 4096
ACK_TIMEOUT_S = 5.0
MAX_DATAGRAMS_PER_WAKE = 64  # then yield to the loop; the reader is called again


def open_netfilter_socket(netns: str | None, groups: Iterable[int] = ()) -> socket.socket:
    """A NETLINK_NETFILTER socket in `netns`, joined to the multicast `groups`."""
    sock = open_socket(netns, socket.AF_NETLINK, socket.SOCK_RAW, nl.NETLINK_NETFILTER)
    try:
        sock.bind((0, 0))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        sock.setsockopt(nl.SOL_NETLINK, nl.NETLINK_NO_ENOBUFS, 1)
        for group in groups:
            sock.setsockopt(nl.SOL_NETLINK, nl.NETLINK_ADD_MEMBERSHIP, group)
    except OSError as exc:
        sock.close()
        raise NetworkError(f"cannot open a netfilter socket in {netns}: {exc.strerror}") from exc
    return sock


def send_acknowledged(sock: socket.socket, requests: Iterable[bytes]) -> None:
    """Send each request (sequence numbers 1, 2, ...) and wait for its acknowledgement;
    blocking, bounded by ACK_TIMEOUT_S per request (run it in a worker thread)."""
    sock.settimeout(ACK_TIMEOUT_S)
    for request in requests:
        sock.send(request)
        sequence = int.from_bytes(request[8:12], "little")
        for _ in range(64):  # bounded: other traffic may precede the acknowledgement
            try:
                datagram = sock.recv(DATAGRAM_MAX)
            except TimeoutError as exc:
                raise NetworkError("the kernel did not acknowledge a netfilter request") from exc
            acks = [
                nl.error_code(m.body)
                for m in nl.messages(datagram)
                if m.type == nl.NLMSG_ERROR and m.sequence == sequence
            ]
            if acks:
                if acks[0] != 0:
                    code = acks[0] or 0
                    raise NetworkError(f"a netfilter request failed: {os.strerror(code)}")
                break
        else:
            raise NetworkError("no acknowledgement among the kernel's messages")


class NetlinkReader(Generic[T]):
    """Queue the items `parse` finds in each datagram of `sock` (which it now owns)."""

    def __init__(
        self, sock: socket.socket, parse: Callable[[bytes], Iterable[T]], queue_max: int = QUEUE_MAX
    ) -> None:
        self._sock = sock
        self._parse = parse
        self._queue: asyncio.Queue[T | None] = asyncio.Queue(queue_max)
        self._loop = asyncio.get_running_loop()
        self._closed = False
        self.lost = 0  # items or datagrams dropped: queue full, or the kernel's buffer overran
        sock.setblocking(False)
        self._loop.add_reader(sock.fileno(), self._readable)

    def _readable(self) -> None:
        for _ in range(MAX_DATAGRAMS_PER_WAKE):
            try:
                datagram = self._sock.recv(DATAGRAM_MAX)
            except BlockingIOError:
                return
            except OSError:  # ENOBUFS: the kernel dropped messages for us
                self.lost += 1
                continue
            for item in self._parse(datagram):
                try:
                    self._queue.put_nowait(item)
                except asyncio.QueueFull:
                    self.lost += 1

    async def items(self) -> AsyncIterator[T]:
        """What arrives, until `close()`."""
        while not self._closed:
            item = await self._queue.get()
            if item is None:
                return
            yield item

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._loop.remove_reader(self._sock.fileno())
        self._sock.close()
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)  # wakes a waiting `items()`
