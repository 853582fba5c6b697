"""Flow logs: what to capture where (a `FlowLog`, as CreateFlowLogs makes one), the record the
data plane writes (a `FlowRecord`), and its line in AWS's default format (version 2).

The default format is fixed: `${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr}
${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}`,
fields separated by one space, `-` for a field that does not apply or cannot be computed; a
NODATA or SKIPDATA record has only the version, account, interface, window and status (Amazon
VPC user guide, "Flow log records" and its examples). The log stream is the interface's id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from stockade.domain.network import Tags
from stockade.types import AccountId

VERSION = 2
DEFAULT_FORMAT = (
    "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport}"
    " ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}"
)
# IANA protocol numbers, as the `protocol` field gives them.
PROTOCOL_NUMBERS = {"icmp": 1, "tcp": 6, "udp": 17, "icmpv6": 58}


class TrafficType(StrEnum):
    ACCEPT = "ACCEPT"
    REJECT = "REJECT"
    ALL = "ALL"


class Action(StrEnum):
    ACCEPT = "ACCEPT"
    REJECT = "REJECT"


class LogStatus(StrEnum):
    OK = "OK"
    NODATA = "NODATA"  # no traffic on the interface during the window
    SKIPDATA = "SKIPDATA"  # records were skipped during the window (capacity, an error)


class FlowLogResourceType(StrEnum):
    VPC = "VPC"
    SUBNET = "Subnet"
    NETWORK_INTERFACE = "NetworkInterface"


@dataclass(frozen=True)
class FlowLog:
    """A flow log publishing to a CloudWatch Logs group, as CreateFlowLogs made it."""

    account_id: AccountId
    flow_log_id: str
    resource_id: str  # vpc-, subnet- or eni-
    resource_type: FlowLogResourceType
    traffic_type: TrafficType
    log_group_name: str
    deliver_logs_permission_arn: str
    created_at: datetime
    max_aggregation_interval: int = 600
    tags: Tags = ()

    def takes(self, action: Action | None) -> bool:
        """Whether records of this action belong in this log (a record with no action, NODATA
        or SKIPDATA, belongs in every log of its interface)."""
        return action is None or self.traffic_type in (TrafficType.ALL, action)


@dataclass(frozen=True)
class FlowRecord:
    """One flow on one interface in one aggregation window; None where a field is unknown."""

    account_id: AccountId
    interface_id: str
    start: int  # seconds since the epoch
    end: int
    log_status: LogStatus = LogStatus.OK
    action: Action | None = None
    srcaddr: str | None = None
    dstaddr: str | None = None
    srcport: int | None = None
    dstport: int | None = None
    protocol: int | None = None  # IANA number
    packets: int | None = None
    bytes: int | None = None

    def line(self) -> str:
        """The record in the default format."""
        fields: tuple[object, ...] = (
            VERSION, self.account_id, self.interface_id, self.srcaddr, self.dstaddr,
            self.srcport, self.dstport, self.protocol, self.packets, self.bytes,
            self.start, self.end, self.action.value if self.action else None,
            self.log_status.value,
        )  # fmt: skip
        return " ".join("-" if value is None else str(value) for value in fields)


def no_data(account: AccountId, interface_id: str, start: int, end: int) -> FlowRecord:
    """The record of a window with no traffic on the interface."""
    return FlowRecord(account, interface_id, start, end, LogStatus.NODATA)


def protocol_number(name: str) -> int | None:
    """The IANA number of a protocol named as security group rules name it (None: unknown)."""
    return PROTOCOL_NUMBERS.get(name.lower())


@dataclass(frozen=True)
class Delivery:
    """Where one record goes: the flow log's group, in the stream named for the interface."""

    flow_log_id: str
    log_group_name: str
    log_stream_name: str
    message: str


def deliveries(record: FlowRecord, flow_logs: Iterable[FlowLog]) -> list[Delivery]:
    """The record's line for each flow log that takes it; `flow_logs` are those of the
    interface, its subnet and its VPC (`flow_logs_for` of the store), each used once."""
    seen: set[str] = set()
    found = []
    for flow_log in flow_logs:
        if flow_log.flow_log_id in seen or not flow_log.takes(record.action):
            continue
        seen.add(flow_log.flow_log_id)
        found.append(Delivery(flow_log.flow_log_id, flow_log.log_group_name,
                              record.interface_id, record.line()))  # fmt: skip
    return found


def applies_to(flow_log: FlowLog, vpc_id: str, subnet_id: str, interface_id: str) -> bool:
    """Whether the flow log captures traffic of this interface (in this subnet and VPC)."""
    return flow_log.resource_id in (vpc_id, subnet_id, interface_id)
