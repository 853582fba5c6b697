"""Reads one environment's output pipe on the event loop, charging it to the environment.

Every chunk read goes through the environment's `OutputMeter`: what fits its rates is parsed
into lines, the rest is dropped unparsed and only counted. Two ways of reading. Watching: the
fd wakes the loop and each wake-up reads a few chunks into one reused buffer. Polling (entered
when something had to be dropped): the fd is no longer watched; every drain interval the pipe
is read out, metered the same way, so a flood costs the server a bounded number of wake-ups
and copies a second. Between drains the pipe fills and the writer blocks: the function is
slowed, never stuck, and its CPU share bounds how fast it can write. Once a drain finds the
pipe empty with nothing dropped, watching resumes. Drops are reported as one marker line at
most every `MARKER_INTERVAL_S` while they go on, and when they stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable

from stockade.sandbox.logs import LineBuffer
from stockade.sandbox.output_meter import OutputMeter

CHUNK_BYTES = 64 * 1024  # one read; a default pipe holds this much
READS_PER_WAKEUP = 4  # the loop calls again while more is waiting
DRAIN_READS = 8  # per drain: more than a full pipe, bounded even if the writer keeps up
SETTLE_READS = 16  # at the end of an invocation: what the function wrote before it answered
MARKER_INTERVAL_S = 1.0


class OutputReader:
    def __init__(
        self,
        fd: int,
        meter: OutputMeter,
        lines: LineBuffer,
        now_ms: Callable[[], int],
        on_output: Callable[[], None],
        buffer: bytearray | None = None,
    ) -> None:
        self._fd = fd
        self._meter = meter
        self._lines = lines
        self._now_ms = now_ms
        self._on_output = on_output  # lines (or a marker) were added
        self._loop = asyncio.get_running_loop()
        # Readers on one event loop may share one buffer: each read is parsed or counted, and
        # what is kept copied out, before the callback returns.
        self._buffer = buffer if buffer is not None else bytearray(CHUNK_BYTES)
        self._watching = False
        self._dropping = False
        self._drain_timer: asyncio.TimerHandle | None = None
        self._eof = False
        self._last_marker = float("-inf")

    @property
    def dropping(self) -> bool:
        return self._dropping

    def start(self) -> None:
        os.set_blocking(self._fd, False)
        self._watch()

    def _watch(self) -> None:
        if not self._watching and not self._eof:
            self._loop.add_reader(self._fd, self._on_readable)
            self._watching = True

    def _unwatch(self) -> None:
        if self._watching:
            with contextlib.suppress(Exception):
                self._loop.remove_reader(self._fd)
            self._watching = False

    def _read(self) -> int | None:
        """Bytes read into the buffer; 0 at EOF, None when the pipe is empty."""
        try:
            return os.readv(self._fd, [self._buffer])
        except BlockingIOError:
            return None
        except OSError:
            return 0

    # -- reading ------------------------------------------------------------------------------
    def _on_readable(self) -> None:
        before = self._lines.buffered_bytes
        for _ in range(READS_PER_WAKEUP):
            if not self._read_and_keep():
                break
        if self._lines.buffered_bytes != before or self._eof:
            self._on_output()

    def _read_and_keep(self) -> bool:
        """One metered read; True while more may be waiting and nothing had to be dropped."""
        size = self._read()
        if size is None:
            return False
        if size == 0:
            self._at_eof()
            return False
        buffer = self._buffer
        lines = buffer.count(b"\n", 0, size)
        fit = self._meter.fit(buffer, size, lines, self._loop.time())
        if fit.keep:
            self._lines.feed(bytes(buffer[: fit.keep]), self._now_ms())
        if fit.keep == size:
            return True
        self._meter.drop(size - fit.keep, lines - fit.lines)
        # The rest of a cut line is gone: what we have of it is a line of its own.
        self._lines.flush_partial(self._now_ms())
        if not self._dropping:
            self._dropping = True
            self._unwatch()
            self._schedule_drain()
        return False

    # -- polling while dropping ---------------------------------------------------------------
    def _schedule_drain(self) -> None:
        if self._drain_timer is None and not self._eof:
            interval = self._meter.rates.drain_interval_s
            self._drain_timer = self._loop.call_later(interval, self._drain)

    def _drain(self) -> None:
        self._drain_timer = None
        before = self._meter.dropped_bytes
        emptied = False
        for _ in range(DRAIN_READS):
            size_before = self._meter.dropped_bytes
            if not self._read_and_keep() and self._meter.dropped_bytes == size_before:
                emptied = True  # the pipe is empty (or closed)
                break
        if self._eof or (emptied and self._meter.dropped_bytes == before):
            self._dropping = False
            self._report(force=True)
            self._watch()
        else:
            self._report(force=False)
            self._schedule_drain()
        self._on_output()

    def _report(self, force: bool) -> None:
        now = self._loop.time()
        if not force and now - self._last_marker < MARKER_INTERVAL_S:
            return
        text = self._meter.marker()
        if text is not None:
            self._lines.add(text, self._now_ms())
            self._last_marker = now

    def _at_eof(self) -> None:
        self._eof = True
        self._unwatch()

    # -- for the environment ------------------------------------------------------------------
    def settle(self) -> None:
        """Take in what the function wrote before it answered (bounded), metered as usual, and
        report drops so far: called before an invocation's END line and at teardown."""
        for _ in range(SETTLE_READS):
            dropped = self._meter.dropped_bytes
            if not self._read_and_keep() and self._meter.dropped_bytes == dropped:
                break
        self._report(force=True)

    def close(self) -> None:
        if self._drain_timer is not None:
            self._drain_timer.cancel()
            self._drain_timer = None
        self._unwatch()
        self._eof = True
