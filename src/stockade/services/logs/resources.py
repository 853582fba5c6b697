"""Which log group a request names, its ARNs, and the authorisation call every use case makes.

A group is named by `logGroupName` or by `logGroupIdentifier` (a name or an ARN), exactly one of
them. Reads are always scoped to the caller's account: an ARN naming another account is
authorised as such (and so denied, there being no cross-account access), then not found.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stockade.services.authz import Authorizer
from stockade.services.context import RequestContext
from stockade.services.logs.errors import (
    GROUP_NOT_FOUND,
    AccessDeniedError,
    InvalidParameterError,
    ResourceNotFoundError,
)
from stockade.types import Region


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


def named_group(ctx: RequestContext, region: Region, params: Mapping[str, Any]) -> GroupRef:
    name = params.get("logGroupName")
    identifier = params.get("logGroupIdentifier")
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


def authorize(authorizer: Authorizer, ctx: RequestContext, action: str, resource: str) -> None:
    authorizer.authorize(ctx, action, resource, AccessDeniedError)


def check_reachable(ctx: RequestContext, region: Region, group: GroupRef) -> None:
    """After authorisation: a group of another account or region is not found here."""
    if group.account_id != ctx.principal.account_id or group.region != region:
        raise ResourceNotFoundError(GROUP_NOT_FOUND)
