"""Limits at the HTTP edge, and the ledger that counts open connections against them.

Every value is refused cheaply, before a byte of the request reaches authentication or
parsing. Where AWS documents a value for its own front end it is used (API Gateway's 10,240
bytes for the request line and header values, and for the URL); every other value is
Stockade's own, configurable, and listed in docs/limits.md.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass


@dataclass(frozen=True)
class EdgeLimits:
    # API Gateway: "Total combined size of request line and header values: 10240 bytes" and
    # "Length, in characters, of the URL for a regional API: 10240".
    request_line_bytes: int = 10_240
    header_bytes: int = 10_240
    header_count: int = 100
    # From a request's first byte to the end of its head (also bounds the TLS handshake).
    header_timeout_s: float = 10.0
    # A body must arrive within body_timeout_s plus one second per body_min_rate bytes received
    # (a slow but steady upload keeps going; a stalled or dribbled one is dropped).
    body_timeout_s: float = 20.0
    body_min_rate: int = 16 * 1024
    # An open connection with no request in progress is closed after this long.
    keep_alive_timeout_s: float = 5.0
    # TCP clients: all of them, and per source address (trusted proxies are exempt from the
    # latter, since every client behind one shares its address).
    max_connections: int = 4096
    max_connections_per_source: int = 512
    # The channel execution environments use to reach the API: all of it, per account, and per
    # execution environment.
    max_channel_connections: int = 4096
    max_channel_connections_per_account: int = 1024
    max_channel_connections_per_environment: int = 64

    @property
    def head_wire_bytes(self) -> int:
        """The most raw bytes a request head may occupy before it is refused, whatever it holds
        (header names and separators count here, not toward `header_bytes`)."""
        return 2 * (self.request_line_bytes + self.header_bytes)


@dataclass(frozen=True)
class Quota:
    """At most `limit` connections may share `key` at once."""

    key: Hashable
    limit: int


class Admission:
    """One admitted connection's hold on its quotas; released exactly once."""

    __slots__ = ("_keys", "_ledger")

    def __init__(self, ledger: ConnectionLedger, keys: tuple[Hashable, ...]) -> None:
        self._ledger: ConnectionLedger | None = ledger
        self._keys = keys

    def release(self) -> None:
        ledger, self._ledger = self._ledger, None
        if ledger is not None:
            ledger.forget(self._keys)


class ConnectionLedger:
    """Counts open connections per key; admits one only if every quota it falls under has room.

    Counting happens on the event loop only (no locks); a key's count is dropped when it
    reaches zero, so the ledger holds no more entries than there are open connections.
    """

    def __init__(self) -> None:
        self._open: dict[Hashable, int] = {}

    def admit(self, *quotas: Quota) -> Admission | None:
        for quota in quotas:
            if self._open.get(quota.key, 0) >= quota.limit:
                return None
        keys = tuple(quota.key for quota in quotas)
        for key in keys:
            self._open[key] = self._open.get(key, 0) + 1
        return Admission(self, keys)

    def forget(self, keys: tuple[Hashable, ...]) -> None:
        for key in keys:
            left = self._open.get(key, 0) - 1
            if left > 0:
                self._open[key] = left
            else:
                self._open.pop(key, None)

    def count(self, key: Hashable) -> int:
        return self._open.get(key, 0)
