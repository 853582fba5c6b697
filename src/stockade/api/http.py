"""The HTTP exchange as the API layer sees it, independent of the server library."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

# Where the edge puts an SDK channel request's `CallerTrace` in the ASGI scope.
CALLER_TRACE_SCOPE_KEY = "stockade.caller_trace"
# Where the function URL listener's edge puts the connection's (TLS version, cipher suite).
TLS_SCOPE_KEY = "stockade.tls"


@dataclass(frozen=True)
class HttpRequest:
    method: str
    raw_path: str  # still percent-encoded, as signed
    query_string: str  # still percent-encoded, as signed
    headers: Mapping[str, str]  # lower-case names; repeated headers joined with ","
    body: bytes = field(repr=False)
    client_ip: str = ""
    scheme: str = "http"

    def query(self) -> list[tuple[str, str]]:
        return parse_qsl(self.query_string, keep_blank_values=True)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def base_url(self) -> str:
        """The URL the client used to reach us (used for links handed back to that client)."""
        return f"{self.scheme}://{self.headers.get('host', 'localhost')}"


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = field(default=b"", repr=False)
    # A streamed body (an event stream): sent piece by piece, chunked, instead of `body`.
    stream: AsyncIterator[bytes] | None = field(default=None, repr=False)
