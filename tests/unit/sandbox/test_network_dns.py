"""The environments' resolver: what it accepts, and that it relays to its upstream."""

from __future__ import annotations

import asyncio
import socket
import struct
from ipaddress import IPv4Address
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from stockade.sandbox.network.dns import DnsForwarder, Question, host_resolvers, parse_query


def query(name: str, qtype: int = 1, ident: int = 0x1234, flags: int = 0x0100) -> bytes:
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".") if p)
    return (
        struct.pack("!HHHHHH", ident, flags, 1, 0, 0, 0)
        + labels
        + b"\0"
        + struct.pack("!HH", qtype, 1)
    )


def test_a_standard_query_is_read() -> None:
    assert parse_query(query("db.example.test", 28)) == Question("db.example.test.", 28)


def test_answers_updates_pointers_and_several_questions_are_refused() -> None:
    assert parse_query(query("a.test", flags=0x8180)) is None  # a response
    assert parse_query(query("a.test", flags=0x2800)) is None  # opcode UPDATE
    several = bytearray(query("a.test"))
    several[5] = 2
    assert parse_query(bytes(several)) is None
    pointer = query("a.test")[:12] + b"\xc0\x0c" + b"\0\1\0\1"
    assert parse_query(pointer) is None
    assert parse_query(query("a.test")[:-3]) is None  # truncated
    assert parse_query(b"\0" * 600) is None  # too long


@given(st.binary(max_size=600))
def test_no_input_makes_the_parser_raise(data: bytes) -> None:
    parse_query(data)


def test_host_resolvers_come_from_resolv_conf(tmp_path: Path) -> None:
    conf = tmp_path / "resolv.conf"
    conf.write_text("# comment\nnameserver 10.255.255.53\nnameserver fe80::1%eth0\nsearch x\n")
    assert host_resolvers(conf) == ["10.255.255.53", "fe80::1"]
    assert host_resolvers(tmp_path / "missing") == ["127.0.0.1"]


def test_a_query_is_relayed_and_its_answer_returned() -> None:
    async def run() -> tuple[bytes | None, bytes | None]:
        upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        upstream.bind(("127.0.0.1", 0))
        upstream.setblocking(False)
        loop = asyncio.get_running_loop()
        forwarder = DnsForwarder(IPv4Address("127.0.0.1"), ["127.0.0.1"],
                                 upstream.getsockname()[1])  # fmt: skip
        await forwarder.start(0)
        client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        client.setblocking(False)
        try:
            client.sendto(b"not dns", ("127.0.0.1", forwarder.port))  # dropped, not relayed
            client.sendto(query("db.example.test"), ("127.0.0.1", forwarder.port))
            asked, peer = await asyncio.wait_for(loop.sock_recvfrom(upstream, 512), 5)
            await loop.sock_sendto(upstream, asked[:2] + b"\x81\x80" + asked[4:], peer)
            answer = await asyncio.wait_for(loop.sock_recv(client, 512), 5)
            return asked, answer
        finally:
            await forwarder.close()
            client.close()
            upstream.close()

    asked, answer = asyncio.run(run())
    assert asked == query("db.example.test")
    assert answer is not None
    assert answer[:4] == b"\x12\x34\x81\x80"
