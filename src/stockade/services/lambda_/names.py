"""Resolve what a FunctionName (and Qualifier) parameter refers to."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

from stockade.domain.arn import LATEST, function_arn, parse_function_name
from stockade.domain.errors import InvalidArnError
from stockade.domain.function import Alias, Function, FunctionVersion
from stockade.services.context import RequestContext
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import InvalidParameterValueError, ResourceNotFoundError
from stockade.store.ports import Transaction
from stockade.types import AccountId, ascii_digits


@dataclass(frozen=True)
class Target:
    """A function, and maybe a version or alias of it, in a known account."""

    account_id: AccountId
    name: str
    qualifier: str | None
    region: str

    @cached_property
    def arn(self) -> str:
        return function_arn(self.region, self.account_id, self.name, self.qualifier)

    @cached_property
    def unqualified_arn(self) -> str:
        return function_arn(self.region, self.account_id, self.name)


def resolve(
    deps: LambdaDeps, ctx: RequestContext, function_name: str, qualifier: str | None = None
) -> Target:
    """The target a FunctionName (and Qualifier) names; InvalidParameterValueException when it
    names none, ResourceNotFoundException when its ARN is of another region.

    A request resolves its target more than once (audit resources, needs, handler), so the
    pure resolution is cached; Targets are immutable and safe to share."""
    return _resolved(function_name, qualifier or None, ctx.principal.account_id, deps.region)


@lru_cache(maxsize=4096)
def _resolved(function_name: str, qualifier: str | None, caller: AccountId, region: str) -> Target:
    try:
        ref = parse_function_name(function_name, caller)
    except InvalidArnError as exc:
        raise InvalidParameterValueError(str(exc)) from exc
    if ref.region is not None and ref.region != region:
        # AWS's answer, recorded: a 404, not a bad parameter.
        raise ResourceNotFoundError(
            f"Functions from '{ref.region}' are not reachable in this region ('{region}')"
        )
    if ref.qualifier and qualifier and ref.qualifier != qualifier:
        raise InvalidParameterValueError(
            "The derived qualifier from the function name does not match the specified qualifier."
        )
    return Target(ref.account_id, ref.name, ref.qualifier or qualifier, region)


def not_found(target: Target) -> ResourceNotFoundError:
    return ResourceNotFoundError(f"Function not found: {target.arn}")


def load_function(tx: Transaction, target: Target) -> Function:
    """The function a target names, or Lambda's not-found answer for it."""
    function = tx.functions.get(target.account_id, target.name)
    if function is None:
        raise not_found(target)
    return function


def load_version(tx: Transaction, target: Target) -> tuple[FunctionVersion, Alias | None]:
    """The version a target names ($LATEST when unqualified), and the alias it went through."""
    qualifier = target.qualifier or LATEST
    if qualifier == LATEST or ascii_digits(qualifier):
        version = tx.versions.get(target.account_id, target.name, qualifier)
        if version is None:
            raise not_found(target)
        return version, None
    alias = tx.aliases.get(target.account_id, target.name, qualifier)
    if alias is None:
        if tx.functions.get(target.account_id, target.name) is None:
            raise not_found(Target(target.account_id, target.name, None, target.region))
        raise ResourceNotFoundError(f"Function not found: {target.arn}")
    version = tx.versions.get(target.account_id, target.name, alias.function_version)
    if version is None:  # an alias never outlives its version; treat as a broken invariant
        raise not_found(target)
    return version, alias


def target_of_arn(function_arn: str, region: str) -> Target:
    """The target a stored, already checked function ARN names (mappings, rule targets)."""
    parts = function_arn.split(":")
    return Target(AccountId(parts[4]), parts[6], parts[7] if len(parts) > 7 else None, region)
