"""The flow-log readers against the real kernel: throwaway namespaces laid out like a VPC
router (an environment's veth `s<tag>-1` into the router, an uplink to a "server" namespace),
an nftables forward chain that logs and drops what it rejects (`log prefix ... group N`) and
accepts one port, conntrack accounting on in the router. The NFLOG reader must see the dropped
SYN and datagrams as sent; the conntrack reader must report the ended connection with the
same per-direction counts nftables' own counters saw; the aggregator turns both into default
format lines. Every wait is bounded; the namespaces are removed in `finally`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from ipaddress import IPv4Address
from typing import TypeVar

import pytest

from stockade.clock import FakeClock
from stockade.domain.flow_log import Action
from stockade.sandbox.network.conntrack_events import ConntrackEvents, EndedFlow, flush
from stockade.sandbox.network.errors import NetworkError
from stockade.sandbox.network.flow_aggregator import FlowAggregator, FlowInterface
from stockade.sandbox.network.netns_socket import call_in_netns, interface_name, write_proc_sys
from stockade.sandbox.network.nflog import LoggedPacket, NflogReader
from stockade.types import AccountId

T = TypeVar("T")
ENV, GATEWAY = "10.77.0.2", "10.77.0.1"
SERVER, UPLINK = "10.78.0.2", "10.78.0.1"
OPEN_PORT, CLOSED_PORT, UDP_PORT = 8080, 9, 5353
GROUP = 41
PREFIX = "stk-reject "
ACCOUNT = AccountId("123456789012")
ENI = FlowInterface(ACCOUNT, "eni-0123456789abcdef0")
WAIT_S = 10.0

SERVE = r"""
import socket, sys
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("0.0.0.0", int(sys.argv[1]))); srv.listen(1); srv.settimeout(20)
print("ready", flush=True)
conn, _ = srv.accept(); conn.settimeout(10)
got = b""
while len(got) < 100:
    chunk = conn.recv(100 - len(got))
    if not chunk:
        break
    got += chunk
conn.sendall(b"y" * 10); conn.close(); srv.close()
"""
CONNECT = r"""
import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
c.sendall(b"x" * 100)
got = b""
while True:  # until the server closes: it writes first, then ends
    chunk = c.recv(100)
    if not chunk:
        break
    got += chunk
assert got == b"y" * 10, got
c.close()
"""
REJECTED = r"""
import socket, sys, time
s = socket.socket(); s.setblocking(False)
s.connect_ex((sys.argv[1], int(sys.argv[2])))  # one SYN: the first retry comes after 1 s
time.sleep(0.3); s.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(2):
    u.sendto(b"hello", (sys.argv[1], int(sys.argv[3])))
u.close()
"""


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


def _in(netns: str, *argv: str, stdin: str = "") -> str:
    done = subprocess.run(
        ["ip", "netns", "exec", netns, *argv],
        input=stdin.encode(), capture_output=True, timeout=20, check=True,
    )  # fmt: skip
    return done.stdout.decode()


@dataclass(frozen=True)
class Router:
    name: str  # the router namespace
    env: str  # the environment's namespace
    server: str  # the namespace beyond the uplink
    interface: str  # the environment's interface in the router


def _ruleset(interface: str) -> str:
    return f"""table inet vpc {{
    counter orig {{ }}
    counter reply {{ }}
    chain forward {{
        type filter hook forward priority filter; policy drop;
        ip saddr {ENV} tcp dport {OPEN_PORT} counter name orig
        ip daddr {ENV} tcp sport {OPEN_PORT} counter name reply
        ct state established,related accept
        iifname "{interface}" ip daddr {SERVER} tcp dport {OPEN_PORT} accept
        iifname "{interface}" log prefix "{PREFIX}" group {GROUP} drop
    }}
}}
"""


@pytest.fixture
def router() -> Iterator[Router]:
    if os.geteuid() != 0 or shutil.which("ip") is None or shutil.which("nft") is None:
        pytest.skip("needs root, ip and nft to build network namespaces")
    tag = secrets.token_hex(3)
    net = Router(f"stk-rt-{tag}", f"stk-env-{tag}", f"stk-srv-{tag}", f"s{tag}-1")
    made: list[str] = []
    try:
        for name in (net.name, net.env, net.server):
            _ip("netns", "add", name)
            made.append(name)
            _ip("-n", name, "link", "set", "lo", "up")
        _ip("-n", net.name, "link", "add", net.interface, "type", "veth",
            "peer", "name", "eth0", "netns", net.env)  # fmt: skip
        _ip("-n", net.name, "link", "add", "up0", "type", "veth",
            "peer", "name", "eth0", "netns", net.server)  # fmt: skip
        for ns, dev, address, via in (
            (net.name, net.interface, f"{GATEWAY}/24", None),
            (net.name, "up0", f"{UPLINK}/24", None),
            (net.env, "eth0", f"{ENV}/24", GATEWAY),
            (net.server, "eth0", f"{SERVER}/24", UPLINK),
        ):
            _ip("-n", ns, "addr", "add", address, "dev", dev)
            _ip("-n", ns, "link", "set", dev, "up")
            if via is not None:
                _ip("-n", ns, "route", "add", "default", "via", via)
        write_proc_sys(net.name, "net.ipv4.ip_forward", "1")
        _in(net.name, "nft", "-f", "-", stdin=_ruleset(net.interface))
        yield net
    finally:
        for name in made:
            subprocess.run(
                ["ip", "netns", "del", name], check=False, capture_output=True, timeout=10
            )


async def _collect(items: AsyncIterator[T], want: int, seconds: float = WAIT_S) -> list[T]:
    got: list[T] = []

    async def take() -> None:
        async for item in items:
            got.append(item)
            if len(got) >= want:
                return

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(take(), seconds)
    return got


def _counter(netns: str, name: str) -> tuple[int, int]:
    listed = json.loads(_in(netns, "nft", "-j", "list", "counter", "inet", "vpc", name))
    counter = next(item["counter"] for item in listed["nftables"] if "counter" in item)
    return int(counter["packets"]), int(counter["bytes"])


def _settled(netns: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """Both directions' counts once the connection's last packets have passed (bounded)."""
    last = None
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        now = (_counter(netns, "orig"), _counter(netns, "reply"))
        if now == last:
            return now
        last = now
        time.sleep(0.3)
    raise AssertionError("the connection's packets did not settle")


def test_nflog_reader_reports_the_dropped_syn_and_datagrams(router: Router) -> None:
    async def scenario() -> list[LoggedPacket]:
        reader = await NflogReader.open(router.name, GROUP)
        try:
            await asyncio.to_thread(
                _in, router.env, sys.executable, "-c", REJECTED,
                SERVER, str(CLOSED_PORT), str(UDP_PORT),
            )  # fmt: skip
            return await _collect(reader.packets(), 3)
        finally:
            reader.close()

    packets = asyncio.run(scenario())
    assert len(packets) == 3, packets
    syn, first, second = packets
    assert syn.prefix == PREFIX
    assert syn.in_interface == router.interface
    assert (syn.src, syn.dst) == (IPv4Address(ENV), IPv4Address(SERVER))
    assert (syn.protocol, syn.dst_port) == (6, CLOSED_PORT)
    assert syn.src_port is not None
    assert syn.src_port >= 1024
    # Linux's SYN: a 20-byte IP header and a 40-byte TCP header (MSS, SACK-permitted,
    # timestamps, window scale: all on by default in a new namespace).
    assert syn.length == 60
    for datagram in (first, second):
        assert (datagram.protocol, datagram.dst_port) == (17, UDP_PORT)
        assert datagram.in_interface == router.interface
        assert datagram.length == 20 + 8 + len(b"hello")
    assert first.src_port == second.src_port

    # As flow records: one REJECT record per flow, the SYN counting 1 packet of 60 bytes.
    clock = FakeClock(datetime(2026, 3, 1, 12, 0, 7, tzinfo=UTC))
    aggregator = FlowAggregator(clock, interval=60, interfaces={router.interface: ENI})
    for packet in packets:
        aggregator.rejected(packet)
    start = int(clock.now().timestamp())
    lines = sorted(record.line() for record in aggregator.due(start + 60))
    assert lines == sorted([
        f"2 {ACCOUNT} {ENI.interface_id} {ENV} {SERVER} {syn.src_port} {CLOSED_PORT} 6 1 60"
        f" {start} {start} REJECT OK",
        f"2 {ACCOUNT} {ENI.interface_id} {ENV} {SERVER} {first.src_port} {UDP_PORT} 17 2 66"
        f" {start} {start} REJECT OK",
    ])  # fmt: skip


def test_conntrack_reader_reports_an_ended_connection_with_both_directions_counts(
    router: Router,
) -> None:
    async def scenario() -> tuple[list[EndedFlow], tuple[int, int], tuple[int, int]]:
        events = await ConntrackEvents.open(router.name)
        server = subprocess.Popen(
            ["ip", "netns", "exec", router.server, sys.executable, "-c", SERVE, str(OPEN_PORT)],
            stdout=subprocess.PIPE,
        )
        try:
            assert server.stdout is not None
            assert server.stdout.readline().strip() == b"ready"
            await asyncio.to_thread(
                _in, router.env, sys.executable, "-c", CONNECT, SERVER, str(OPEN_PORT)
            )
            assert server.wait(WAIT_S) == 0
            # Dropped packets are never confirmed by conntrack: no ended flow, no ACCEPT.
            await asyncio.to_thread(
                _in, router.env, sys.executable, "-c", REJECTED,
                SERVER, str(CLOSED_PORT), str(UDP_PORT),
            )  # fmt: skip
            orig, reply = await asyncio.to_thread(_settled, router.name)
            # The ended connection sits in TIME_WAIT until conntrack's collector passes
            # (tens of seconds); ending it now brings its destroy event at once.
            await asyncio.to_thread(flush, router.name)
            return await _collect(events.flows(), 2, seconds=3.0), orig, reply
        finally:
            events.close()
            if server.poll() is None:
                server.kill()
            server.wait(WAIT_S)
            if server.stdout is not None:
                server.stdout.close()

    flows, (orig_packets, orig_bytes), (reply_packets, reply_bytes) = asyncio.run(scenario())
    assert len(flows) == 1, flows
    flow = flows[0]
    assert (flow.src, flow.dst) == (IPv4Address(ENV), IPv4Address(SERVER))
    assert (flow.protocol, flow.dst_port) == (6, OPEN_PORT)
    # The same packets nftables counted in the router, direction by direction.
    assert (flow.packets, flow.bytes) == (orig_packets, orig_bytes)
    assert (flow.reply_packets, flow.reply_bytes) == (reply_packets, reply_bytes)
    assert flow.bytes > 100 + 40 * 3  # the 100 bytes sent, and at least SYN, ACK, FIN
    assert flow.reply_bytes > 10 + 40 * 3

    clock = FakeClock(datetime(2026, 3, 1, 12, 0, 7, tzinfo=UTC))
    aggregator = FlowAggregator(clock, interval=600, interfaces={ENV: ENI})
    aggregator.ended(flow)
    records = aggregator.due(int(clock.now().timestamp()) + 600)
    assert {(r.action, r.srcaddr, r.dstaddr, r.srcport, r.dstport, r.packets, r.bytes)
            for r in records} == {
        (Action.ACCEPT, ENV, SERVER, flow.src_port, OPEN_PORT, orig_packets, orig_bytes),
        (Action.ACCEPT, SERVER, ENV, OPEN_PORT, flow.src_port, reply_packets, reply_bytes),
    }  # fmt: skip


def test_a_call_in_a_namespace_sees_its_interfaces_and_leaves_the_caller_where_it_was(
    router: Router,
) -> None:
    inside = {name for _, name in call_in_netns(router.name, socket.if_nameindex)}
    assert {"lo", "up0", router.interface} == inside
    outside = {name for _, name in socket.if_nameindex()}
    assert router.interface not in outside  # this thread never left the host's namespace
    assert {name for _, name in call_in_netns(None, socket.if_nameindex)} == outside
    assert interface_name(router.name, socket.if_nametoindex("lo")) == "lo"


def test_a_group_already_bound_in_the_namespace_is_refused(router: Router) -> None:
    async def scenario() -> None:
        first = await NflogReader.open(router.name, GROUP)
        try:
            with pytest.raises(NetworkError, match="not permitted"):  # bound by another socket
                await NflogReader.open(router.name, GROUP)
        finally:
            first.close()
        again = await NflogReader.open(router.name, GROUP)  # closing released it
        again.close()

    asyncio.run(scenario())


@pytest.mark.parametrize("name", ["../etc", "a/b", "", "stk-no-such-namespace-here"])
def test_a_missing_or_malformed_namespace_name_fails_closed(name: str) -> None:
    with pytest.raises(NetworkError):
        call_in_netns(name, socket.if_nameindex)
