"""CloudWatch Logs, the subset that reads function logs: groups, streams and events.

Operations: DescribeLogGroups, CreateLogGroup, DeleteLogGroup, DescribeLogStreams, GetLogEvents,
FilterLogEvents. Every other operation of the model is answered NotImplemented by the endpoint.
Authorisation is IAM's, with CloudWatch Logs' actions and ARNs:
`arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*` (GetLogEvents: `...:log-group:NAME:log-stream:S`,
DescribeLogGroups: `...:log-group:*`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from stockade.clock import Clock
from stockade.services.authz import Authorizer
from stockade.services.context import RequestContext
from stockade.services.logs.deps import LogsDeps
from stockade.services.logs.events import LogEvents
from stockade.services.logs.groups import LogGroups
from stockade.services.logs.streams import LogStreams
from stockade.store.log_ports import LogStore
from stockade.types import Region

Operation = Callable[[RequestContext, Any], Any]

__all__ = ["LogsDeps", "LogsService", "Operation"]


class LogsService:
    def __init__(
        self, store: LogStore, authorizer: Authorizer, region: Region, clock: Clock
    ) -> None:
        self.deps = LogsDeps(store=store, authorizer=authorizer, clock=clock, region=region)
        self.groups = LogGroups(self.deps)
        self.streams = LogStreams(self.deps)
        self.events = LogEvents(self.deps)

    def operations(self) -> Mapping[str, Operation]:
        """Operation name (as in botocore's model) -> use case."""
        g, s, e = self.groups, self.streams, self.events
        return {
            "DescribeLogGroups": g.describe_log_groups,
            "CreateLogGroup": g.create_log_group,
            "DeleteLogGroup": g.delete_log_group,
            "DescribeLogStreams": s.describe_log_streams,
            "GetLogEvents": e.get_log_events,
            "FilterLogEvents": e.filter_log_events,
        }
