"""What an Invoke reads from the store, read once per change of the store.

Every Invoke of a function reads the same rows: the resource policy that governs the target,
the version (through an alias and its routing) and the function. Under load those reads (a
transaction of five statements) were the largest part of accepting an event, so they are
memoised with `Store.read_memo`: reused only until anything commits, so a changed policy,
alias, concurrency setting or deletion applies to the very next request, as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from stockade.domain.arn import LATEST
from stockade.domain.function import Alias, Function, FunctionVersion
from stockade.services.lambda_ import names
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import ResourceNotFoundError
from stockade.services.lambda_.resource_policy import GoverningPolicy, function_policy
from stockade.store.ports import Transaction


@dataclass(frozen=True)
class InvokeTarget:
    """The stored state an Invoke of `target` needs, from one read snapshot."""

    resource_policy: GoverningPolicy | None
    version: FunctionVersion | None
    alias: Alias | None
    function: Function | None
    # Versions an alias's weighted routing may choose besides its own.
    routed: Mapping[str, FunctionVersion] = field(default_factory=dict)
    # Why the target does not resolve (version and function are then None); raised by the
    # handler, after authorization.
    missing: str | None = None

    def resolved(self) -> tuple[FunctionVersion, Alias | None, Function]:
        """The version, alias and function, or the ResourceNotFoundException for the target."""
        if self.version is None or self.function is None:
            raise ResourceNotFoundError(self.missing or "Function not found")
        return self.version, self.alias, self.function


def invoke_target(deps: LambdaDeps, target: names.Target) -> InvokeTarget:
    return deps.store.read_memo(("invoke-target", target), lambda tx: _load(tx, deps, target))


def _load(tx: Transaction, deps: LambdaDeps, target: names.Target) -> InvokeTarget:
    policy = function_policy(tx, deps.region, target.arn)
    try:
        version, alias = names.load_version(tx, target)
    except ResourceNotFoundError as exc:
        # Invoke names the version it looked for: `...:function:f:$LATEST` (AWS, recorded).
        latest = None if target.qualifier else replace(target, qualifier=LATEST)
        missing = exc.message if latest is None else names.not_found(latest).message
        return InvokeTarget(policy, None, None, None, missing=missing)
    function = tx.functions.get(target.account_id, target.name)
    if function is None:  # deleted between the reads above: a broken invariant
        return InvokeTarget(policy, None, None, None, missing=names.not_found(target).message)
    routed = {}
    if alias is not None:
        for number in alias.routing:
            found = tx.versions.get(target.account_id, target.name, number)
            if found is not None:
                routed[number] = found
    return InvokeTarget(policy, version, alias, function, routed)
