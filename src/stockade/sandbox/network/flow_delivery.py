"""Where a VPC router's flow records go: the control plane's flow logs decide (by interface,
subnet and VPC), the log store keeps them. The data plane only observes and aggregates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from stockade.domain.flow_log import FlowRecord


@dataclass(frozen=True)
class Observed:
    """A record, with the subnet and VPC of its interface (what flow logs are attached to)."""

    record: FlowRecord
    vpc_id: str
    subnet_id: str


class FlowLogSink(Protocol):
    def deliver(self, observed: Sequence[Observed]) -> int:
        """Write each record to the flow logs that take it; returns how many lines."""
        ...


class NoFlowLogs:
    def deliver(self, observed: Sequence[Observed]) -> int:
        return 0
