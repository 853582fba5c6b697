from __future__ import annotations

import pytest

from stockade.sandbox.limits import LimitsPolicy
from stockade.sandbox.output_meter import OutputMeter, OutputRates

RATES = OutputRates(
    bytes_per_s=1000.0,
    events_per_s=10.0,
    burst_bytes=2000,
    burst_events=20,
    event_overhead_bytes=26,
)


def test_a_chunk_within_the_budget_is_kept_whole() -> None:
    meter = OutputMeter(RATES, now=0.0)
    chunk = b"hello\nworld\n"
    fit = meter.fit(chunk, len(chunk), 2, now=0.0)
    assert (fit.keep, fit.lines) == (len(chunk), 2)
    assert meter.marker() is None


def test_lines_are_charged_their_size_plus_cloudwatchs_overhead() -> None:
    meter = OutputMeter(RATES, now=0.0)
    assert meter.cost(100, 3) == (100 + 3 * 26, 3)
    assert meter.cost(5, 0) == (5 + 26, 1)  # a read without a newline still costs one line


def test_over_the_line_budget_only_whole_lines_that_fit_are_kept() -> None:
    meter = OutputMeter(RATES, now=0.0)
    chunk = b"ab\n" * 50
    fit = meter.fit(chunk, len(chunk), 50, now=0.0)
    assert fit.lines == 20  # the burst
    assert fit.keep == 60
    assert chunk[: fit.keep].endswith(b"\n")


def test_over_the_byte_budget_the_cut_is_at_a_line_boundary() -> None:
    meter = OutputMeter(RATES, now=0.0)
    chunk = b"y" * 999 + b"\n" + b"y" * 999 + b"\n"
    fit = meter.fit(chunk, len(chunk), 2, now=0.0)
    assert (fit.keep, fit.lines) == (1000, 1)


def test_a_line_longer_than_the_budget_is_not_kept_at_all() -> None:
    meter = OutputMeter(RATES, now=0.0)
    chunk = b"q" * 5000
    assert meter.fit(chunk, len(chunk), 0, now=0.0).keep == 0


def test_budget_refills_at_the_rate_up_to_the_burst() -> None:
    meter = OutputMeter(RATES, now=0.0)
    chunk = b"x\n" * 20
    assert meter.fit(chunk, len(chunk), 20, now=0.0).lines == 20
    assert meter.fit(b"x\n", 2, 1, now=0.0).keep == 0  # empty
    assert meter.fit(b"x\n", 2, 1, now=0.1).lines == 1  # 10 lines/s: one back after 0.1 s
    assert meter.fit(chunk, len(chunk), 20, now=100.0).lines == 20  # never more than the burst
    assert meter.fit(b"x\n", 2, 1, now=100.0).keep == 0


def test_the_marker_counts_what_was_dropped_once() -> None:
    meter = OutputMeter(RATES, now=0.0)
    meter.drop(4096, 100)
    meter.drop(10, 0)
    text = meter.marker()
    assert text is not None
    assert text.startswith("[stockade] Function output over this environment's limit of ")
    assert "1000 bytes/s and 10 lines/s" in text
    assert text.endswith("dropped 4106 bytes (100 lines)")
    assert meter.marker() is None


def test_rates_follow_the_cpu_share_and_bursts_do_not() -> None:
    policy = LimitsPolicy()
    full = policy.output_rates(1769)
    small = policy.output_rates(128)
    assert full.bytes_per_s == policy.output_bytes_per_vcpu_second
    assert full.events_per_s == policy.output_events_per_vcpu_second
    assert small.bytes_per_s == pytest.approx(full.bytes_per_s * 128 / 1769)
    assert small.burst_bytes == full.burst_bytes == 1_048_576
    assert small.burst_events == full.burst_events == 10_000
    assert small.drain_interval_s == policy.output_drain_interval_ms / 1000
