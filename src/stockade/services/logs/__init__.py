"""CloudWatch Logs, the subset that reads function logs: groups, streams and events.

Operations: DescribeLogGroups, CreateLogGroup, DeleteLogGroup, DescribeLogStreams, GetLogEvents,
FilterLogEvents, declared in `LogsService.table()`; every other operation of the model is
answered NotImplemented by the kernel. Authorisation is IAM's, with CloudWatch Logs' actions and
ARNs (see `resources`). The model's constraint failures answer InvalidParameterException, as
CloudWatch Logs does ("1 validation error detected: ..."); internal failures answer
ServiceUnavailableException, the model's server fault.
"""

from __future__ import annotations

from stockade.clock import Clock
from stockade.services.declaration import READ, WRITE, ServiceErrors, ServiceTable, operation
from stockade.services.logs.deps import LogsDeps
from stockade.services.logs.errors import (
    AccessDeniedError,
    InvalidParameterError,
    ServiceUnavailableError,
)
from stockade.services.logs.events import LogEvents
from stockade.services.logs.groups import LogGroups
from stockade.services.logs.resources import LogsNeeds
from stockade.services.logs.streams import LogStreams
from stockade.store.log_ports import LogStore
from stockade.types import Region

__all__ = ["ERRORS", "LogsDeps", "LogsService"]

ERRORS = ServiceErrors(AccessDeniedError, InvalidParameterError, ServiceUnavailableError)


class LogsService:
    def __init__(self, store: LogStore, region: Region, clock: Clock) -> None:
        self.deps = LogsDeps(store=store, clock=clock, region=region)
        self.groups = LogGroups(self.deps)
        self.streams = LogStreams(self.deps)
        self.events = LogEvents(self.deps)
        self.needs = LogsNeeds(region)

    def table(self) -> ServiceTable:
        g, s, e, n = self.groups, self.streams, self.events, self.needs
        return ServiceTable.of(
            "logs",
            [
                operation("DescribeLogGroups", g.describe_log_groups, n.describe_log_groups, READ),
                operation("CreateLogGroup", g.create_log_group, n.create_log_group, WRITE),
                operation("DeleteLogGroup", g.delete_log_group, n.delete_log_group, WRITE),
                operation(
                    "DescribeLogStreams", s.describe_log_streams, n.describe_log_streams, READ
                ),
                operation("GetLogEvents", e.get_log_events, n.get_log_events, READ),
                operation("FilterLogEvents", e.filter_log_events, n.filter_log_events, READ),
            ],
            ERRORS,
        )
