"""Lambda's streaming bandwidth: 6 MB uncapped, then 2 MBps (developer guide, "Bandwidth
limits for response streaming")."""

from __future__ import annotations

import pytest

from stockade.services.lambda_.stream_pacing import MIB, Pacer, StreamPacing


def test_the_first_6_mb_go_at_once() -> None:
    pacer = Pacer(StreamPacing())
    assert [pacer.delay(MIB, now=0.0) for _ in range(6)] == [0.0] * 6


def test_past_the_burst_bytes_go_at_2_mb_per_second() -> None:
    pacer = Pacer(StreamPacing())
    assert pacer.delay(6 * MIB, now=0.0) == 0.0
    assert pacer.delay(MIB, now=10.0) == pytest.approx(0.5)  # capped since t=10
    assert pacer.delay(MIB, now=10.5) == pytest.approx(0.5)  # 2 MiB by t=11
    assert pacer.delay(2 * MIB, now=11.0) == pytest.approx(1.0)  # 4 MiB by t=12


def test_a_slow_producer_is_never_delayed() -> None:
    pacer = Pacer(StreamPacing())
    pacer.delay(6 * MIB, now=0.0)
    pacer.delay(MIB, now=1.0)  # the cap starts here
    assert pacer.delay(MIB, now=5.0) == 0.0  # 2 MiB in 4 s: under the rate
