"""The configuration recorder: every use case that changes a function calls `record_change`
inside its write transaction, so a committed change always has its configuration item (linked
to the request's audit record by request id and event name) and its compliance results."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from stockade.domain.arn import LATEST, function_arn
from stockade.domain.compliance_records import Cause
from stockade.domain.configuration_item import (
    RESOURCE_TYPE,
    ConfigurationItem,
    ItemStatus,
    RelatedEvent,
    next_item,
)
from stockade.domain.function_snapshot import function_configuration
from stockade.services.compliance.evaluation import evaluate_item
from stockade.services.context import RequestContext
from stockade.services.lambda_.deps import LambdaDeps
from stockade.store.ports import Transaction
from stockade.types import AccountId

SERVER_START = "StockadeServerStart"


def record_change(
    deps: LambdaDeps,
    ctx: RequestContext,
    tx: Transaction,
    account: AccountId,
    name: str,
    environment_names: Sequence[str] | None = None,
) -> ConfigurationItem | None:
    """A new item if the function's configuration differs from its last item (or the function
    is gone); `environment_names` when the request set the variables (None: unchanged)."""
    event = RelatedEvent(ctx.recorded_as, ctx.request_id)  # as its audit record names it
    item = _record(deps, tx, account, name, event, environment_names)
    if item is not None:
        noted = {"configurationStateId": str(item.state_id),
                 "configurationItemStatus": item.status.value}  # fmt: skip
        ctx.notes.add("configurationItem", noted)
    return item


def record_at_start(deps: LambdaDeps) -> int:
    """Record what changed while the server was down (e.g. its sandbox, hence the functions'
    network); returns how many items were recorded. Event: StockadeServerStart, own id."""
    event = RelatedEvent(SERVER_START, str(uuid.uuid4()))
    recorded = 0
    with deps.store.write() as tx:
        for account in tx.accounts.all():
            after: str | None = None
            while page := tx.functions.page(account.account_id, after, 500):
                for function in page:
                    if _record(deps, tx, account.account_id, function.name, event, None):
                        recorded += 1
                after = page[-1].name
    return recorded


def _record(
    deps: LambdaDeps,
    tx: Transaction,
    account: AccountId,
    name: str,
    event: RelatedEvent,
    environment_names: Sequence[str] | None,
) -> ConfigurationItem | None:
    previous = tx.configuration_items.latest(account, name)
    function = tx.functions.get(account, name)
    latest = tx.versions.get(account, name, LATEST)
    configuration = None
    if function is not None and latest is not None:
        if environment_names is None:
            environment_names = (
                previous.configuration["environment"]["variableNames"]
                if previous is not None and previous.status is not ItemStatus.DELETED
                else ()
            )
        configuration = function_configuration(
            function, latest, deps.region, tx.resource_policies.function_policies(account, name),
            environment_names, deps.network,
        )  # fmt: skip
    now = deps.clock.now()
    # None when nothing recorded changed (e.g. a version published, an alias moved).
    item = next_item(previous, configuration, account_id=account, region=deps.region,
                     resource_type=RESOURCE_TYPE, resource_id=name,
                     arn=function_arn(deps.region, account, name), captured_at=now,
                     event=event)  # fmt: skip
    if item is None:
        return None
    tx.configuration_items.add(item)
    cause = Cause(event.event_name, event.request_id, item.state_id)
    evaluate_item(tx, item, cause, now, deps.runtimes)
    return item
