"""The tracing header and the lineage: strict parsing, bounded counting, faithful encoding."""

from __future__ import annotations

import pytest

from stockade.domain.trace import (
    LINEAGE_COUNT_MAX,
    LINEAGE_FUNCTIONS_MAX,
    Lineage,
    TraceContext,
    function_key,
    new_root,
    parse_header,
)

ROOT = "1-5759e988-bd862e3fe1be46a994272793"  # X-Ray's documented example trace id


def test_a_well_formed_header_gives_root_parent_and_sampled_but_no_lineage() -> None:
    parsed = parse_header(f"Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1;Lineage=9:0a0b0c0d:0")
    assert parsed == TraceContext(ROOT, "53995c3f42cd8ad8", True)
    assert parsed.lineage == Lineage()


@pytest.mark.parametrize(
    "header",
    [None, "", "Root=1-5759e988-xyz", "Parent=53995c3f42cd8ad8;Sampled=1",
     "Root=2-5759e988-bd862e3fe1be46a994272793", "Root=" + ROOT + "x", "x" * 600],
)  # fmt: skip
def test_a_malformed_header_is_no_trace(header: str | None) -> None:
    assert parse_header(header) is None


def test_a_bad_parent_is_dropped_and_the_root_kept() -> None:
    assert parse_header(f"Root={ROOT};Parent=zz;Sampled=0") == TraceContext(ROOT)


def test_the_header_lambda_hands_an_invocation() -> None:
    key = function_key("arn:aws:lambda:us-east-1:123456789012:function:f")
    trace = TraceContext(ROOT).invoking(key, "53995c3f42cd8ad8").invoking(key, "0000000000000001")
    assert trace.header() == f"Root={ROOT};Parent=0000000000000001;Sampled=0;Lineage=2:{key}:0"
    assert trace.hops == 2


def test_a_new_root_has_the_epoch_in_hex_and_96_random_bits() -> None:
    assert new_root(0x5759E988, bytes.fromhex("bd862e3fe1be46a994272793")) == ROOT
    with pytest.raises(ValueError, match="96 random bits"):
        new_root(0, b"short")


def test_the_lineage_is_bounded_in_functions_and_counts() -> None:
    lineage = Lineage()
    for i in range(LINEAGE_FUNCTIONS_MAX + 10):
        lineage = lineage.after(f"{i:08x}")
    lineage = lineage.after("ffffffff")
    assert len(lineage.counts) == LINEAGE_FUNCTIONS_MAX
    # A function the lineage forgot (or never named) counts from the most-run forgotten one:
    # never back to zero. The one invoked now is always kept.
    assert lineage.floor == 1
    assert lineage.count("ffffffff") == 2
    assert lineage.count("00000000") == 1
    assert lineage.after("00000000").count("00000000") == 2


def test_a_loop_through_more_functions_than_the_lineage_holds_is_still_counted() -> None:
    lineage = Lineage()
    ring = [f"{i:08x}" for i in range(LINEAGE_FUNCTIONS_MAX * 2)]
    for step in range(len(ring) * 20):  # bounded: 20 times round the ring
        lineage = lineage.after(ring[step % len(ring)])
    assert all(lineage.count(key) >= 19 for key in ring)
    capped = Lineage((("0000000a", LINEAGE_COUNT_MAX),)).after("0000000a")
    assert capped.count("0000000a") == LINEAGE_COUNT_MAX


def test_a_trace_survives_the_queue_and_a_tampered_one_is_refused() -> None:
    key = function_key("arn:aws:lambda:us-east-1:123456789012:function:f")
    trace = (
        TraceContext(ROOT)
        .invoking("0000000b", "53995c3f42cd8ad8")
        .invoking(key, "00000000000000ff")
    )
    assert TraceContext.decode(trace.encode()) == trace
    for tampered in ({"lineage": "nothex:1"}, {"root": "1-x"}, {"function": "zz"},
                     {"lineage": "0000000a:-1"}):  # fmt: skip
        with pytest.raises(ValueError, match="malformed"):
            TraceContext.decode({**trace.encode(), **tampered})
