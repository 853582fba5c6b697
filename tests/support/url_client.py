"""HTTPS requests to a server's function URL listener, as any web client sends them.

The connection always goes to loopback (tests reach nothing else), while the URL's host name is
what the client names: in the Host header, in TLS's server name, and in the certificate check
against the server's CA. So a host-name URL (`<id>.lambda-url.<region>.<domain>`) is tested
without wildcard DNS.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tests.support.server import RunningServer


@dataclass(frozen=True)
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        found = self.all(name)
        return ",".join(found) if found else None

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self) -> Any:
        return json.loads(self.body)


class _Loopback(http.client.HTTPSConnection):
    def connect(self) -> None:
        self.sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.host)  # type: ignore[attr-defined]


def request(
    server: RunningServer,
    url: str,
    method: str = "GET",
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
) -> Reply:
    """One request to `url` (its host name as named, its connection to loopback)."""
    parts = urllib.parse.urlsplit(url)
    context = ssl.create_default_context(cafile=server.ca_bundle)
    connection = _Loopback(parts.hostname or "127.0.0.1", parts.port, context=context, timeout=60)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(method, target, body=body or None, headers=dict(headers or {}))
        response = connection.getresponse()
        return Reply(response.status, response.getheaders(), response.read())
    finally:
        connection.close()
