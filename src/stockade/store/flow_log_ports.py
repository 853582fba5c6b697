"""Persistence port of flow logs (part of the network port, in the same transactions)."""

from __future__ import annotations

from typing import Protocol

from stockade.domain.flow_log import FlowLog
from stockade.types import AccountId


class FlowLogRepository(Protocol):
    def get_flow_log(self, account_id: AccountId, flow_log_id: str) -> FlowLog | None: ...
    def flow_logs(self, account_id: AccountId) -> list[FlowLog]:
        """The account's flow logs, by id."""
        ...

    def flow_logs_on(self, account_id: AccountId, resource_id: str) -> list[FlowLog]:
        """The flow logs of one VPC, subnet or interface, by id."""
        ...

    def flow_logs_for(
        self, account_id: AccountId, vpc_id: str, subnet_id: str, interface_id: str
    ) -> list[FlowLog]:
        """Every flow log that captures an interface's traffic: those of the interface, of its
        subnet and of its VPC, by id (what the data plane asks before it delivers records)."""
        ...

    def put_flow_log(self, flow_log: FlowLog) -> None: ...
    def delete_flow_log(self, account_id: AccountId, flow_log_id: str) -> None: ...
