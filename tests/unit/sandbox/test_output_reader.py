"""OutputReader on a real pipe and a real event loop (the writer is this test)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import threading
import time

from stockade.sandbox.logs import LineBuffer
from stockade.sandbox.output_meter import OutputMeter, OutputRates
from stockade.sandbox.output_reader import OutputReader

RATES = OutputRates(
    bytes_per_s=10_000.0,
    events_per_s=100.0,
    burst_bytes=20_000,
    burst_events=200,
    event_overhead_bytes=26,
    drain_interval_s=0.01,
)
MARKER = re.compile(r"^\[stockade\] .* dropped (\d+) bytes \((\d+) lines\)$")


class Harness:
    def __init__(self, rates: OutputRates = RATES) -> None:
        self.read_fd, self.write_fd = os.pipe()
        self.lines = LineBuffer()
        self.delivered: list[str] = []
        loop = asyncio.get_running_loop()
        self.reader = OutputReader(
            self.read_fd, OutputMeter(rates, loop.time()), self.lines, lambda: 0, self.collect
        )
        self.reader.start()

    def collect(self) -> None:
        self.delivered += [line for _, line in self.lines.take()]

    def close(self) -> None:
        self.reader.close()
        for fd in (self.read_fd, self.write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)

    def dropped(self) -> tuple[int, int]:
        found = [MARKER.match(line) for line in self.delivered]
        counts = [(int(m.group(1)), int(m.group(2))) for m in found if m is not None]
        return sum(b for b, _ in counts), sum(n for _, n in counts)


async def until(check: object, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check() and time.monotonic() < deadline:  # type: ignore[operator]
        await asyncio.sleep(0.005)


def test_output_within_the_rates_is_kept_whole_and_in_order() -> None:
    async def scenario() -> None:
        h = Harness()
        try:
            os.write(h.write_fd, b"".join(f"line {i}\n".encode() for i in range(50)))
            await until(lambda: len(h.delivered) >= 50)
            assert h.delivered == [f"line {i}" for i in range(50)]
            assert not h.reader.dropping
        finally:
            h.close()

    asyncio.run(scenario())


def test_a_flood_is_dropped_unparsed_counted_and_the_writer_is_slowed_not_stuck() -> None:
    async def scenario() -> None:
        h = Harness()
        written = 0
        stop = time.monotonic() + 0.5

        def flood() -> None:
            nonlocal written
            while time.monotonic() < stop:  # bounded in time
                written += os.write(h.write_fd, b"x\n" * 4096)

        writer = threading.Thread(target=flood)
        writer.start()
        try:
            await until(lambda: not writer.is_alive(), timeout_s=10)
            assert not writer.is_alive()  # the drains kept it going
            await until(lambda: not h.reader.dropping, timeout_s=5)
            h.reader.settle()
            h.collect()
            kept = sum(1 for line in h.delivered if line == "x")
            dropped_bytes, dropped_lines = h.dropped()
            assert dropped_bytes > 0
            assert dropped_lines > 0
            # kept lines stay within the burst plus the rate over the flood (generously)
            assert kept <= RATES.burst_events + RATES.events_per_s * 2
            assert kept * 2 + dropped_bytes <= written
            assert kept * 2 < written / 10
        finally:
            writer.join(10)
            h.close()

    asyncio.run(scenario())


def test_after_a_flood_a_quiet_writer_is_read_again_with_one_marker_first() -> None:
    async def scenario() -> None:
        h = Harness()
        try:
            os.write(h.write_fd, b"y\n" * 300)  # more lines than the burst
            await until(lambda: h.reader.dropping)
            await until(lambda: not h.reader.dropping)
            await asyncio.sleep(0.05)  # the buckets refill at the rate: a few lines' worth
            os.write(h.write_fd, b"back again\n")
            await until(lambda: "back again" in h.delivered)
            assert h.delivered[-1] == "back again"
            assert [line for line in h.delivered if line == "y"] == ["y"] * 200  # the burst
            assert MARKER.match(h.delivered[-2])
            assert h.dropped() == (200, 100)  # the 100 lines over the burst
        finally:
            h.close()

    asyncio.run(scenario())


def test_settle_takes_in_what_was_written_before_and_reports_drops() -> None:
    async def scenario() -> None:
        h = Harness()
        try:
            os.write(h.write_fd, b"last words\n")
            h.reader.settle()  # without waiting for the loop to notice
            h.collect()
            assert h.delivered == ["last words"]
        finally:
            h.close()

    asyncio.run(scenario())


def test_end_of_output_stops_the_reader() -> None:
    async def scenario() -> None:
        h = Harness()
        os.write(h.write_fd, b"bye\n")
        os.close(h.write_fd)
        try:
            await until(lambda: "bye" in h.delivered)
            h.reader.settle()
            assert h.delivered == ["bye"]
        finally:
            h.reader.close()
            os.close(h.read_fd)

    asyncio.run(scenario())
