"""What an environment's output may cost the server: token buckets, and a count of the rest.

A function writes to a pipe; the host reads it in chunks. Each chunk is charged its bytes plus
an overhead per line (CloudWatch's accounting) against a byte bucket, and its lines (at least
one per read, so tiny writes cannot multiply the host's wake-ups) against a line bucket. What
fits is parsed and stored; the rest of the chunk is dropped unparsed and only counted, and the
count becomes one marker line. Rates scale with the environment's CPU share (policies/
limits.json), so the server's cost of a function's output follows what the function is given.
Pure: the caller passes the monotonic time.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutputRates:
    bytes_per_s: float
    events_per_s: float
    burst_bytes: int
    burst_events: int
    event_overhead_bytes: int = 26
    drain_interval_s: float = 0.05


@dataclass(frozen=True)
class Fit:
    """How much of a chunk may be kept: a prefix of `keep` bytes ending at a line boundary
    (or the whole chunk), holding `lines` newlines."""

    keep: int
    lines: int


class OutputMeter:
    def __init__(self, rates: OutputRates, now: float) -> None:
        self.rates = rates
        self._bytes = float(rates.burst_bytes)
        self._events = float(rates.burst_events)
        self._at = now
        self.dropped_bytes = 0
        self.dropped_lines = 0

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._at)
        self._at = now
        r = self.rates
        self._bytes = min(float(r.burst_bytes), self._bytes + elapsed * r.bytes_per_s)
        self._events = min(float(r.burst_events), self._events + elapsed * r.events_per_s)

    def cost(self, size: int, lines: int) -> tuple[int, int]:
        """(byte tokens, line tokens) that a chunk of `size` bytes with `lines` newlines costs."""
        events = max(1, lines)
        return size + self.rates.event_overhead_bytes * events, events

    def fit(self, chunk: bytes | bytearray, size: int, lines: int, now: float) -> Fit:
        """Charge what of `chunk[:size]` fits the buckets; the caller drops the rest.

        The whole chunk when it fits (the common case: one count, no search). Otherwise the
        longest prefix ending in a newline that fits, found by bisection over counts (C speed,
        at most about 16 passes over the part of the chunk the byte budget could cover).
        """
        self._refill(now)
        byte_cost, event_cost = self.cost(size, lines)
        if byte_cost <= self._bytes and event_cost <= self._events:
            self._bytes -= byte_cost
            self._events -= event_cost
            return Fit(size, lines)
        if self._events < 1 or self._bytes <= self.rates.event_overhead_bytes:
            return Fit(0, 0)  # nothing can fit: no search
        low, high = 0, min(size, int(self._bytes))  # invariant: the prefix [0, low) fits
        while low < high:
            mid = (low + high + 1) // 2
            if self._fits(mid, chunk.count(b"\n", 0, mid)):
                low = mid
            else:
                high = mid - 1
        keep = chunk.rfind(b"\n", 0, low) + 1  # 0 when no whole line fits
        kept_lines = chunk.count(b"\n", 0, keep) if keep else 0
        if keep:
            byte_cost, event_cost = self.cost(keep, kept_lines)
            self._bytes -= byte_cost
            self._events -= event_cost
        return Fit(keep, kept_lines)

    def _fits(self, size: int, lines: int) -> bool:
        byte_cost, event_cost = self.cost(size, lines)
        return byte_cost <= self._bytes and event_cost <= self._events

    def drop(self, size: int, lines: int) -> None:
        self.dropped_bytes += size
        self.dropped_lines += lines

    def marker(self) -> str | None:
        """The line saying what was dropped since the last marker (None if nothing was); the
        marker itself is charged as one line."""
        if not self.dropped_bytes:
            return None
        r = self.rates
        text = (
            f"[stockade] Function output over this environment's limit of "
            f"{int(r.bytes_per_s)} bytes/s and {int(r.events_per_s)} lines/s: "
            f"dropped {self.dropped_bytes} bytes ({self.dropped_lines} lines)"
        )
        self.dropped_bytes = 0
        self.dropped_lines = 0
        self._events -= 1
        return text
