"""Log capture for environments: the LogSink port, its fake, platform lines and bounded buffers.

Guest stdout/stderr arrive on one pipe, read under the environment's output rates (see
`output_meter` and `output_reader`); lines are split on '\\n' only (the Python runtime joins a
multi-line error with '\\r' so it stays one event, as in CloudWatch). Every line is capped, and
buffered lines are handed to the sink as they accumulate, so memory stays bounded however long
an invocation runs; the last 4 KB of an invocation's lines is its `log_tail`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

MAX_LINE_BYTES = 64 * 1024
MAX_PENDING_BYTES = 256 * 1024  # partial line waiting for its newline
DELIVER_BYTES = 64 * 1024  # buffered lines go to the sink once this much waits
TAIL_BYTES = 4096
TRUNCATED = " [truncated]"


class LogSink(Protocol):
    def append(
        self,
        account_id: str,
        log_group: str,
        log_stream: str,
        events: Sequence[tuple[int, str]],
    ) -> None:
        """Store (epoch ms, line) events of one account's log group; must not block for long
        (called on the event loop)."""
        ...


@dataclass
class InMemoryLogSink:
    """The fake: keeps everything, for tests and for the bench."""

    streams: dict[tuple[str, str], list[tuple[int, str]]] = field(default_factory=dict)
    accounts: dict[tuple[str, str], str] = field(default_factory=dict)

    def append(
        self,
        account_id: str,
        log_group: str,
        log_stream: str,
        events: Sequence[tuple[int, str]],
    ) -> None:
        self.accounts[(log_group, log_stream)] = account_id
        self.streams.setdefault((log_group, log_stream), []).extend(events)

    def lines(self, log_group: str) -> list[str]:
        return [line for (g, _), evs in self.streams.items() if g == log_group for _, line in evs]


def log_stream_name(now: datetime, version: str) -> str:
    return f"{now:%Y/%m/%d}/[{version}]{secrets.token_hex(16)}"


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def report_line(
    request_id: str,
    duration_ms: float,
    billed_ms: int,
    memory_mb: int,
    max_used_mb: int,
    init_ms: float | None,
) -> str:
    parts = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {billed_ms} ms",
        f"Memory Size: {memory_mb} MB",
        f"Max Memory Used: {max_used_mb} MB",
    ]
    if init_ms is not None:
        parts.append(f"Init Duration: {init_ms:.2f} ms")
    return "\t".join(parts) + "\t"


def _clip(line: str) -> str:
    raw = line.encode("utf-8", "replace")
    if len(raw) <= MAX_LINE_BYTES:
        return line
    return raw[: MAX_LINE_BYTES - len(TRUNCATED)].decode("utf-8", "ignore") + TRUNCATED


class LineBuffer:
    """Turns pipe bytes into bounded (epoch ms, line) events, held until `take`.

    `keep` decides which of the guest's lines are kept (the log-level filter); lines the host
    adds itself (`add`) are not the guest's and do not pass through it."""

    def __init__(self, keep: Callable[[str], bool] | None = None) -> None:
        self._keep = keep
        self._pending = bytearray()
        self._events: list[tuple[int, str]] = []
        self._bytes = 0

    @property
    def buffered_bytes(self) -> int:
        return self._bytes

    def feed(self, data: bytes, now_ms: int) -> None:
        self._pending += data
        while True:  # bounded by the newlines in the buffer
            nl = self._pending.find(b"\n")
            if nl < 0:
                break
            line = bytes(self._pending[:nl])
            del self._pending[: nl + 1]
            self._guest_line(line, now_ms)
        if len(self._pending) > MAX_PENDING_BYTES:  # a never-ending line: cut it
            self._guest_line(bytes(self._pending), now_ms)
            self._pending.clear()

    def flush_partial(self, now_ms: int) -> None:
        if self._pending:
            self._guest_line(bytes(self._pending), now_ms)
            self._pending.clear()

    def _guest_line(self, raw: bytes, now_ms: int) -> None:
        line = raw.decode("utf-8", "replace")
        if self._keep is None or self._keep(line):
            self.add(line, now_ms)

    def add(self, line: str, now_ms: int) -> None:
        line = _clip(line)
        self._bytes += len(line) + 1
        self._events.append((now_ms, line))

    def take(self) -> list[tuple[int, str]]:
        events, self._events = self._events, []
        self._bytes = 0
        return events


class Tail:
    """The last TAIL_BYTES of an invocation's lines, across the batches it was delivered in."""

    def __init__(self) -> None:
        self._data = b""

    def reset(self) -> None:
        self._data = b""

    def extend(self, events: Sequence[tuple[int, str]]) -> None:
        self._data = (self._data + tail(events))[-TAIL_BYTES:]

    def value(self) -> bytes:
        return self._data


def tail(events: Sequence[tuple[int, str]], limit: int = TAIL_BYTES) -> bytes:
    parts: list[bytes] = []
    size = 0
    for _, line in reversed(events):  # only the last lines matter, however many there are
        part = (line + "\n").encode("utf-8", "replace")
        parts.append(part)
        size += len(part)
        if size >= limit:
            break
    return b"".join(reversed(parts))[-limit:]
