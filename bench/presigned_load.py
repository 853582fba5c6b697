"""A lean load generator: requests signed with botocore before the clock starts, then sent raw.

Signing with botocore costs the load generator 0.35-0.45 ms of CPU per request, on the same
cores as the server under test; with it, a benchmark measures the two together. Here every
request is signed (SigV4, its own X-Amz-Date and body hash) ahead of time, so the measured
part costs the sender little more than a TLS write and read. The server still verifies each
signature in full: nothing about the request is cheaper for it. Signatures stay valid for
the server's clock-skew window (5 minutes), which bounds how many requests one run may sign.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from tests.support.server import RunningServer


def presign_invokes(
    server: RunningServer, name: str, payloads: Sequence[bytes], *, event: bool
) -> list[bytes]:
    """Raw HTTP/1.1 Invoke requests, one per payload, each signed on its own."""
    key, secret = server.credentials()
    signer = SigV4Auth(Credentials(key, secret), "lambda", server.region)
    host = urlsplit(server.url).netloc
    path = f"/2015-03-31/functions/{name}/invocations"
    raw = []
    for payload in payloads:
        headers = {"X-Amz-Invocation-Type": "Event"} if event else {}
        request = AWSRequest("POST", f"{server.url}{path}", data=payload, headers=headers)
        signer.add_auth(request)
        lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(payload)}"]
        lines += [f"{k}: {v}" for k, v in request.headers.items() if k.lower() != "host"]
        raw.append(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
    return raw


class RawConnection:
    """One keep-alive connection that sends prepared requests and reads status and body."""

    def __init__(self, server: RunningServer) -> None:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=60)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        context = server.ssl_context()
        self._sock: socket.socket = (
            context.wrap_socket(sock, server_hostname="127.0.0.1") if context else sock
        )
        self._buffer = b""

    def exchange(self, request: bytes) -> int:
        self._sock.sendall(request)
        while b"\r\n\r\n" not in self._buffer:
            self._fill()
        head, _, rest = self._buffer.partition(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":  # never for Invoke; refuse rather than desync
                raise ValueError("the load generator reads only Content-Length responses")
        while len(rest) < length:
            rest += self._read()
        self._buffer = rest[length:]
        return status

    def _fill(self) -> None:
        self._buffer += self._read()

    def _read(self) -> bytes:
        chunk = self._sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        return chunk

    def close(self) -> None:
        self._sock.close()


@dataclass(frozen=True)
class LoadResult:
    sent: int
    elapsed_s: float
    failures: dict[int, int]
    client_cpu_s: float

    @property
    def rate(self) -> float:
        return self.sent / self.elapsed_s


def send_all(server: RunningServer, requests: Sequence[bytes], connections: int) -> LoadResult:
    """Send `requests` over `connections` keep-alive connections (one thread each)."""
    shares = [requests[i::connections] for i in range(connections)]
    links = [RawConnection(server) for _ in range(connections)]
    failures: dict[int, int] = {}
    lock = threading.Lock()

    def run(link: RawConnection, share: Sequence[bytes]) -> None:
        for request in share:
            status = link.exchange(request)
            if status not in (200, 202):
                with lock:
                    failures[status] = failures.get(status, 0) + 1

    threads = [threading.Thread(target=run, args=pair) for pair in zip(links, shares, strict=True)]
    cpu_before = time.process_time()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    client_cpu = time.process_time() - cpu_before
    for link in links:
        link.close()
    return LoadResult(len(requests), elapsed, failures, client_cpu)
