"""The flow-log sink: records from the data plane, written to the CloudWatch Logs groups of
the flow logs that capture their interface (its own, its subnet's, its VPC's), in AWS's
default format, one stream per interface."""

from __future__ import annotations

from collections.abc import Sequence

from stockade.domain.flow_log import deliveries
from stockade.sandbox.logs import LogSink
from stockade.sandbox.network.flow_delivery import Observed
from stockade.store.ports import Store
from stockade.types import AccountId


class StoreFlowLogSink:
    def __init__(self, store: Store, logs: LogSink) -> None:
        self._store = store
        self._logs = logs

    def deliver(self, observed: Sequence[Observed]) -> int:
        lines: dict[tuple[str, str, str], list[tuple[int, str]]] = {}
        with self._store.read() as tx:
            for item in observed:
                record = item.record
                account = AccountId(record.account_id)
                flow_logs = tx.networks.flow_logs_for(
                    account, item.vpc_id, item.subnet_id, record.interface_id
                )
                for delivery in deliveries(record, flow_logs):
                    where = (record.account_id, delivery.log_group_name, delivery.log_stream_name)
                    lines.setdefault(where, []).append((record.end * 1000, delivery.message))
        for (account_id, group, stream), events in lines.items():
            self._logs.append(account_id, group, stream, events)
        return sum(len(events) for events in lines.values())
