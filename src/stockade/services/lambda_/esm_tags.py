"""Tags on event source mappings (TagResource, UntagResource, ListTags on a mapping's ARN,
`arn:aws:lambda:<region>:<account>:event-source-mapping:<UUID>`), by the rules of functions'
tags (`tags.checked_tags`: at most 50, no `aws:` keys). Mappings do not inherit their
function's tags (developer guide, tags-esm)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from stockade.domain.event_source_mapping import EventSourceMapping
from stockade.services.context import RequestContext
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import ResourceNotFoundError
from stockade.store.ports import Transaction

_NOT_FOUND = "The resource you requested does not exist."
_KIND = "event-source-mapping"


def mapping_uuid(resource: str) -> str | None:
    """The UUID an event source mapping's ARN names (None: not such an ARN)."""
    parts = resource.split(":")
    if len(parts) == 7 and parts[0] == "arn" and parts[2] == "lambda" and parts[5] == _KIND:
        return parts[6]
    return None


def _load(
    deps: LambdaDeps, ctx: RequestContext, tx: Transaction, resource: str
) -> EventSourceMapping:
    parts = resource.split(":")
    found = tx.event_source_mappings.get(parts[6])
    if (
        found is None
        or parts[3] != deps.region
        or parts[4] != ctx.principal.account_id
        or found.account_id != ctx.principal.account_id
    ):
        raise ResourceNotFoundError(_NOT_FOUND)
    return found


def put_tags(
    deps: LambdaDeps,
    ctx: RequestContext,
    resource: str,
    change: Callable[[dict[str, str]], dict[str, str]],
) -> None:
    """The mapping's tags replaced by `change(current tags)` (which checks them)."""
    with deps.store.write() as tx:
        found = _load(deps, ctx, tx, resource)
        tags = change(dict(found.tags))
        tx.event_source_mappings.put(replace(found, tags=tuple(sorted(tags.items()))))


def list_tags(deps: LambdaDeps, ctx: RequestContext, resource: str) -> dict[str, str]:
    with deps.store.read() as tx:
        return dict(_load(deps, ctx, tx, resource).tags)
