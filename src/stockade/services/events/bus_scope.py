"""Where a bus keeps its policy, for the kernel: another account's PutEvents is allowed
exactly where the bus's policy (PutPermission) lets that account in, as on AWS
(EventBridge user guide, eb-event-bus-perms)."""

from __future__ import annotations

from stockade import policy
from stockade.policy import AttachedPolicy, PolicyKind
from stockade.services.context import RequestContext
from stockade.services.declaration import Located
from stockade.services.events.names import bus_ref
from stockade.store.ports import Store
from stockade.types import AccountId


class BusPolicies:
    def __init__(self, store: Store, region: str) -> None:
        self._store = store
        self._region = region

    def locate(self, ctx: RequestContext, reference: str) -> Located:
        ref = bus_ref(self._region, ctx.principal.account_id, reference)
        if ref.region != self._region:
            return Located(reference)  # no bus of another region is here
        with self._store.read() as tx:
            stored = tx.events.get_bus(AccountId(ref.account_id), ref.name)
        text = None if stored is None else stored.policy
        if text is None:
            return Located(reference)
        return Located(reference, AttachedPolicy(reference, policy.parse_policy(
            text, PolicyKind.RESOURCE)))  # fmt: skip
