"""The SQLite adapter of the flow log port (table `ec2_flow_logs`, migration 9)."""

from __future__ import annotations

from stockade.domain.flow_log import FlowLog
from stockade.store.sqlite_docs import Docs
from stockade.types import AccountId


class FlowLogRows(Docs):
    def get_flow_log(self, account_id: AccountId, flow_log_id: str) -> FlowLog | None:
        return self.one(
            FlowLog,
            "SELECT doc FROM ec2_flow_logs WHERE account_id=? AND flow_log_id=?",
            account_id,
            flow_log_id,
        )

    def flow_logs(self, account_id: AccountId) -> list[FlowLog]:
        return self.many(
            FlowLog,
            "SELECT doc FROM ec2_flow_logs WHERE account_id=? ORDER BY flow_log_id",
            account_id,
        )

    def flow_logs_on(self, account_id: AccountId, resource_id: str) -> list[FlowLog]:
        return self.many(
            FlowLog,
            "SELECT doc FROM ec2_flow_logs WHERE account_id=? AND resource_id=?"
            " ORDER BY flow_log_id",
            account_id,
            resource_id,
        )

    def flow_logs_for(
        self, account_id: AccountId, vpc_id: str, subnet_id: str, interface_id: str
    ) -> list[FlowLog]:
        return self.many(
            FlowLog,
            "SELECT doc FROM ec2_flow_logs WHERE account_id=? AND resource_id IN (?, ?, ?)"
            " ORDER BY flow_log_id",
            account_id,
            vpc_id,
            subnet_id,
            interface_id,
        )

    def put_flow_log(self, flow_log: FlowLog) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO ec2_flow_logs VALUES (?, ?, ?, ?)",
            (flow_log.account_id, flow_log.flow_log_id, flow_log.resource_id,
             self.codec.dumps(flow_log)),
        )  # fmt: skip

    def delete_flow_log(self, account_id: AccountId, flow_log_id: str) -> None:
        self.conn.execute(
            "DELETE FROM ec2_flow_logs WHERE account_id=? AND flow_log_id=?",
            (account_id, flow_log_id),
        )
