"""Resolve what a FunctionName (and Qualifier) parameter refers to, and authorise on it."""

from __future__ import annotations

from dataclasses import dataclass, replace

from stockade.domain.arn import LATEST, function_arn, parse_function_name
from stockade.domain.errors import InvalidArnError
from stockade.domain.function import Alias, FunctionVersion
from stockade.services.authz import Decision
from stockade.services.context import RequestContext
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import (
    AccessDeniedError,
    InvalidParameterValueError,
    ResourceNotFoundError,
)
from stockade.services.lambda_.resource_policy import GoverningPolicy, governing, stored_policy
from stockade.store.ports import Transaction
from stockade.types import AccountId


@dataclass(frozen=True)
class Target:
    """A function, and maybe a version or alias of it, in a known account."""

    account_id: AccountId
    name: str
    qualifier: str | None
    region: str

    @property
    def arn(self) -> str:
        return function_arn(self.region, self.account_id, self.name, self.qualifier)

    @property
    def unqualified_arn(self) -> str:
        return function_arn(self.region, self.account_id, self.name)


def resolve(
    deps: LambdaDeps, ctx: RequestContext, function_name: str, qualifier: str | None = None
) -> Target:
    try:
        ref = parse_function_name(function_name, ctx.principal.account_id)
    except InvalidArnError as exc:
        raise InvalidParameterValueError(str(exc)) from exc
    if ref.region is not None and ref.region != deps.region:
        raise InvalidParameterValueError(
            f"Region {ref.region} does not match the region of this endpoint ({deps.region})."
        )
    if qualifier == "":
        qualifier = None
    if ref.qualifier and qualifier and ref.qualifier != qualifier:
        raise InvalidParameterValueError(
            "The derived qualifier from the function name does not match the specified qualifier."
        )
    return Target(ref.account_id, ref.name, ref.qualifier or qualifier, deps.region)


def authorize(deps: LambdaDeps, ctx: RequestContext, action: str, resource: str) -> Decision:
    """Authorise `action` on `resource` (its ARN, or `*`); the decision is kept for auditing.

    The policy of the function, version, alias or layer version the ARN names takes part (so
    another account may be let in, and within the account a grant naming the caller suffices);
    the decision records whether that policy makes the resource public.
    """
    with deps.store.read() as tx:
        return authorize_in(tx, deps, ctx, action, resource)


def authorize_in(
    tx: Transaction, deps: LambdaDeps, ctx: RequestContext, action: str, resource: str
) -> Decision:
    """`authorize` within a read the caller already holds (one transaction per request)."""
    return authorize_with(deps, ctx, action, resource, resource_policy_of(tx, deps, resource))


def resource_policy_of(tx: Transaction, deps: LambdaDeps, resource: str) -> GoverningPolicy | None:
    """The parsed policy of the function, version, alias or layer version `resource` names."""
    stored = stored_policy(tx, deps.region, resource)
    return None if stored is None else governing(resource, stored.document())


def authorize_with(
    deps: LambdaDeps,
    ctx: RequestContext,
    action: str,
    resource: str,
    found: GoverningPolicy | None,
) -> Decision:
    """`authorize` given the resource's policy as `resource_policy_of` read it."""
    if found is None:
        return deps.authorizer.authorize(ctx, action, resource, AccessDeniedError)
    decision = deps.authorizer.authorize(
        ctx, action, resource, AccessDeniedError, resource_policy=found.attached
    )
    return replace(decision, public_resource=True) if found.public else decision


def not_found(target: Target) -> ResourceNotFoundError:
    return ResourceNotFoundError(f"Function not found: {target.arn}")


def load_version(tx: Transaction, target: Target) -> tuple[FunctionVersion, Alias | None]:
    """The version a target names ($LATEST when unqualified), and the alias it went through."""
    qualifier = target.qualifier or LATEST
    if qualifier == LATEST or qualifier.isdigit():
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
