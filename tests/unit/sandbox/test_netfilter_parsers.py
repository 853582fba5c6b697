"""The NFLOG and conntrack message parsers, pure: messages built as the kernel lays them out
(<linux/netfilter/nfnetlink_log.h>, <linux/netfilter/nfnetlink_conntrack.h>) parse to the
values in them; truncated, foreign or random input is skipped, never raised on."""

from __future__ import annotations

import random
import socket
import struct
from ipaddress import IPv4Address

from stockade.sandbox.network import conntrack_events as ct
from stockade.sandbox.network import netlink_codec as nl
from stockade.sandbox.network import nflog

NESTED = 0x8000
PACKET = (nflog.NFNL_SUBSYS_ULOG << 8) | nflog.NFULNL_MSG_PACKET
DESTROY = (ct.NFNL_SUBSYS_CTNETLINK << 8) | ct.IPCTNL_MSG_CT_DELETE


def ipv4(protocol: int, transport: bytes, total: int | None = None, fragment: int = 0) -> bytes:
    length = total if total is not None else 20 + len(transport)
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, length, 1, fragment, 64, protocol, 0,
                         socket.inet_aton("10.0.1.25"), socket.inet_aton("10.0.2.40"))  # fmt: skip
    return header + transport


def log_message(payload: bytes, prefix: bytes = b"stk-reject \0", index: int = 7) -> bytes:
    attrs = (
        nl.attribute(nflog.NFULA_PREFIX, prefix)
        + nl.attribute(nflog.NFULA_IFINDEX_INDEV, struct.pack("!I", index))
        + nl.attribute(nflog.NFULA_PAYLOAD, payload)
    )
    return nl.request(PACKET, 0, socket.AF_INET, 41, attrs)


def syn_segment() -> bytes:
    return struct.pack("!HHIIBBHHH", 40000, 5432, 1, 0, 0xA0, 0x02, 64240, 0, 0) + b"\x00" * 20


def test_a_logged_syn_parses_to_its_header_fields() -> None:
    (packet,) = nflog.parse_datagram(log_message(ipv4(6, syn_segment())))
    assert packet == nflog.RawPacket("stk-reject ", 7, IPv4Address("10.0.1.25"),
                                     IPv4Address("10.0.2.40"), 6, 40000, 5432, 60)  # fmt: skip
    assert packet.named("sab12cd-3").in_interface == "sab12cd-3"


def test_length_is_the_ip_total_length_not_the_copied_range() -> None:
    # The kernel copies at most COPY_RANGE bytes; the header still says how long the packet was.
    (packet,) = nflog.parse_datagram(log_message(ipv4(17, b"\x13\x88\x00\x35\x05\xdc\x00\x00",
                                                      total=1500)))  # fmt: skip
    assert (packet.protocol, packet.src_port, packet.dst_port, packet.length) == (
        17,
        5000,
        53,
        1500,
    )


def test_icmp_and_later_fragments_have_no_ports() -> None:
    (icmp,) = nflog.parse_datagram(log_message(ipv4(1, b"\x08\x00\x00\x00\x00\x01\x00\x01")))
    assert (icmp.protocol, icmp.src_port, icmp.dst_port) == (1, None, None)
    (later,) = nflog.parse_datagram(log_message(ipv4(17, b"\xff" * 8, fragment=185)))
    assert (later.src_port, later.dst_port) == (None, None)


def test_several_messages_in_one_datagram_all_parse() -> None:
    datagram = log_message(ipv4(6, syn_segment()), index=3) + log_message(ipv4(6, syn_segment()))
    assert [p.in_index for p in nflog.parse_datagram(datagram)] == [3, 7]


def test_ipv6_foreign_and_broken_log_messages_are_skipped() -> None:
    v6 = bytes([0x60]) + b"\x00" * 39
    assert list(nflog.parse_datagram(log_message(v6))) == []
    assert list(nflog.parse_datagram(log_message(ipv4(6, b"")[:12]))) == []  # short header
    bad_ihl = bytes([0x44]) + ipv4(6, syn_segment())[1:]
    assert list(nflog.parse_datagram(log_message(bad_ihl))) == []
    no_payload = nl.request(PACKET, 0, socket.AF_INET, 41, nl.attribute(nflog.NFULA_PREFIX, b"x"))
    assert list(nflog.parse_datagram(no_payload)) == []
    config = nl.request((nflog.NFNL_SUBSYS_ULOG << 8) | 1, 0, 0, 41, b"")
    assert list(nflog.parse_datagram(config)) == []


def test_every_truncation_of_a_log_datagram_is_skipped_or_parsed_never_raised() -> None:
    whole = log_message(ipv4(6, syn_segment()))
    for cut in range(len(whole)):
        for packet in nflog.parse_datagram(whole[:cut]):
            assert packet.protocol == 6


def test_bind_requests_ask_for_group_and_packet_copy_mode() -> None:
    requests = nflog.bind_requests(41)
    parsed = [next(nl.messages(request)) for request in requests]
    assert [m.type for m in parsed] == [(nflog.NFNL_SUBSYS_ULOG << 8) | 1] * 2
    assert [m.sequence for m in parsed] == [1, 2]
    assert all(m.flags == nl.NLM_F_REQUEST | nl.NLM_F_ACK for m in parsed)
    assert [struct.unpack("!H", m.body[2:4])[0] for m in parsed] == [41, 41]  # resource: group
    bind, mode = (nl.nfgen_attributes(m.body) for m in parsed)
    assert bind == {nflog.NFULA_CFG_CMD: bytes([nflog.NFULNL_CFG_CMD_BIND])}
    assert mode is not None
    assert struct.unpack("!IBB", mode[nflog.NFULA_CFG_MODE]) == (128, nflog.NFULNL_COPY_PACKET, 0)


def nested(kind: int, inner: bytes) -> bytes:
    return nl.attribute(kind | NESTED, inner)


def destroy_message(protocol: int = 6, counters: bool = True, ports: bool = True) -> bytes:
    proto = nl.attribute(ct.CTA_PROTO_NUM, bytes([protocol]))
    if ports:
        proto += nl.attribute(ct.CTA_PROTO_SRC_PORT, struct.pack("!H", 40010))
        proto += nl.attribute(ct.CTA_PROTO_DST_PORT, struct.pack("!H", 5432))
    ip = nl.attribute(ct.CTA_IP_V4_SRC, socket.inet_aton("10.0.1.25")) + nl.attribute(
        ct.CTA_IP_V4_DST, socket.inet_aton("10.0.2.40")
    )
    tuple_orig = nested(ct.CTA_TUPLE_IP, ip) + nested(ct.CTA_TUPLE_PROTO, proto)
    # The reply tuple (after NAT) is deliberately different: the original one is reported.
    reply_ip = nl.attribute(ct.CTA_IP_V4_SRC, socket.inet_aton("192.0.2.9")) + nl.attribute(
        ct.CTA_IP_V4_DST, socket.inet_aton("198.51.100.1")
    )
    attrs = nested(ct.CTA_TUPLE_ORIG, tuple_orig)
    attrs += nested(2, nested(ct.CTA_TUPLE_IP, reply_ip) + nested(ct.CTA_TUPLE_PROTO, proto))
    if counters:
        for kind, (packets, count) in ((ct.CTA_COUNTERS_ORIG, (7, 480)),
                                       (ct.CTA_COUNTERS_REPLY, (5, 310))):  # fmt: skip
            inner = nl.attribute(ct.CTA_COUNTERS_PACKETS, struct.pack("!Q", packets))
            inner += nl.attribute(ct.CTA_COUNTERS_BYTES, struct.pack("!Q", count))
            attrs += nested(kind, inner)
    return nl.request(DESTROY, 0, socket.AF_INET, 0, attrs)


def test_a_destroy_event_parses_to_the_original_tuple_and_both_counters() -> None:
    (flow,) = ct.parse_datagram(destroy_message())
    assert flow == ct.EndedFlow(IPv4Address("10.0.1.25"), IPv4Address("10.0.2.40"), 6,
                                40010, 5432, 7, 480, 5, 310)  # fmt: skip


def test_icmp_destroy_events_have_no_ports() -> None:
    (flow,) = ct.parse_datagram(destroy_message(protocol=1, ports=False))
    assert (flow.protocol, flow.src_port, flow.dst_port) == (1, None, None)


def test_events_without_counters_or_ports_or_of_another_kind_are_skipped() -> None:
    assert list(ct.parse_datagram(destroy_message(counters=False))) == []
    assert list(ct.parse_datagram(destroy_message(ports=False))) == []  # TCP needs its ports
    new = destroy_message()
    new = new[:4] + struct.pack("=H", DESTROY - 2) + new[6:]  # IPCTNL_MSG_CT_NEW
    assert list(ct.parse_datagram(new)) == []


def test_every_truncation_of_a_destroy_datagram_is_skipped_or_parsed_never_raised() -> None:
    whole = destroy_message()
    for cut in range(len(whole)):
        for flow in ct.parse_datagram(whole[:cut]):
            assert flow.protocol == 6


def test_random_bytes_never_raise() -> None:
    rng = random.Random(19)
    valid = (log_message(ipv4(6, syn_segment())), destroy_message())
    parsed = 0
    for _ in range(3000):  # bounded
        if rng.random() < 0.5:
            data = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 200)))
        else:  # a valid message with a few bytes flipped: gets deeper into the parsers
            flipped = bytearray(rng.choice(valid))
            for _ in range(rng.randrange(1, 6)):
                flipped[rng.randrange(len(flipped))] = rng.getrandbits(8)
            data = bytes(flipped)
        for packet in nflog.parse_datagram(data):
            parsed += 1
            assert 0 <= packet.protocol <= 255
            assert packet.length >= 20
        for flow in ct.parse_datagram(data):
            parsed += 1
            assert min(flow.packets, flow.bytes, flow.reply_packets, flow.reply_bytes) >= 0
    assert parsed > 0  # flipped messages still reach the parsers' inner checks


def test_acknowledgements_and_errors_read_as_errno() -> None:
    assert nl.error_code(struct.pack("=i", 0)) == 0
    assert nl.error_code(struct.pack("=i", -16)) == 16  # EBUSY: a group bound twice
    assert nl.error_code(b"\x00") is None
