"""Edge limits against a real server: idle and dribbling clients, endless heads, stalled bodies,
oversized tag lists from a user with no permissions, and forwarded-for claims.

Every loop is bounded in count and time, and every address is on loopback (127.0.0.0/8: a
second source address is 127.0.0.2, and so on). Timing bounds are the issue's own, measured
end to end: see each test for its margin.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import statistics
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.integration.test_iam import allow, new_user
from tests.support.server import RunningServer, running_server

pytestmark = pytest.mark.integration

HEADER_TIMEOUT_S = 3.0
BODY_TIMEOUT_S = 2.0
PER_SOURCE = 300
TAGS = {f"key-{i:05d}-" + "k" * 20: "v" * 20 for i in range(10_000)}  # ~580 KB as JSON


@pytest.fixture(scope="module")
def edge_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data_dir = tmp_path_factory.mktemp("edge") / "data"
    with running_server(
        data_dir,
        "--header-timeout", str(HEADER_TIMEOUT_S),
        "--body-timeout", str(BODY_TIMEOUT_S),
        "--body-min-rate", "1000000",
        "--keep-alive-timeout", "3",
        "--max-connections-per-source", str(PER_SOURCE),
        "--trusted-proxy", "127.0.0.2/32",
    ) as running:  # fmt: skip
        yield running


def rss_mib(server: RunningServer) -> float:
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def tls_socket(server: RunningServer, source: str = "127.0.0.1") -> socket.socket:
    raw = socket.create_connection(
        ("127.0.0.1", server.port), timeout=10, source_address=(source, 0)
    )
    context = server.ssl_context()
    return context.wrap_socket(raw, server_hostname="127.0.0.1") if context else raw


def closed_by_server(sock: socket.socket, within_s: float) -> tuple[bool, bytes]:
    """Read until the server closes (True) or `within_s` passes (False)."""
    sock.settimeout(0.2)
    got = b""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            data = sock.recv(4096)
        except (TimeoutError, ssl.SSLWantReadError):
            continue
        except OSError:
            return True, got
        if not data:
            return True, got
        got += data
    return False, got


class Signed:
    """Requests signed with botocore's SigV4 signer over one keep-alive connection, so that
    what is timed is the server's answer, not the SDK's serialisation."""

    def __init__(
        self, server: RunningServer, creds: tuple[str, str], service: str, source: str
    ) -> None:
        self._server = server
        self._signer = SigV4Auth(Credentials(*creds), service, server.region)
        self._conn = http.client.HTTPSConnection(
            "127.0.0.1", server.port, timeout=30, context=server.ssl_context(),
            source_address=(source, 0),
        )  # fmt: skip

    def prepare(
        self, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> dict[str, str]:
        request = AWSRequest(method, f"{self._server.url}{path}", data=body, headers=headers)
        self._signer.add_auth(request)
        return dict(request.headers)

    def send(
        self, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes, float]:
        started = time.perf_counter()
        self._conn.request(method, path, body=body, headers=headers)
        reply = self._conn.getresponse()
        data = reply.read()
        return reply.status, data, time.perf_counter() - started

    def close(self) -> None:
        self._conn.close()


class Background:
    """A normal boto3 client calling ListFunctions until stopped; records every outcome."""

    def __init__(self, server: RunningServer) -> None:
        self._client = server.client("lambda")
        self._stop = threading.Event()
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Background:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def _run(self) -> None:
        deadline = time.monotonic() + 60
        while not self._stop.is_set() and time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                self._client.list_functions()
            except Exception as exc:
                self.failures.append(type(exc).__name__)
            self.latencies.append(time.perf_counter() - started)
            time.sleep(0.05)


def test_idle_connections_and_a_dribbled_head_do_not_stop_a_normal_client(
    edge_server: RunningServer,
) -> None:
    # 1,000 connections that never send a byte, from one source address: past the per-source
    # limit they are refused at once, the rest are dropped when their TLS handshake is due.
    idle = []
    for _ in range(1000):
        sock = socket.socket()
        sock.bind(("127.0.0.3", 0))
        sock.settimeout(5)
        sock.connect(("127.0.0.1", edge_server.port))
        idle.append(sock)
    # And one that sends its head a byte a second.
    slow = tls_socket(edge_server, "127.0.0.4")
    slow.sendall(b"G")
    outcome: dict[str, Any] = {}

    def dribble() -> None:
        # One byte a second; between bytes, listen for the server's answer.
        started = time.monotonic()
        slow.settimeout(1.0)
        outcome["closed"], outcome["answer"] = False, b""
        for byte in b"ET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 20:
            try:
                answer = slow.recv(4096)
            except TimeoutError:
                slow.sendall(bytes([byte]))
                continue
            except OSError:
                answer = b""
            outcome["closed"], outcome["answer"] = True, answer
            break
        outcome["after_s"] = time.monotonic() - started

    dribbler = threading.Thread(target=dribble, daemon=True)
    dribbler.start()
    try:
        with Background(edge_server) as normal:
            time.sleep(HEADER_TIMEOUT_S + 3)
        dribbler.join(30)
        assert normal.failures == []
        assert len(normal.latencies) >= 10
        # A generous bound for a shared two-core machine: these answer in milliseconds.
        assert max(normal.latencies) < 2.0, normal.latencies
        assert outcome["closed"]
        assert outcome["answer"].startswith(b"HTTP/1.1 408")
        # Dropped at its head deadline (which started with the byte sent before), give or take
        # a second of scheduling on a loaded machine.
        assert outcome["after_s"] < HEADER_TIMEOUT_S + 1.5
        # By now every idle connection has been closed by the server.
        closed = sum(1 for sock in idle if closed_by_server(sock, 0.05)[0])
        assert closed == len(idle)
    finally:
        slow.close()
        for sock in idle:
            sock.close()


def test_connections_past_the_per_source_limit_are_refused_at_once(
    edge_server: RunningServer,
) -> None:
    held = [tls_socket(edge_server, "127.0.0.5") for _ in range(PER_SOURCE)]
    try:
        extra = socket.create_connection(
            ("127.0.0.1", edge_server.port), timeout=5, source_address=("127.0.0.5", 0)
        )
        assert closed_by_server(extra, 2)[0]  # closed before any TLS handshake
        extra.close()
        other = tls_socket(edge_server, "127.0.0.6")  # another address is unaffected
        other.sendall(b"GET /_stockade/health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert other.recv(64).startswith(b"HTTP/1.1 200")
        other.close()
    finally:
        for sock in held:
            sock.close()


def test_an_endless_request_head_is_cut_off_and_memory_stays_bounded(
    edge_server: RunningServer,
) -> None:
    before = rss_mib(edge_server)
    sock = tls_socket(edge_server)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Endless: ")
    sent = 0
    try:
        while sent < 200 * 2**20:  # far past any head limit
            sock.sendall(b"a" * 65536)
            sent += 65536
    except OSError:
        pass  # the server closed the connection while we were still sending
    closed, answer = closed_by_server(sock, 5)
    sock.close()
    assert closed
    assert answer.startswith(b"HTTP/1.1 431")
    # uvicorn alone kept every byte (and copied the header whole on each chunk).
    assert rss_mib(edge_server) - before < 20


def test_long_urls_and_too_many_headers_are_refused_before_authentication(
    edge_server: RunningServer,
) -> None:
    for head, status in (
        (b"GET /" + b"a" * 10_241 + b" HTTP/1.1\r\nHost: x\r\n\r\n", b"414"),
        (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Many: y\r\n" * 100 + b"\r\n", b"431"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"v" * 10_240 + b"\r\n\r\n", b"431"),
    ):
        sock = tls_socket(edge_server)
        sock.sendall(head)
        closed, answer = closed_by_server(sock, 5)
        sock.close()
        assert closed
        assert answer.startswith(b"HTTP/1.1 " + status), answer[:60]


def test_a_body_that_stalls_is_dropped(edge_server: RunningServer) -> None:
    sock = tls_socket(edge_server)
    sock.sendall(b"POST /2015-03-31/functions HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")
    started = time.monotonic()
    closed, _ = closed_by_server(sock, BODY_TIMEOUT_S + 5)
    sock.close()
    assert closed
    assert time.monotonic() - started < BODY_TIMEOUT_S + 3


def test_ten_thousand_tags_from_a_user_without_policy_are_refused_in_under_50_ms(
    edge_server: RunningServer,
) -> None:
    _, creds = new_user(edge_server)  # no policy at all
    arn = f"arn:aws:lambda:{edge_server.region}:{edge_server.account_id}:function:nobody"
    path = f"/2017-03-31/tags/{urllib.parse.quote(arn, safe='')}"
    body = json.dumps({"Tags": TAGS}).encode()
    assert len(body) > 500_000
    flood = Signed(edge_server, creds, "lambda", "127.0.0.1")
    headers = flood.prepare("POST", path, body, {"Content-Type": "application/json"})
    timings = []
    try:
        with Background(edge_server) as normal:
            for _ in range(7):
                status, answer, seconds = flood.send("POST", path, body, headers)
                assert status == 400
                assert json.loads(answer)["message"].endswith(
                    "Member must have length less than or equal to 1000"
                )
                timings.append(seconds)
                time.sleep(0.1)
    finally:
        flood.close()
    # The median of seven, end to end over loopback (upload of 580 KB included); before the
    # bound, validating the tags one by one took about as long again.
    assert statistics.median(timings) < 0.050, timings
    assert normal.failures == []
    assert len(normal.latencies) >= 3
    assert max(normal.latencies) < 1.0, normal.latencies

    # The query form of the same flood (20,000 parameters) is heavier to decode; it used to
    # take seconds and hold the event loop, and is now refused in a fraction of one.
    iam = Signed(edge_server, creds, "iam", "127.0.0.1")
    form = {"Action": "CreateUser", "Version": "2010-05-08", "UserName": "flood"}
    for index, (key, value) in enumerate(TAGS.items(), start=1):
        form[f"Tags.member.{index}.Key"], form[f"Tags.member.{index}.Value"] = key, value
    form_body = urllib.parse.urlencode(form).encode()
    form_headers = iam.prepare(
        "POST", "/", form_body, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    try:
        status, answer, seconds = iam.send("POST", "/", form_body, form_headers)
    finally:
        iam.close()
    assert status == 400
    assert b"Member must have length less than or equal to 50" in answer
    assert seconds < 0.5


def _source_ip_user(server: RunningServer, cidr: str) -> tuple[str, tuple[str, str]]:
    condition = {"IpAddress": {"aws:SourceIp": cidr}}
    return new_user(server, allow("lambda:ListFunctions", Condition=condition))


def _list_functions(
    server: RunningServer, creds: tuple[str, str], source: str, extra: dict[str, str]
) -> int:
    signed = Signed(server, creds, "lambda", source)
    try:
        headers = signed.prepare("GET", "/2015-03-31/functions/", b"", {})
        headers.update(extra)  # added after signing, as a proxy would
        return signed.send("GET", "/2015-03-31/functions/", b"", headers)[0]
    finally:
        signed.close()


def _audited_sources(server: RunningServer, user: str) -> list[str]:
    trail = server.client("cloudtrail")
    events = trail.lookup_events(
        LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": user}]
    )["Events"]
    return [
        json.loads(event["CloudTrailEvent"])["sourceIPAddress"]
        for event in events
        if event["EventName"] == "ListFunctions20150331"
    ]


def test_forwarded_for_from_an_untrusted_peer_changes_neither_source_ip_nor_audit(
    edge_server: RunningServer,
) -> None:
    # Loopback peers included: uvicorn's own handling, now off, believed them by default.
    spoof = {"X-Forwarded-For": "203.0.113.7", "Forwarded": "for=203.0.113.7"}
    outside, outside_creds = _source_ip_user(edge_server, "203.0.113.0/24")
    assert _list_functions(edge_server, outside_creds, "127.0.0.1", spoof) == 403
    local, local_creds = _source_ip_user(edge_server, "127.0.0.0/8")
    assert _list_functions(edge_server, local_creds, "127.0.0.1", spoof) == 200
    assert _audited_sources(edge_server, outside) == ["127.0.0.1"]
    assert _audited_sources(edge_server, local) == ["127.0.0.1"]


def test_a_trusted_proxys_forwarded_for_is_believed(edge_server: RunningServer) -> None:
    forwarded = {"X-Forwarded-For": "198.51.100.9, 203.0.113.7"}  # the proxy saw 203.0.113.7
    outside, creds = _source_ip_user(edge_server, "203.0.113.0/24")
    assert _list_functions(edge_server, creds, "127.0.0.2", forwarded) == 200
    assert _audited_sources(edge_server, outside) == ["203.0.113.7"]
    # The same header from an address that is not the proxy's is not.
    assert _list_functions(edge_server, creds, "127.0.0.1", forwarded) == 403


def test_secure_transport_comes_from_the_socket_unless_a_trusted_proxy_says_otherwise(
    edge_server: RunningServer,
) -> None:
    condition = {"Bool": {"aws:SecureTransport": "true"}}
    _, creds = new_user(edge_server, allow("lambda:ListFunctions", Condition=condition))
    plain = {"X-Forwarded-Proto": "http", "X-Forwarded-For": "203.0.113.7"}
    # Over TLS: a client's claim that it used plain HTTP is ignored ...
    assert _list_functions(edge_server, creds, "127.0.0.1", plain) == 200
    # ... and believed from the trusted proxy, which received the request unencrypted.
    assert _list_functions(edge_server, creds, "127.0.0.2", plain) == 403
