"""Network namespaces standing in for the internet and for private hosts, in tests.

Each `NetHost` is a named namespace joined to the host by a veth pair on a test range
(198.18.0.0/15, RFC 2544's benchmarking block: traffic never leaves the machine), with extra
addresses the host routes to it (a "metadata" 169.254.169.254, a "private" 10.x host), a TCP
server answering its own name and the address it saw the client at, and a DNS server that resolves
`*.example.test` to the namespace's address. Everything is removed on close.
"""

from __future__ import annotations

import contextlib
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

SERVER = r"""
import socket, sys, threading
name = sys.argv[1].encode()
# BULK_DOWN reads a size line and sends that many bytes (at most 1 GB); BULK_UP reads to EOF
# and answers the count.
BULK_DOWN, BULK_UP = 9100, 9101
def serve_one(c, peer, port):
    with c:
        if port == BULK_DOWN:
            size = min(int(c.makefile("rb").readline() or b"0"), 1 << 30)
            block = b"\0" * 65536
            while size > 0:
                c.sendall(block[:size])
                size -= len(block)
        elif port == BULK_UP:
            got = 0
            while chunk := c.recv(65536):
                got += len(chunk)
            c.sendall(str(got).encode())
        else:
            c.sendall(name + b" " + peer[0].encode())  # who it is, and whom it saw
def serve(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(64)
    while True:
        c, peer = s.accept()
        threading.Thread(target=serve_one, args=(c, peer, port), daemon=True).start()
def dns(address):
    # Answers A questions for *.example.test with `address`, NXDOMAIN for anything else.
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("0.0.0.0", 53))
    while True:
        q, peer = u.recvfrom(512)
        at, labels = 12, []
        while q[at]:
            labels.append(q[at + 1 : at + 1 + q[at]].decode()); at += 1 + q[at]
        question = q[12 : at + 5]
        known = ".".join(labels).endswith("example.test") and q[at + 1 : at + 3] == b"\0\1"
        flags, count = (b"\x81\x80", b"\0\1") if known else (b"\x81\x83", b"\0\0")
        head = q[:2] + flags + b"\0\1" + count + b"\0\0\0\0"
        answer = b"\xc0\x0c\0\1\0\1\0\0\0\x3c\0\4" + socket.inet_aton(address) if known else b""
        u.sendto(head + question + answer, peer)
threading.Thread(target=dns, args=(sys.argv[2],), daemon=True).start()
for port in sys.argv[3:]:
    threading.Thread(target=serve, args=(int(port),), daemon=True).start()
print("ready", flush=True)
threading.Event().wait(600)  # bounded: tests end long before
"""


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


@dataclass
class NetHost:
    name: str  # the namespace
    host_end: str
    host_address: str  # the host's end of the link
    address: str  # the namespace's end
    extra: tuple[str, ...]  # more addresses routed to it
    server: subprocess.Popen[bytes] | None = None


BULK_BYTES, BULK_DOWN, BULK_UP = 2_000_000, 9100, 9101


@contextlib.contextmanager
def net_host(
    third_octet: int, extra: Sequence[str] = (), ports: Sequence[int] = (8080, BULK_DOWN, BULK_UP)
) -> Iterator[NetHost]:
    tag = secrets.token_hex(3)
    name, host_end = f"stk-test-{tag}", f"stt{tag}"
    host_address, address = f"198.18.{third_octet}.1", f"198.18.{third_octet}.2"
    net = NetHost(name, host_end, host_address, address, tuple(extra))
    try:
        _ip("netns", "add", name)
        _ip("link", "add", host_end, "type", "veth", "peer", "name", "eth0", "netns", name)
        _ip("addr", "add", f"{host_address}/24", "dev", host_end)
        _ip("link", "set", host_end, "up")
        _ip("-n", name, "addr", "add", f"{address}/24", "dev", "eth0")
        _ip("-n", name, "link", "set", "eth0", "up")
        _ip("-n", name, "link", "set", "lo", "up")
        _ip("-n", name, "route", "add", "default", "via", host_address)
        for more in extra:
            _ip("-n", name, "addr", "add", f"{more}/32", "dev", "lo")
            _ip("route", "add", f"{more}/32", "via", address)
        net.server = subprocess.Popen(
            ["ip", "netns", "exec", name, sys.executable, "-c", SERVER, name, address]
            + [str(port) for port in ports],
            stdout=subprocess.PIPE,
        )
        assert net.server.stdout is not None
        deadline = time.monotonic() + 10
        line = net.server.stdout.readline()
        assert line.strip() == b"ready"
        assert time.monotonic() < deadline
        yield net
    finally:
        if net.server is not None:
            net.server.kill()
            net.server.wait(10)
            if net.server.stdout is not None:
                net.server.stdout.close()
        for more in extra:
            with contextlib.suppress(subprocess.CalledProcessError):
                _ip("route", "del", f"{more}/32")
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("link", "del", host_end)
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("netns", "del", name)


@dataclass
class LanHost:
    bridge: str  # the operator's network, a bridge of the host with no address on it
    name: str
    addresses: tuple[str, ...]
    server: subprocess.Popen[bytes] | None = None


@contextlib.contextmanager
def lan_host(
    addresses: Sequence[str], prefix: int = 24, ports: Sequence[int] = (5432, 8080)
) -> Iterator[LanHost]:
    """A host on an operator's LAN (a bridge on this machine): a namespace whose veth is a
    port of the bridge, holding `addresses`, serving as NetHost does on `ports`."""
    tag = secrets.token_hex(3)
    bridge, name, host_end = f"stlan{tag}", f"stk-lan-{tag}", f"stl{tag}"
    lan = LanHost(bridge, name, tuple(addresses))
    try:
        _ip("link", "add", bridge, "type", "bridge")
        _ip("link", "set", bridge, "up")
        _ip("netns", "add", name)
        _ip("link", "add", host_end, "type", "veth", "peer", "name", "eth0", "netns", name)
        _ip("link", "set", host_end, "master", bridge)
        _ip("link", "set", host_end, "up")
        for address in addresses:
            _ip("-n", name, "addr", "add", f"{address}/{prefix}", "dev", "eth0")
        _ip("-n", name, "link", "set", "eth0", "up")
        _ip("-n", name, "link", "set", "lo", "up")
        lan.server = subprocess.Popen(
            ["ip", "netns", "exec", name, sys.executable, "-c", SERVER, name, addresses[0]]
            + [str(port) for port in ports],
            stdout=subprocess.PIPE,
        )
        assert lan.server.stdout is not None
        assert lan.server.stdout.readline().strip() == b"ready"
        yield lan
    finally:
        if lan.server is not None:
            lan.server.kill()
            lan.server.wait(10)
            if lan.server.stdout is not None:
                lan.server.stdout.close()
        for args in (("link", "del", host_end), ("netns", "del", name), ("link", "del", bridge)):
            with contextlib.suppress(subprocess.CalledProcessError):
                _ip(*args)


def connect_from(namespace: str, address: str, port: int) -> str:
    """A TCP connection attempt from inside `namespace` (1.5 s): "ok" or "error <type>"."""
    code = (
        "import socket\n"
        "try:\n"
        f"    socket.create_connection(({address!r}, {port}), timeout=1.5).close(); print('ok')\n"
        "except OSError as e:\n"
        "    print('error', type(e).__name__)\n"
    )
    done = subprocess.run(
        ["ip", "netns", "exec", namespace, sys.executable, "-c", code],
        capture_output=True, timeout=20, check=True,
    )  # fmt: skip
    return done.stdout.decode().strip()
