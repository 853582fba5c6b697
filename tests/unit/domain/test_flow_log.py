"""Flow log records in AWS's default format (version 2), and which flow logs take a record.

Facts (Amazon VPC user guide, "Flow log records" and "Flow log record examples"): the default
format is the fourteen version-2 fields in order, separated by spaces; `-` stands for a field
that does not apply; NODATA and SKIPDATA records leave every flow field `-`, e.g.
`2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA`;
`protocol` is the IANA number (6 TCP, 17 UDP, 1 ICMP); the log stream is the interface id.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from stockade.domain.flow_log import (
    DEFAULT_FORMAT,
    Action,
    FlowLog,
    FlowLogResourceType,
    FlowRecord,
    LogStatus,
    TrafficType,
    applies_to,
    deliveries,
    no_data,
    protocol_number,
)
from stockade.store.sqlite import SqliteStore
from stockade.types import AccountId

ACCOUNT = AccountId("123456789010")
ENI = "eni-1235b8ca123456789"
NOW = datetime(2026, 12, 7, tzinfo=UTC)


def flow_log(flow_log_id: str, resource_id: str, traffic: TrafficType, group: str) -> FlowLog:
    kinds = {"vpc": FlowLogResourceType.VPC, "subnet": FlowLogResourceType.SUBNET,
             "eni": FlowLogResourceType.NETWORK_INTERFACE}  # fmt: skip
    kind = kinds[resource_id.partition("-")[0]]
    return FlowLog(ACCOUNT, flow_log_id, resource_id, kind, traffic, group,
                   "arn:aws:iam::123456789010:role/flows", NOW)  # fmt: skip


def accepted_ssh() -> FlowRecord:
    return FlowRecord(ACCOUNT, ENI, 1418530010, 1418530070, LogStatus.OK, Action.ACCEPT,
                      "172.31.16.139", "172.31.16.21", 20641, 22, protocol_number("tcp"),
                      20, 4249)  # fmt: skip


def test_a_record_in_the_default_format() -> None:
    assert accepted_ssh().line() == (
        "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249"
        " 1418530010 1418530070 ACCEPT OK"
    )
    fields = accepted_ssh().line().split(" ")
    assert len(fields) == len(DEFAULT_FORMAT.split(" ")) == 14


def test_a_rejected_attempt_and_unknown_fields() -> None:
    rejected = FlowRecord(ACCOUNT, ENI, 10, 70, LogStatus.OK, Action.REJECT, "10.0.0.5",
                          "10.0.0.9", None, None, protocol_number("icmp"), 1, 84)  # fmt: skip
    assert rejected.line() == f"2 {ACCOUNT} {ENI} 10.0.0.5 10.0.0.9 - - 1 1 84 10 70 REJECT OK"


def test_no_data_and_skipped_data() -> None:
    assert no_data(ACCOUNT, ENI, 1431280876, 1431280934).line() == (
        "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA"
    )
    skipped = FlowRecord(ACCOUNT, ENI, 1, 2, LogStatus.SKIPDATA)
    assert skipped.line().endswith(" 1 2 - SKIPDATA")


def test_protocol_numbers() -> None:
    assert [protocol_number(p) for p in ("tcp", "UDP", "icmp", "icmpv6", "gre")] == [
        6, 17, 1, 58, None,
    ]  # fmt: skip


def test_records_go_to_the_logs_of_their_interface_subnet_and_vpc_by_traffic_type() -> None:
    logs = [
        flow_log("fl-1", "vpc-1", TrafficType.ALL, "all"),
        flow_log("fl-2", "subnet-1", TrafficType.REJECT, "rejects"),
        flow_log("fl-3", ENI, TrafficType.ACCEPT, "accepts"),
    ]
    accepted = deliveries(accepted_ssh(), logs)
    assert [(d.flow_log_id, d.log_group_name, d.log_stream_name) for d in accepted] == [
        ("fl-1", "all", ENI), ("fl-3", "accepts", ENI),
    ]  # fmt: skip
    assert {d.message for d in accepted} == {accepted_ssh().line()}
    rejected = FlowRecord(ACCOUNT, ENI, 1, 2, LogStatus.OK, Action.REJECT, "10.0.0.1",
                          "10.0.0.2", 1, 2, 6, 1, 40)  # fmt: skip
    assert [d.flow_log_id for d in deliveries(rejected, logs)] == ["fl-1", "fl-2"]
    # A window with no data belongs in every log of the interface.
    assert [d.flow_log_id for d in deliveries(no_data(ACCOUNT, ENI, 1, 2), logs)] == [
        "fl-1", "fl-2", "fl-3",
    ]  # fmt: skip
    assert deliveries(accepted_ssh(), [logs[0], logs[0]]) == accepted[:1]  # each log once
    assert applies_to(logs[1], "vpc-1", "subnet-1", ENI)
    assert not applies_to(logs[1], "vpc-1", "subnet-2", ENI)


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(tmp_path / "store.db")


def test_the_store_finds_the_flow_logs_of_an_interface(store: SqliteStore) -> None:
    logs = [
        flow_log("fl-1", "vpc-1", TrafficType.ALL, "a"),
        flow_log("fl-2", "subnet-1", TrafficType.REJECT, "b"),
        flow_log("fl-3", ENI, TrafficType.ACCEPT, "c"),
        flow_log("fl-4", "subnet-2", TrafficType.ALL, "d"),
    ]
    with store.write() as tx:
        for each in logs:
            tx.networks.put_flow_log(each)
    with store.read() as tx:
        assert tx.networks.flow_logs_for(ACCOUNT, "vpc-1", "subnet-1", ENI) == logs[:3]
        assert tx.networks.flow_logs_for(AccountId("111122223333"), "vpc-1", "subnet-1",
                                         ENI) == []  # fmt: skip
        assert tx.networks.flow_logs_on(ACCOUNT, "subnet-2") == logs[3:]
        assert tx.networks.get_flow_log(ACCOUNT, "fl-2") == logs[1]
    with store.write() as tx:
        tx.networks.delete_flow_log(ACCOUNT, "fl-2")
    with store.read() as tx:
        assert [f.flow_log_id for f in tx.networks.flow_logs(ACCOUNT)] == ["fl-1", "fl-3", "fl-4"]
    store.close()
