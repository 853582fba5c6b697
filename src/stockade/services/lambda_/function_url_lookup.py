"""Which function a function URL id belongs to, with its URL configuration.

Read at least twice per URL request (the listener's choice of authentication, the kernel's
needs, the handler), so it is memoised like Invoke's reads (`Store.read_memo`): reused only
until anything commits, so a deleted or changed URL applies to the very next request.
"""

from __future__ import annotations

from dataclasses import dataclass

from stockade.domain.arn import LATEST
from stockade.domain.function_url import FunctionUrlConfig
from stockade.services.lambda_ import names
from stockade.services.lambda_.deps import LambdaDeps
from stockade.store.ports import Transaction


@dataclass(frozen=True)
class FoundUrl:
    target: names.Target  # the function ($LATEST: no qualifier) or its alias
    config: FunctionUrlConfig


def find_url(deps: LambdaDeps, url_id: str) -> FoundUrl | None:
    """The URL with this id, or None (never another account's guess: ids are unguessable)."""
    return deps.store.read_memo(("function-url", url_id), lambda tx: _load(tx, deps, url_id))


def _load(tx: Transaction, deps: LambdaDeps, url_id: str) -> FoundUrl | None:
    owner = tx.functions.by_url_id(url_id)
    if owner is None:
        return None
    function = tx.functions.get(owner.account_id, owner.function_name)
    config = None if function is None else function.url_configs.get(owner.qualifier)
    if config is None or config.url_id != url_id:
        return None
    qualifier = None if owner.qualifier == LATEST else owner.qualifier
    target = names.Target(owner.account_id, owner.function_name, qualifier, deps.region)
    return FoundUrl(target, config)
