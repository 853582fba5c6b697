"""Log groups: DescribeLogGroups, CreateLogGroup, DeleteLogGroup.

Groups of Lambda functions are created by their first log line; CreateLogGroup makes an empty
one. Every group is of class STANDARD, unencrypted (beyond the data dir's protection), without
tags, and bounded in size rather than by a retention period.
"""

from __future__ import annotations

from stockade.services.context import RequestContext
from stockade.services.logs.deps import GROUPS_PER_ACCOUNT_MAX, LogsDeps
from stockade.services.logs.errors import (
    GROUP_NOT_FOUND,
    InvalidParameterError,
    LimitExceededError,
    ResourceAlreadyExistsError,
    ResourceNotFoundError,
)
from stockade.services.logs.resources import GroupRef, own_group
from stockade.services.logs.tokens import decode_group_token, group_token
from stockade.shapes import logs as shapes
from stockade.store.log_ports import LogGroupInfo

_PAGE_DEFAULT = 50
_STANDARD = "STANDARD"


def _unsupported(what: str) -> InvalidParameterError:
    return InvalidParameterError(f"Stockade does not support {what} yet.")


class LogGroups:
    def __init__(self, deps: LogsDeps) -> None:
        self._deps = deps

    def describe_log_groups(
        self, ctx: RequestContext, request: shapes.DescribeLogGroupsRequest
    ) -> shapes.DescribeLogGroupsResponse:
        deps = self._deps
        if request.get("accountIdentifiers") or request.get("includeLinkedAccounts"):
            raise _unsupported("cross-account log groups (accountIdentifiers)")
        if request.get("logGroupIdentifiers") is not None:
            raise _unsupported("logGroupIdentifiers")
        prefix = request.get("logGroupNamePrefix")
        pattern = request.get("logGroupNamePattern")
        if prefix is not None and pattern is not None:
            raise InvalidParameterError(
                "LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters."
            )
        after = decode_group_token(request.get("nextToken"))
        if request.get("logGroupClass", _STANDARD) != _STANDARD:
            return {"logGroups": []}
        limit = request.get("limit", _PAGE_DEFAULT)
        found = deps.store.list_groups(
            ctx.principal.account_id,
            prefix=prefix or "",
            contains=pattern or "",
            after=after,
            limit=limit + 1,
        )
        page = found[:limit]
        groups = [_present(own_group(ctx, deps.region, g.name), g) for g in page]
        if len(found) > limit:
            return {"logGroups": groups, "nextToken": group_token(page[-1].name)}
        return {"logGroups": groups}

    def create_log_group(self, ctx: RequestContext, request: shapes.CreateLogGroupRequest) -> None:
        deps = self._deps
        group = own_group(ctx, deps.region, request["logGroupName"])
        if request.get("kmsKeyId") is not None:
            raise _unsupported("encrypting log groups with a KMS key (kmsKeyId)")
        if request.get("tags"):
            raise _unsupported("tags on log groups")
        if request.get("logGroupClass", _STANDARD) != _STANDARD:
            raise _unsupported("log group classes other than STANDARD")
        if request.get("deletionProtectionEnabled"):
            raise _unsupported("deletion protection")
        if group.name.lower().startswith("aws/"):
            raise InvalidParameterError("Log groups starting with AWS/ are reserved for AWS.")
        if deps.store.count_groups(group.account_id) >= GROUPS_PER_ACCOUNT_MAX:
            raise LimitExceededError("Resource limit exceeded.")
        now_ms = int(deps.clock.now().timestamp() * 1000)
        if not deps.store.create_group(group.account_id, group.name, now_ms):
            raise ResourceAlreadyExistsError("The specified log group already exists")

    def delete_log_group(self, ctx: RequestContext, request: shapes.DeleteLogGroupRequest) -> None:
        deps = self._deps
        group = own_group(ctx, deps.region, request["logGroupName"])
        if not deps.store.delete_group(group.account_id, group.name):
            raise ResourceNotFoundError(GROUP_NOT_FOUND)


def _present(group: GroupRef, info: LogGroupInfo) -> shapes.LogGroup:
    return {
        "logGroupName": info.name,
        "creationTime": info.created_ms,
        "metricFilterCount": 0,
        "arn": group.arn,
        "storedBytes": info.stored_bytes,
        "logGroupClass": _STANDARD,
        "logGroupArn": group.group_arn,
        "deletionProtectionEnabled": False,
    }
