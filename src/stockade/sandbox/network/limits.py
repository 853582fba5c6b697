"""Per-environment network limits: one function cannot saturate the host's uplink or its
connection tracking (issue: "bandwidth and connection-rate limits per environment").

Bandwidth is shaped (a token bucket filter) in both directions; new connections beyond the
rate are dropped, counted, and seen by the function as connection timeouts. AWS documents no
figure for Lambda; the defaults are Stockade's, and `stockade serve` takes others.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MBIT = 100
DEFAULT_NEW_CONNECTIONS_PER_SECOND = 200
_LATENCY_MS = 50


@dataclass(frozen=True)
class EnvironmentLimits:
    bandwidth_mbit: int = DEFAULT_MBIT  # each direction
    new_connections_per_second: int = DEFAULT_NEW_CONNECTIONS_PER_SECOND

    def __post_init__(self) -> None:
        if not 1 <= self.bandwidth_mbit <= 100_000:
            raise ValueError("bandwidth must be 1 to 100000 Mbit/s")
        if not 1 <= self.new_connections_per_second <= 1_000_000:
            raise ValueError("the connection rate must be 1 to 1000000 per second")

    def tbf(self) -> str:
        """A tc qdisc: the bucket holds 10 ms of traffic, at least 64 KiB (TSO segments)."""
        burst = max(64 * 1024, self.bandwidth_mbit * 1_000_000 // 8 // 100)
        return f"tbf rate {self.bandwidth_mbit}mbit burst {burst} latency {_LATENCY_MS}ms"
