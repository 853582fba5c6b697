"""A minimal HTTP/1.1 client for the Runtime API on 127.0.0.1:9001 (used by the Python runtime).

Stdlib `http.client` would do, but it drags in `email` parsing; this speaks exactly what our
server sends (status line, headers, Content-Length body) over one keep-alive connection.
Standard library only.
"""

from __future__ import annotations

import socket

API_PREFIX = "/2018-06-01/runtime"
MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 7 * 1024 * 1024


class RuntimeApiError(Exception):
    pass


class RuntimeClient:
    def __init__(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        self._address = (host, int(port))
        self._sock: socket.socket | None = None
        self._buf = b""

    def _connect(self) -> socket.socket:
        if self._sock is None:
            # Not create_connection: its getaddrinfo costs ~2 ms of NSS work per cold start.
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                sock.connect(self._address)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                sock.close()
                raise
            self._sock = sock
            self._buf = b""
        return self._sock

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        sock = self._connect()
        lines = [f"{method} {API_PREFIX}{path} HTTP/1.1", "Host: 127.0.0.1:9001"]
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        if method != "GET":
            lines.append(f"Content-Length: {len(body)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        try:
            sock.sendall(head + body if len(body) < 65536 else head)
            if len(body) >= 65536:
                sock.sendall(body)
            return self._read_response(sock)
        except OSError:
            self.close()
            raise

    def begin_stream(self, path: str, headers: dict[str, str]) -> None:
        """Start a chunked request whose body follows with `send_chunk` (streamed responses)."""
        sock = self._connect()
        lines = [f"POST {API_PREFIX}{path} HTTP/1.1", "Host: 127.0.0.1:9001"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append("Transfer-Encoding: chunked")
        try:
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        except OSError:
            self.close()
            raise

    def send_chunk(self, data: bytes) -> None:
        if not data:
            return  # an empty chunk would end the body
        sock = self._connect()
        try:
            sock.sendall(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        except OSError:
            self.close()
            raise

    def end_stream(self, trailers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        sock = self._connect()
        fields = "".join(f"{name}: {value}\r\n" for name, value in trailers.items())
        try:
            sock.sendall(f"0\r\n{fields}\r\n".encode("latin-1"))
            return self._read_response(sock)
        except OSError:
            self.close()
            raise

    def _read_response(self, sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
        while b"\r\n\r\n" not in self._buf:
            if len(self._buf) > MAX_HEADER_BYTES:
                raise RuntimeApiError("response header too large")
            chunk = sock.recv(65536)
            if not chunk:
                raise RuntimeApiError("connection closed by the runtime API")
            self._buf += chunk
        head, _, rest = self._buf.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        if length > MAX_BODY_BYTES:
            raise RuntimeApiError("response body too large")
        while len(rest) < length:
            chunk = sock.recv(max(65536, length - len(rest)))
            if not chunk:
                raise RuntimeApiError("connection closed mid-body")
            rest += chunk
        self._buf = rest[length:]
        return status, headers, rest[:length]
