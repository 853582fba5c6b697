"""Netlink framing, pure: messages in a datagram, attributes in a message, and requests.

Only what the netfilter readers need (nfnetlink: NFLOG and conntrack events). Parsing is
defensive: a truncated or inconsistent header ends the walk, so a reader skips what it cannot
read and never raises on kernel input (see netlink(7), <linux/netlink.h>, <linux/netfilter/
nfnetlink.h>).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

NETLINK_NETFILTER = 12
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
NETLINK_NO_ENOBUFS = 5

NLMSG_ERROR = 2
NLMSG_DONE = 3
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLA_TYPE_MASK = 0x3FFF  # without NLA_F_NESTED and NLA_F_NET_BYTEORDER
NFNETLINK_V0 = 0

_NLMSG = struct.Struct("=IHHII")  # length, type, flags, sequence, port id
_NLA = struct.Struct("=HH")  # length, type
_NFGEN = struct.Struct("!BBH")  # family, version, resource id (network order)


@dataclass(frozen=True)
class Message:
    type: int
    flags: int
    sequence: int
    body: bytes  # after the netlink header


def _align(n: int) -> int:
    return (n + 3) & ~3


def messages(datagram: bytes) -> Iterator[Message]:
    """The netlink messages of one received datagram (stops at the first malformed one)."""
    at = 0
    while at + _NLMSG.size <= len(datagram):
        length, kind, flags, sequence, _ = _NLMSG.unpack_from(datagram, at)
        if length < _NLMSG.size or at + length > len(datagram):
            return
        yield Message(kind, flags, sequence, datagram[at + _NLMSG.size : at + length])
        at += _align(length)


def attributes(data: bytes, start: int = 0) -> dict[int, bytes]:
    """The attributes from `start` (type without flags -> payload); the first of a type wins."""
    found: dict[int, bytes] = {}
    at = start
    while at + _NLA.size <= len(data):
        length, kind = _NLA.unpack_from(data, at)
        if length < _NLA.size or at + length > len(data):
            break
        found.setdefault(kind & NLA_TYPE_MASK, data[at + _NLA.size : at + length])
        at += _align(length)
    return found


def nfgen_attributes(body: bytes) -> dict[int, bytes] | None:
    """A netfilter message's attributes, after its nfgenmsg header (None: too short)."""
    if len(body) < _NFGEN.size:
        return None
    return attributes(body, _NFGEN.size)


def error_code(body: bytes) -> int | None:
    """The errno of an NLMSG_ERROR body (0 is an acknowledgement; None: unreadable)."""
    if len(body) < 4:
        return None
    (code,) = struct.unpack_from("=i", body)
    return -int(code)


def attribute(kind: int, payload: bytes) -> bytes:
    head = _NLA.pack(_NLA.size + len(payload), kind)
    padding = b"\0" * (_align(len(head) + len(payload)) - len(head) - len(payload))
    return head + payload + padding


def request(kind: int, sequence: int, family: int, resource: int, attrs: bytes = b"") -> bytes:
    """An nfnetlink request asking for an acknowledgement."""
    body = _NFGEN.pack(family, NFNETLINK_V0, resource) + attrs
    return _NLMSG.pack(_NLMSG.size + len(body), kind, NLM_F_REQUEST | NLM_F_ACK, sequence, 0) + body


def u32_be(data: bytes) -> int | None:
    return int(struct.unpack("!I", data)[0]) if len(data) == 4 else None


def u64_be(data: bytes) -> int | None:
    return int(struct.unpack("!Q", data)[0]) if len(data) == 8 else None


def u16_be(data: bytes) -> int | None:
    return int(struct.unpack("!H", data)[0]) if len(data) == 2 else None
