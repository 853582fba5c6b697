"""Finding the bus or rule a request names, in the caller's own account and region only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from stockade.domain.events import DEFAULT_BUS, EventBus, Rule
from stockade.services.context import RequestContext
from stockade.services.events.errors import no_bus, no_rule
from stockade.services.events.names import BusRef, RuleRef
from stockade.shapes.events import Tag as _Tag
from stockade.store.ports import Transaction
from stockade.types import AccountId


def is_own(ctx: RequestContext, region: str, ref: BusRef) -> bool:
    return ref.account_id == ctx.principal.account_id and ref.region == region


def find_bus(tx: Transaction, ctx: RequestContext, region: str, ref: BusRef) -> EventBus | None:
    """The bus, the default bus even if nothing was ever stored for it; None if none."""
    if not is_own(ctx, region, ref):
        return None
    account = AccountId(ref.account_id)
    stored = tx.events.get_bus(account, ref.name)
    if stored is None and ref.name == DEFAULT_BUS:
        return EventBus(account, DEFAULT_BUS)
    return stored


def existing_bus(tx: Transaction, ctx: RequestContext, region: str, ref: BusRef) -> EventBus:
    bus = find_bus(tx, ctx, region, ref)
    if bus is None:
        raise no_bus(ref.name)
    return bus


def existing_rule(tx: Transaction, ctx: RequestContext, region: str, ref: RuleRef) -> Rule:
    """The rule; ResourceNotFound naming the bus if the bus is missing, else the rule."""
    existing_bus(tx, ctx, region, ref.bus)
    rule = tx.events.get_rule(AccountId(ref.bus.account_id), ref.bus.name, ref.name)
    if rule is None:
        raise no_rule(ref.name, ref.bus.name)
    return rule


def tag_map(tags: Sequence[_Tag]) -> dict[str, str]:
    """A request's `[{Key, Value}]` as a mapping (a later duplicate key wins)."""
    return {tag["Key"]: tag["Value"] for tag in tags}


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": tags[key]} for key in sorted(tags)]
