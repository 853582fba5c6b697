"""Flow records from what the readers saw: rejected packets (NFLOG) and ended connections
(conntrack), per interface, per 5-tuple, per capture window. Pure: no I/O, time from a clock.

A record is one flow (5-tuple) on one interface in one aggregation window (Amazon VPC user
guide, "Flow log records"), so a connection gives two ACCEPT records, one per direction, each
with that direction's packets and bytes; a rejected packet adds 1 packet and its IP length to
its REJECT record (a dropped SYN: packets 1, bytes its IP total length, 60 for Linux's SYN).
`start` and `end` are when the first and last observation of the flow in the window was made
(the docs: first and last packet "received within the aggregation interval"); a connection is
observed when it ends, so its record lands in the window it ended in. Windows are aligned to
multiples of the interval (60 or 600 s).

Memory is bounded: past `max_flows` distinct flows held, what else comes in a window is
dropped, and the interface gets one SKIPDATA record for the window ("VPC Flow Logs skips
records when it can't capture flow log data during an aggregation interval because it exceeds
internal capacity. A single skipped record can represent multiple flows").
ICMP has no ports; the default format shows 0 for them (the docs' ICMP examples).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from ipaddress import IPv4Address

from stockade.clock import Clock
from stockade.domain.flow_log import Action, FlowRecord, LogStatus
from stockade.sandbox.network.conntrack_events import EndedFlow
from stockade.sandbox.network.nflog import LoggedPacket
from stockade.types import AccountId

INTERVALS = (60, 600)  # MaxAggregationInterval's allowed values (CreateFlowLogs)
DEFAULT_MAX_FLOWS = 10_000
ICMP = 1


@dataclass(frozen=True)
class FlowInterface:
    account_id: AccountId
    interface_id: str


@dataclass(frozen=True)
class _Key:
    interface: FlowInterface
    window: int  # its start, epoch seconds
    action: Action
    src: IPv4Address
    dst: IPv4Address
    src_port: int | None
    dst_port: int | None
    protocol: int


def _ports(protocol: int, port: int | None) -> int | None:
    return 0 if protocol == ICMP and port is None else port


class FlowAggregator:
    """Collects observations for known interfaces; `due` hands over closed windows' records.

    `interfaces` maps an environment's address (str) or its interface in the router (the
    `in_interface` of a logged packet) to the flow-log interface it stands for."""

    def __init__(
        self,
        clock: Clock,
        interval: int = 600,
        max_flows: int = DEFAULT_MAX_FLOWS,
        interfaces: Mapping[str, FlowInterface] | None = None,
    ) -> None:
        if not 1 <= interval <= max(INTERVALS):
            raise ValueError(f"the aggregation interval is 1 to {max(INTERVALS)} seconds")
        if max_flows < 1:
            raise ValueError("max_flows must be positive")
        self._clock = clock
        self._interval = interval
        self._max_flows = max_flows
        self._interfaces: dict[str, FlowInterface] = dict(interfaces or {})
        self._records: dict[_Key, FlowRecord] = {}
        self._skipped: dict[tuple[FlowInterface, int], int] = {}
        self.unknown = 0  # observations of no known interface, ignored

    def watch(self, key: str, interface: FlowInterface) -> None:
        self._interfaces[key] = interface

    def forget(self, key: str) -> None:
        self._interfaces.pop(key, None)

    def _now(self) -> int:
        return int(self._clock.now().timestamp())

    def _interface(self, *keys: str | None) -> FlowInterface | None:
        for key in keys:
            if key is not None and key in self._interfaces:
                return self._interfaces[key]
        self.unknown += 1
        return None

    def rejected(self, packet: LoggedPacket) -> None:
        """A packet the rules dropped: one packet of its flow's REJECT record."""
        interface = self._interface(packet.in_interface, str(packet.src))
        if interface is not None:
            self._add(interface, Action.REJECT, packet.src, packet.dst, packet.src_port,
                      packet.dst_port, packet.protocol, 1, packet.length)  # fmt: skip

    def ended(self, flow: EndedFlow) -> None:
        """A connection that ended: one ACCEPT record per direction that carried packets."""
        interface = self._interface(str(flow.src), str(flow.dst))
        if interface is None:
            return
        if flow.packets:
            self._add(interface, Action.ACCEPT, flow.src, flow.dst, flow.src_port,
                      flow.dst_port, flow.protocol, flow.packets, flow.bytes)  # fmt: skip
        if flow.reply_packets:
            self._add(interface, Action.ACCEPT, flow.dst, flow.src, flow.dst_port, flow.src_port,
                      flow.protocol, flow.reply_packets, flow.reply_bytes)  # fmt: skip

    def _add(
        self,
        interface: FlowInterface,
        action: Action,
        src: IPv4Address,
        dst: IPv4Address,
        src_port: int | None,
        dst_port: int | None,
        protocol: int,
        packets: int,
        count: int,
    ) -> None:
        now = self._now()
        window = now - now % self._interval
        src_port, dst_port = _ports(protocol, src_port), _ports(protocol, dst_port)
        key = _Key(interface, window, action, src, dst, src_port, dst_port, protocol)
        held = self._records.get(key)
        if held is not None:
            assert held.packets is not None
            assert held.bytes is not None
            self._records[key] = replace(held, end=now, packets=held.packets + packets,
                                         bytes=held.bytes + count)  # fmt: skip
            return
        if len(self._records) >= self._max_flows:
            slot = (interface, window)
            self._skipped[slot] = self._skipped.get(slot, 0) + 1
            return
        self._records[key] = FlowRecord(
            interface.account_id, interface.interface_id, now, now, LogStatus.OK, action,
            str(src), str(dst), src_port, dst_port, protocol, packets, count,
        )  # fmt: skip

    def skipped(self) -> int:
        """Observations dropped for capacity in windows not yet handed over."""
        return sum(self._skipped.values())

    def held(self) -> int:
        return len(self._records)

    def due(self, now: int | None = None) -> list[FlowRecord]:
        """The records of every window closed by `now` (default: the clock's), removed from
        the aggregator, in window order; a window that skipped flows adds a SKIPDATA record
        per interface."""
        at = self._now() if now is None else now
        closed = [key for key in self._records if key.window + self._interval <= at]
        out = [self._records.pop(key) for key in closed]
        for (interface, window), _ in list(self._skipped.items()):
            if window + self._interval <= at:
                del self._skipped[(interface, window)]
                out.append(FlowRecord(interface.account_id, interface.interface_id, window,
                                      window + self._interval, LogStatus.SKIPDATA))  # fmt: skip
        out.sort(key=lambda record: (record.start, record.interface_id))
        return out
