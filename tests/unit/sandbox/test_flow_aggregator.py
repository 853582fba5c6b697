"""The flow aggregator, pure, with a fake clock: one record per interface, 5-tuple, action and
window; a connection gives a record per direction; capacity overflow gives SKIPDATA.
Record shapes are AWS's (Amazon VPC user guide, "Flow log record examples": a ping shows as
`... 203.0.113.12 172.31.16.139 0 0 1 4 336 ...`, the request and the reply as two records;
"A single skipped record can represent multiple flows")."""

from __future__ import annotations

from datetime import UTC, datetime
from ipaddress import IPv4Address

import pytest

from stockade.clock import FakeClock
from stockade.domain.flow_log import Action, LogStatus
from stockade.sandbox.network.conntrack_events import EndedFlow
from stockade.sandbox.network.flow_aggregator import FlowAggregator, FlowInterface
from stockade.sandbox.network.nflog import LoggedPacket
from stockade.types import AccountId

ACCOUNT = AccountId("123456789012")
ENI = FlowInterface(ACCOUNT, "eni-0a1b2c3d4e5f60718")
OTHER = FlowInterface(AccountId("210987654321"), "eni-0fedcba9876543210")
ENV, PEER = "10.0.1.25", "10.0.2.40"
T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
EPOCH0 = int(T0.timestamp())


def syn(src_port: int = 40000, dst_port: int = 5432, in_interface: str | None = "sab12cd-3",
        src: str = ENV) -> LoggedPacket:  # fmt: skip
    return LoggedPacket("stk-reject", in_interface, IPv4Address(src), IPv4Address(PEER), 6,
                        src_port, dst_port, 60)  # fmt: skip


def aggregator(clock: FakeClock, interval: int = 60, max_flows: int = 100) -> FlowAggregator:
    return FlowAggregator(
        clock, interval=interval, max_flows=max_flows,
        interfaces={"sab12cd-3": ENI, ENV: ENI, "10.0.9.9": OTHER},
    )  # fmt: skip


def test_a_rejected_syn_is_one_packet_of_its_ip_length() -> None:
    clock = FakeClock(T0)
    clock.advance(5)
    agg = aggregator(clock)
    agg.rejected(syn())
    assert agg.due(EPOCH0 + 59) == []  # the window is still open
    (record,) = agg.due(EPOCH0 + 60)
    assert record.line() == (
        f"2 {ACCOUNT} {ENI.interface_id} {ENV} {PEER} 40000 5432 6 1 60"
        f" {EPOCH0 + 5} {EPOCH0 + 5} REJECT OK"
    )
    assert agg.due(EPOCH0 + 600) == []  # handed over once


def test_a_flow_seen_again_in_its_window_sums_and_spans_first_to_last() -> None:
    clock = FakeClock(T0)
    agg = aggregator(clock)
    clock.advance(3)
    agg.rejected(syn())
    clock.advance(2)
    agg.rejected(syn())  # the SYN's retry: same 5-tuple
    clock.advance(20)
    agg.rejected(syn())
    agg.rejected(syn(src_port=40001))  # another flow
    records = agg.due(EPOCH0 + 60)
    by_port = {record.srcport: record for record in records}
    assert set(by_port) == {40000, 40001}
    first = by_port[40000]
    assert (first.packets, first.bytes, first.start, first.end) == (3, 180, EPOCH0 + 3, EPOCH0 + 25)
    assert (by_port[40001].packets, by_port[40001].bytes) == (1, 60)


def test_windows_are_aligned_to_the_interval_and_handed_over_as_they_close() -> None:
    clock = FakeClock(T0)
    agg = aggregator(clock, interval=600)
    clock.advance(590)
    agg.rejected(syn())
    clock.advance(20)  # the next window
    agg.rejected(syn())
    (early,) = agg.due(EPOCH0 + 600)
    assert (early.start, early.packets) == (EPOCH0 + 590, 1)
    assert agg.due(EPOCH0 + 1199) == []
    (late,) = agg.due(EPOCH0 + 1200)
    assert (late.start, late.packets) == (EPOCH0 + 610, 1)


def test_an_ended_connection_gives_one_accept_record_per_direction() -> None:
    clock = FakeClock(T0)
    agg = aggregator(clock)
    flow = EndedFlow(IPv4Address(ENV), IPv4Address(PEER), 6, 40010, 5432, 7, 480, 5, 310)
    agg.ended(flow)
    head, window = f"2 {ACCOUNT} {ENI.interface_id}", f"{EPOCH0} {EPOCH0}"
    lines = sorted(record.line() for record in agg.due(EPOCH0 + 60))
    assert lines == sorted([
        f"{head} {ENV} {PEER} 40010 5432 6 7 480 {window} ACCEPT OK",
        f"{head} {PEER} {ENV} 5432 40010 6 5 310 {window} ACCEPT OK",
    ])  # fmt: skip


def test_a_direction_without_packets_has_no_record() -> None:
    clock = FakeClock(T0)
    agg = aggregator(clock)
    agg.ended(EndedFlow(IPv4Address(ENV), IPv4Address(PEER), 17, 5000, 53, 1, 60, 0, 0))
    (record,) = agg.due(EPOCH0 + 60)
    assert (record.srcaddr, record.dstaddr, record.action) == (ENV, PEER, Action.ACCEPT)


def test_icmp_shows_ports_as_zero() -> None:
    clock = FakeClock(T0)
    agg = aggregator(clock)
    agg.ended(EndedFlow(IPv4Address(ENV), IPv4Address(PEER), 1, None, None, 4, 336, 4, 336))
    lines = {record.line().split(" ", 3)[3] for record in agg.due(EPOCH0 + 60)}
    assert lines == {
        f"{ENV} {PEER} 0 0 1 4 336 {EPOCH0} {EPOCH0} ACCEPT OK",
        f"{PEER} {ENV} 0 0 1 4 336 {EPOCH0} {EPOCH0} ACCEPT OK",
    }


def test_the_interface_a_packet_came_in_on_wins_over_its_source_address() -> None:
    clock = FakeClock(T0)
    agg = aggregator(clock)
    agg.rejected(syn(in_interface=None, src="10.0.9.9"))  # no interface: by address
    agg.rejected(syn(in_interface="sab12cd-3", src="10.0.9.9"))  # spoofed source: by interface
    records = agg.due(EPOCH0 + 60)
    assert sorted(r.interface_id for r in records) == sorted([OTHER.interface_id, ENI.interface_id])
    assert {r.account_id for r in records} == {ACCOUNT, OTHER.account_id}


def test_unknown_interfaces_are_ignored_and_counted_and_forgotten_ones_become_unknown() -> None:
    clock = FakeClock(T0)
    agg = aggregator(clock)
    agg.rejected(syn(in_interface="selsewhere-1", src="192.0.2.1"))
    agg.forget(ENV)
    agg.forget("sab12cd-3")
    agg.rejected(syn())
    assert agg.due(EPOCH0 + 60) == []
    assert agg.unknown == 2
    agg.watch(ENV, ENI)
    agg.rejected(syn(in_interface=None))
    assert len(agg.due(EPOCH0 + 60)) == 1


def test_past_capacity_flows_are_skipped_and_the_window_reports_skipdata() -> None:
    clock = FakeClock(T0)
    agg = aggregator(clock, max_flows=2)
    for port in (1, 2, 3, 4):
        agg.rejected(syn(src_port=40000 + port))
    agg.rejected(syn(src_port=40001))  # a held flow still counts
    assert (agg.held(), agg.skipped()) == (2, 2)
    records = agg.due(EPOCH0 + 60)
    ok = [r for r in records if r.log_status is LogStatus.OK]
    skip = [r for r in records if r.log_status is LogStatus.SKIPDATA]
    assert sorted((r.srcport, r.packets) for r in ok) == [(40001, 2), (40002, 1)]
    assert [r.line() for r in skip] == [
        f"2 {ACCOUNT} {ENI.interface_id} - - - - - - - {EPOCH0} {EPOCH0 + 60} - SKIPDATA"
    ]
    assert (agg.held(), agg.skipped()) == (0, 0)
    clock.advance(60)
    agg.rejected(syn(src_port=40003))  # room again in the next window
    assert [r.srcport for r in agg.due(EPOCH0 + 120)] == [40003]


def test_due_defaults_to_the_clock() -> None:
    clock = FakeClock(T0)
    agg = aggregator(clock)
    agg.rejected(syn())
    assert agg.due() == []
    clock.advance(60)
    assert len(agg.due()) == 1


@pytest.mark.parametrize(("interval", "max_flows"), [(0, 10), (601, 10), (60, 0)])
def test_settings_outside_what_flow_logs_allow_are_refused(interval: int, max_flows: int) -> None:
    with pytest.raises(ValueError, match=r"interval|max_flows"):
        FlowAggregator(FakeClock(T0), interval=interval, max_flows=max_flows)
