"""Packets an nftables rule logged to an NFLOG group (`log prefix "..." group N`), read in the
rule's network namespace.

The reader binds group N (NFULNL_CFG_CMD_BIND) with copy mode NFULNL_COPY_PACKET and a copy
range of COPY_RANGE bytes, enough for an IPv4 header with options and the TCP/UDP/ICMP header
after it, and turns each NFULNL_MSG_PACKET into a `LoggedPacket` (<linux/netfilter/
nfnetlink_log.h>). IPv4 only; anything malformed is skipped. `length` is the IP total length
from the header (not the truncated copy): the bytes a flow log counts for the packet.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address

from stockade.sandbox.network import netlink_codec as nl
from stockade.sandbox.network.netlink_reader import (
    NetlinkReader,
    open_netfilter_socket,
    send_acknowledged,
)
from stockade.sandbox.network.netns_socket import interface_name

NFNL_SUBSYS_ULOG = 4
NFULNL_MSG_PACKET = 0
NFULNL_MSG_CONFIG = 1
NFULA_CFG_CMD = 1
NFULA_CFG_MODE = 2
NFULNL_CFG_CMD_BIND = 1
NFULNL_COPY_PACKET = 2
NFULA_IFINDEX_INDEV = 4
NFULA_PAYLOAD = 9
NFULA_PREFIX = 10
COPY_RANGE = 128
NAMES_MAX = 4096
GROUP_MAX = 0xFFFF
PORTED = (6, 17)  # TCP, UDP: ports in the first four bytes of the transport header
_IPV4 = struct.Struct("!BBHHHBBH4s4s")


@dataclass(frozen=True)
class LoggedPacket:
    prefix: str
    in_interface: str | None  # None: the interface is gone, or the packet came from this host
    src: IPv4Address
    dst: IPv4Address
    protocol: int  # IANA number
    src_port: int | None  # None: not TCP/UDP, or a later fragment
    dst_port: int | None
    length: int  # the IP packet's total length


@dataclass(frozen=True)
class RawPacket:
    """A parsed log message whose input interface is still an index."""

    prefix: str
    in_index: int | None
    src: IPv4Address
    dst: IPv4Address
    protocol: int
    src_port: int | None
    dst_port: int | None
    length: int

    def named(self, in_interface: str | None) -> LoggedPacket:
        return LoggedPacket(self.prefix, in_interface, self.src, self.dst, self.protocol,
                            self.src_port, self.dst_port, self.length)  # fmt: skip


def parse_datagram(datagram: bytes) -> Iterator[RawPacket]:
    for message in nl.messages(datagram):
        if message.type == (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET:
            packet = parse_packet(message.body)
            if packet is not None:
                yield packet


def parse_packet(body: bytes) -> RawPacket | None:
    """One NFULNL_MSG_PACKET body (None: not a readable IPv4 packet)."""
    attrs = nl.nfgen_attributes(body)
    if attrs is None or NFULA_PAYLOAD not in attrs:
        return None
    ip = attrs[NFULA_PAYLOAD]
    if len(ip) < _IPV4.size:
        return None
    version_ihl, _, total, _, fragment, _, protocol, _, src, dst = _IPV4.unpack_from(ip)
    header = (version_ihl & 0x0F) * 4
    if version_ihl >> 4 != 4 or header < _IPV4.size or total < header:
        return None
    src_port = dst_port = None
    first_fragment = fragment & 0x1FFF == 0
    if protocol in PORTED and first_fragment and len(ip) >= header + 4:
        src_port, dst_port = struct.unpack_from("!HH", ip, header)
    prefix = attrs.get(NFULA_PREFIX, b"").split(b"\0", 1)[0].decode("ascii", "replace")
    index = nl.u32_be(attrs.get(NFULA_IFINDEX_INDEV, b""))
    return RawPacket(prefix, index, IPv4Address(src), IPv4Address(dst), protocol,
                     src_port, dst_port, total)  # fmt: skip


def bind_requests(group: int) -> list[bytes]:
    kind = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG
    bind = nl.attribute(NFULA_CFG_CMD, bytes([NFULNL_CFG_CMD_BIND]))
    mode = nl.attribute(NFULA_CFG_MODE, struct.pack("!IBB", COPY_RANGE, NFULNL_COPY_PACKET, 0))
    return [
        nl.request(kind, 1, socket.AF_UNSPEC, group, bind),
        nl.request(kind, 2, socket.AF_UNSPEC, group, mode),
    ]


def _open(netns: str | None, group: int) -> socket.socket:
    sock = open_netfilter_socket(netns)
    try:
        send_acknowledged(sock, bind_requests(group))
    except BaseException:
        sock.close()
        raise
    return sock


Names = Callable[[int], str | None]


class NflogReader:
    """The packets logged to one group in one namespace (None: the process's own, where the
    default network's rules are); one reader per group per namespace: the kernel refuses a
    second socket's binding with EPERM until the first closes."""

    def __init__(self, netns: str | None, reader: NetlinkReader[RawPacket], names: Names) -> None:
        self.netns = netns
        self._reader = reader
        self._names = names
        self._known: dict[int, str | None] = {}

    @classmethod
    async def open(cls, netns: str | None, group: int) -> NflogReader:
        if not 0 <= group <= GROUP_MAX:
            raise ValueError(f"NFLOG group {group} is not 0-{GROUP_MAX}")
        sock = await asyncio.to_thread(_open, netns, group)
        return cls(netns, NetlinkReader(sock, parse_datagram), lambda i: interface_name(netns, i))

    @property
    def lost(self) -> int:
        return self._reader.lost

    async def packets(self) -> AsyncIterator[LoggedPacket]:
        """Logged packets as they come, until `close()`."""
        async for raw in self._reader.items():
            yield raw.named(await self._name(raw.in_index))

    async def _name(self, index: int | None) -> str | None:
        # Interface indexes are allocated cyclically (not reused soon), so a name, or the
        # absence of one, stays right long enough to cache: one lookup per index, not per
        # packet. The cache is bounded; past its size it starts over.
        if index is None or index == 0:
            return None
        if index not in self._known:
            if len(self._known) >= NAMES_MAX:
                self._known.clear()
            self._known[index] = await asyncio.to_thread(self._names, index)
        return self._known[index]

    def close(self) -> None:
        self._reader.close()
