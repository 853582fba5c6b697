from __future__ import annotations

import re
from datetime import UTC, datetime

from stockade.sandbox import logs


def test_report_line_matches_lambda_format_with_init_duration() -> None:
    line = logs.report_line("rid-1", 12.345, 13, 128, 40, 250.5)
    assert line == (
        "REPORT RequestId: rid-1\tDuration: 12.35 ms\tBilled Duration: 13 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 40 MB\tInit Duration: 250.50 ms\t"
    )


def test_report_line_omits_init_duration_when_warm() -> None:
    assert "Init Duration" not in logs.report_line("r", 1.0, 1, 128, 10, None)


def test_start_and_end_lines() -> None:
    assert logs.start_line("r", "$LATEST") == "START RequestId: r Version: $LATEST"
    assert logs.end_line("r") == "END RequestId: r"


def test_log_stream_name_is_date_version_and_random_hex() -> None:
    name = logs.log_stream_name(datetime(2026, 11, 22, tzinfo=UTC), "$LATEST")
    assert re.fullmatch(r"2026/11/22/\[\$LATEST\][0-9a-f]{32}", name)


def test_line_buffer_splits_on_newline_and_keeps_partial_until_flushed() -> None:
    buf = logs.LineBuffer()
    buf.feed(b"one\ntw", 1)
    buf.feed(b"o\nthr", 2)
    buf.flush_partial(3)
    assert buf.take() == [(1, "one"), (2, "two"), (3, "thr")]


def test_carriage_return_keeps_a_multiline_error_in_one_event() -> None:
    buf = logs.LineBuffer()
    buf.feed(b"[ERROR] boom\rTraceback\r  line\n", 1)
    assert [line for _, line in buf.take()] == ["[ERROR] boom\rTraceback\r  line"]


def test_overlong_line_is_clipped_and_marked() -> None:
    buf = logs.LineBuffer()
    buf.feed(b"x" * (logs.MAX_LINE_BYTES * 2) + b"\n", 1)
    (event,) = [line for _, line in buf.take() if line.startswith("x")]
    assert len(event.encode()) <= logs.MAX_LINE_BYTES
    assert event.endswith(logs.TRUNCATED)


def test_take_hands_over_the_buffered_lines_and_empties_the_buffer() -> None:
    buf = logs.LineBuffer()
    buf.feed(b"a\nbb\n", 1)
    assert buf.buffered_bytes == 5
    assert buf.take() == [(1, "a"), (1, "bb")]
    assert buf.buffered_bytes == 0
    assert buf.take() == []


def test_tail_is_the_last_4_kb() -> None:
    events = [(1, f"line {i:05d}") for i in range(1000)]
    tail = logs.tail(events)
    assert len(tail) == logs.TAIL_BYTES
    assert tail.endswith(b"line 00999\n")


def test_tail_of_many_lines_reads_only_the_last_ones() -> None:
    events = [(1, "z" * 100)] * 100_000
    assert logs.tail(events) == (("z" * 100 + "\n") * 41)[-logs.TAIL_BYTES :].encode()


def test_tail_keeps_the_last_4_kb_across_batches() -> None:
    tail = logs.Tail()
    tail.extend([(1, "first")])
    tail.extend([(2, "second")])
    assert tail.value() == b"first\nsecond\n"
    tail.extend([(3, "w" * 5000)])
    assert tail.value() == (("w" * 5000) + "\n").encode()[-logs.TAIL_BYTES :]
    tail.reset()
    assert tail.value() == b""


def test_in_memory_sink_keeps_streams_per_group() -> None:
    sink = logs.InMemoryLogSink()
    sink.append("111111111111", "/aws/lambda/a", "s1", [(1, "x")])
    sink.append("222222222222", "/aws/lambda/b", "s2", [(1, "y")])
    assert sink.lines("/aws/lambda/a") == ["x"]
    assert sink.accounts[("/aws/lambda/b", "s2")] == "222222222222"
