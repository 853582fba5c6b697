"""Connections that ended in a network namespace, with what they carried, from conntrack's
destroy events (ctnetlink multicast group NFNLGRP_CONNTRACK_DESTROY).

Counters exist only for connections tracked while `net.netfilter.nf_conntrack_acct` is 1 in
the namespace (`enable_accounting` before traffic). Each ended connection becomes an
`EndedFlow` keyed by its ORIGINAL tuple (as the initiator sent it, before any NAT), with each
direction's packets and bytes apart: a flow log counts per direction, since a record is per
5-tuple and the reply's 5-tuple is the original's reversed (Amazon VPC user guide, "Flow log
records": "each record captures a network internet protocol (IP) traffic flow
(characterized by a 5-tuple on a per network interface basis)"). Conntrack's byte counters
sum the IP packets' lengths, as the flow log's `bytes` does.
(<linux/netfilter/nfnetlink_conntrack.h>)
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address

from stockade.sandbox.network import netlink_codec as nl
from stockade.sandbox.network.netlink_reader import (
    NetlinkReader,
    open_netfilter_socket,
    send_acknowledged,
)
from stockade.sandbox.network.netns_socket import write_proc_sys

NFNL_SUBSYS_CTNETLINK = 1
IPCTNL_MSG_CT_DELETE = 2
NFNLGRP_CONNTRACK_DESTROY = 3
CTA_TUPLE_ORIG = 1
CTA_COUNTERS_ORIG = 9
CTA_COUNTERS_REPLY = 10
CTA_TUPLE_IP = 1
CTA_TUPLE_PROTO = 2
CTA_IP_V4_SRC = 1
CTA_IP_V4_DST = 2
CTA_PROTO_NUM = 1
CTA_PROTO_SRC_PORT = 2
CTA_PROTO_DST_PORT = 3
CTA_COUNTERS_PACKETS = 1
CTA_COUNTERS_BYTES = 2
PORTED = (6, 17, 132, 136)  # TCP, UDP, SCTP, UDP-Lite carry ports in the tuple
SYSCTLS = (
    ("net.netfilter.nf_conntrack_acct", "1"),
    # Events for every connection, not only those made after a listener joined (mode 2).
    ("net.netfilter.nf_conntrack_events", "1"),
)


@dataclass(frozen=True)
class EndedFlow:
    src: IPv4Address  # the original direction, as the initiator sent it
    dst: IPv4Address
    protocol: int  # IANA number
    src_port: int | None  # None: a protocol without ports (ICMP)
    dst_port: int | None
    packets: int  # original direction (src -> dst)
    bytes: int
    reply_packets: int  # reply direction (dst -> src)
    reply_bytes: int


def _counters(data: bytes | None) -> tuple[int, int] | None:
    if data is None:
        return None
    attrs = nl.attributes(data)
    packets = nl.u64_be(attrs.get(CTA_COUNTERS_PACKETS, b""))
    count = nl.u64_be(attrs.get(CTA_COUNTERS_BYTES, b""))
    return None if packets is None or count is None else (packets, count)


def parse_destroy(body: bytes) -> EndedFlow | None:
    """One IPCTNL_MSG_CT_DELETE event (None: not IPv4, or without counters)."""
    attrs = nl.nfgen_attributes(body)
    if attrs is None or CTA_TUPLE_ORIG not in attrs:
        return None
    tuple_attrs = nl.attributes(attrs[CTA_TUPLE_ORIG])
    ip = nl.attributes(tuple_attrs.get(CTA_TUPLE_IP, b""))
    proto = nl.attributes(tuple_attrs.get(CTA_TUPLE_PROTO, b""))
    src, dst, number = ip.get(CTA_IP_V4_SRC), ip.get(CTA_IP_V4_DST), proto.get(CTA_PROTO_NUM)
    if src is None or dst is None or len(src) != 4 or len(dst) != 4:
        return None
    if number is None or len(number) != 1:
        return None
    original = _counters(attrs.get(CTA_COUNTERS_ORIG))
    reply = _counters(attrs.get(CTA_COUNTERS_REPLY))
    if original is None or reply is None:
        return None  # tracked before accounting was on: nothing to count
    src_port = dst_port = None
    if number[0] in PORTED:
        src_port = nl.u16_be(proto.get(CTA_PROTO_SRC_PORT, b""))
        dst_port = nl.u16_be(proto.get(CTA_PROTO_DST_PORT, b""))
        if src_port is None or dst_port is None:
            return None
    return EndedFlow(IPv4Address(src), IPv4Address(dst), number[0], src_port, dst_port,
                     original[0], original[1], reply[0], reply[1])  # fmt: skip


def parse_datagram(datagram: bytes) -> Iterator[EndedFlow]:
    for message in nl.messages(datagram):
        if message.type == (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE:
            flow = parse_destroy(message.body)
            if flow is not None:
                yield flow


def enable_accounting(netns: str | None) -> None:
    """Count packets and bytes of connections tracked from now on in `netns` (None: the
    process's own namespace, the host's; blocking)."""
    for key, value in SYSCTLS:
        write_proc_sys(netns, key, value)


def flush(netns: str) -> None:
    """End every connection tracked in `netns` now (blocking): each emits its destroy event
    with its counters at once, rather than when conntrack's collector next passes (tens of
    seconds after a TCP connection's TIME_WAIT). For a router about to be removed."""
    sock = open_netfilter_socket(netns)
    try:
        kind = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE
        send_acknowledged(sock, [nl.request(kind, 1, socket.AF_INET, 0)])
    finally:
        sock.close()


class ConntrackEvents:
    """The connections that end in one namespace, as they end."""

    def __init__(self, netns: str | None, reader: NetlinkReader[EndedFlow]) -> None:
        self.netns = netns
        self._reader = reader

    @classmethod
    async def open(cls, netns: str | None) -> ConntrackEvents:
        await asyncio.to_thread(enable_accounting, netns)
        sock = await asyncio.to_thread(open_netfilter_socket, netns, (NFNLGRP_CONNTRACK_DESTROY,))
        return cls(netns, NetlinkReader(sock, parse_datagram))

    @property
    def lost(self) -> int:
        return self._reader.lost

    def flows(self) -> AsyncIterator[EndedFlow]:
        return self._reader.items()

    def close(self) -> None:
        self._reader.close()
