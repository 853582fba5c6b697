"""Which log group a request names, its ARNs, and what each operation needs on them.

A group is named by `logGroupName` or by `logGroupIdentifier` (a name or an ARN), exactly one of
them. Reads are always scoped to the caller's account: an ARN naming another account is
authorised as such (and so denied, there being no cross-account access), then not found.
Log groups have no resource policies in Stockade, so the needs carry bare ARNs (no scope):
`arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*` for a group, `...:log-group:NAME:log-stream:S`
for GetLogEvents, `...:log-group:*` for DescribeLogGroups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

from typing_extensions import ReadOnly

from stockade.services.context import RequestContext
from stockade.services.declaration import Need
from stockade.services.logs.errors import (
    GROUP_NOT_FOUND,
    InvalidParameterError,
    ResourceNotFoundError,
)
from stockade.shapes import logs as shapes
from stockade.types import Region


class NamesGroup(TypedDict, total=False):
    """How DescribeLogStreams, GetLogEvents and FilterLogEvents name their group."""

    logGroupName: ReadOnly[str]
    logGroupIdentifier: ReadOnly[str]


@dataclass(frozen=True)
class GroupRef:
    region: str
    account_id: str
    name: str

    @property
    def arn(self) -> str:
        """The group's ARN as DescribeLogGroups' `arn` and IAM policies write it."""
        return f"{self.group_arn}:*"

    @property
    def group_arn(self) -> str:
        return f"arn:aws:logs:{self.region}:{self.account_id}:log-group:{self.name}"

    def stream_arn(self, stream: str) -> str:
        return f"{self.group_arn}:log-stream:{stream}"


def own_group(ctx: RequestContext, region: Region, name: str) -> GroupRef:
    return GroupRef(region, ctx.principal.account_id, name)


def all_groups_arn(ctx: RequestContext, region: Region) -> str:
    return f"arn:aws:logs:{region}:{ctx.principal.account_id}:log-group:*"


def named_group(ctx: RequestContext, region: Region, request: NamesGroup) -> GroupRef:
    name = request.get("logGroupName")
    identifier = request.get("logGroupIdentifier")
    if (name is None) == (identifier is None):
        raise InvalidParameterError(
            "Exactly one of logGroupName or logGroupIdentifier must be specified."
        )
    if name is not None:
        return own_group(ctx, region, name)
    assert identifier is not None
    if not identifier.startswith("arn:"):
        return own_group(ctx, region, identifier)
    parts = identifier.split(":", 6)
    if len(parts) != 7 or parts[1:3] != ["aws", "logs"] or parts[5] != "log-group":
        raise InvalidParameterError("The logGroupIdentifier is not a log group name or ARN.")
    group = parts[6]  # the model's pattern keeps out the trailing ':*' of policy ARNs
    if not group or ":" in group:
        raise InvalidParameterError("The logGroupIdentifier is not a log group name or ARN.")
    return GroupRef(parts[3], parts[4], group)


def check_reachable(ctx: RequestContext, region: Region, group: GroupRef) -> None:
    """After authorisation: a group of another account or region is not found here."""
    if group.account_id != ctx.principal.account_id or group.region != region:
        raise ResourceNotFoundError(GROUP_NOT_FOUND)


class LogsNeeds:
    """What each operation needs: CloudWatch Logs' actions on the ARNs the request names."""

    def __init__(self, region: Region) -> None:
        self._region = region

    def describe_log_groups(
        self, ctx: RequestContext, request: shapes.DescribeLogGroupsRequest
    ) -> Sequence[Need]:
        return [Need("logs:DescribeLogGroups", all_groups_arn(ctx, self._region))]

    def create_log_group(
        self, ctx: RequestContext, request: shapes.CreateLogGroupRequest
    ) -> Sequence[Need]:
        group = own_group(ctx, self._region, request["logGroupName"])
        return [Need("logs:CreateLogGroup", group.arn)]

    def delete_log_group(
        self, ctx: RequestContext, request: shapes.DeleteLogGroupRequest
    ) -> Sequence[Need]:
        group = own_group(ctx, self._region, request["logGroupName"])
        return [Need("logs:DeleteLogGroup", group.arn)]

    def describe_log_streams(
        self, ctx: RequestContext, request: shapes.DescribeLogStreamsRequest
    ) -> Sequence[Need]:
        group = named_group(ctx, self._region, request)
        return [Need("logs:DescribeLogStreams", group.arn)]

    def get_log_events(
        self, ctx: RequestContext, request: shapes.GetLogEventsRequest
    ) -> Sequence[Need]:
        group = named_group(ctx, self._region, request)
        stream = group.stream_arn(request["logStreamName"])
        return [Need("logs:GetLogEvents", stream), *_unmask(group, request.get("unmask"))]

    def filter_log_events(
        self, ctx: RequestContext, request: shapes.FilterLogEventsRequest
    ) -> Sequence[Need]:
        group = named_group(ctx, self._region, request)
        return [Need("logs:FilterLogEvents", group.arn), *_unmask(group, request.get("unmask"))]


def _unmask(group: GroupRef, unmask: bool | None) -> Sequence[Need]:
    # Nothing is masked in Stockade, but asking to unmask takes the permission it takes.
    return [Need("logs:Unmask", group.arn)] if unmask else []
