"""Policies that belong to a user, group or role: inline policies, attachments, boundaries.

One class serves the three owner kinds; the operation table names them per kind
(PutUserPolicy, PutRolePolicy, PutGroupPolicy, ...).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from stockade.domain.account import IamUser
from stockade.domain.iam import IamGroup, IamRole, InlinePolicy, OwnerKind
from stockade.services.context import RequestContext
from stockade.services.iam.common import (
    IamDeps,
    authorize,
    check_document,
    entity_arn,
    no_such,
    page,
    quoted,
    resolve_policy,
)
from stockade.services.iam.errors import (
    LimitExceededError,
    NoSuchEntityError,
    PolicyNotAttachableError,
)
from stockade.store.ports import Transaction

Owner = IamUser | IamGroup | IamRole
# IAM quotas: inline policy document sizes per owner kind, and managed policies per owner.
_INLINE_LIMITS = {OwnerKind.USER: 2048, OwnerKind.GROUP: 5120, OwnerKind.ROLE: 10240}
_ATTACHED_MAX = 20


def _label(kind: OwnerKind) -> str:
    return kind.value.capitalize()


class OwnedPolicies:
    def __init__(self, deps: IamDeps, kind: OwnerKind) -> None:
        self._deps = deps
        self._kind = kind
        self._param = f"{_label(kind)}Name"

    def _owner(self, tx: Transaction, ctx: RequestContext, name: str) -> Owner:
        account = ctx.principal.account_id
        found: Owner | None
        if self._kind is OwnerKind.USER:
            found = tx.users.get(account, name)
        elif self._kind is OwnerKind.GROUP:
            found = tx.groups.get(account, name)
        else:
            found = tx.roles.get(account, name)
        if found is None:
            raise no_such(self._kind.value, name)
        return found

    def _authorize(self, ctx: RequestContext, action: str, name: str) -> None:
        authorize(self._deps, ctx, action, entity_arn(ctx, self._kind.value, name))

    def operations(self) -> Mapping[str, Callable[[RequestContext, Any], Any]]:
        label = _label(self._kind)
        table: dict[str, Callable[[RequestContext, Any], Any]] = {
            f"Put{label}Policy": self.put_policy,
            f"Get{label}Policy": self.get_policy,
            f"Delete{label}Policy": self.delete_policy,
            f"List{label}Policies": self.list_policies,
            f"Attach{label}Policy": self.attach,
            f"Detach{label}Policy": self.detach,
            f"ListAttached{label}Policies": self.list_attached,
        }
        if self._kind is not OwnerKind.GROUP:
            table[f"Put{label}PermissionsBoundary"] = self.put_boundary
            table[f"Delete{label}PermissionsBoundary"] = self.delete_boundary
        return table

    def _action(self, verb: str) -> str:
        return f"{verb}{_label(self._kind)}Policy"

    def put_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name, policy_name = params[self._param], params["PolicyName"]
        self._authorize(ctx, self._action("Put"), name)
        document = check_document(params["PolicyDocument"])
        if len("".join(document.split())) > _INLINE_LIMITS[self._kind]:
            raise LimitExceededError(
                f"Maximum policy size of {_INLINE_LIMITS[self._kind]} bytes exceeded for"
                f" {self._kind.value} {name}"
            )
        with self._deps.store.write() as tx:
            self._owner(tx, ctx, name)
            tx.policies.put_inline(
                InlinePolicy(ctx.principal.account_id, self._kind, name, policy_name, document)
            )
        return {}

    def get_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name, policy_name = params[self._param], params["PolicyName"]
        self._authorize(ctx, self._action("Get"), name)
        with self._deps.store.read() as tx:
            self._owner(tx, ctx, name)
            found = tx.policies.get_inline(ctx.principal.account_id, self._kind, name, policy_name)
        if found is None:
            raise NoSuchEntityError(
                f"The {self._kind.value} policy with name {policy_name} cannot be found."
            )
        return {
            self._param: name,
            "PolicyName": policy_name,
            "PolicyDocument": quoted(found.document),
        }

    def delete_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name, policy_name = params[self._param], params["PolicyName"]
        self._authorize(ctx, self._action("Delete"), name)
        account = ctx.principal.account_id
        with self._deps.store.write() as tx:
            self._owner(tx, ctx, name)
            if tx.policies.get_inline(account, self._kind, name, policy_name) is None:
                raise NoSuchEntityError(
                    f"The {self._kind.value} policy with name {policy_name} cannot be found."
                )
            tx.policies.delete_inline(account, self._kind, name, policy_name)
        return {}

    def list_policies(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params[self._param]
        self._authorize(ctx, f"List{_label(self._kind)}Policies", name)
        with self._deps.store.read() as tx:
            self._owner(tx, ctx, name)
            found = tx.policies.list_inline(ctx.principal.account_id, self._kind, name)
        names, extra = page([p.name for p in found], params)
        return {"PolicyNames": names, **extra}

    def attach(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name, arn = params[self._param], params["PolicyArn"]
        self._authorize(ctx, self._action("Attach"), name)
        account = ctx.principal.account_id
        with self._deps.store.write() as tx:
            self._owner(tx, ctx, name)
            try:
                resolve_policy(tx, ctx, arn)
            except NoSuchEntityError as exc:
                raise PolicyNotAttachableError(exc.message) from exc
            attached = tx.policies.attached(account, self._kind, name)
            if arn not in attached and len(attached) >= _ATTACHED_MAX:
                raise LimitExceededError(
                    f"Cannot exceed quota for PoliciesPer{_label(self._kind)}: {_ATTACHED_MAX}"
                )
            tx.policies.attach(account, self._kind, name, arn)
        return {}

    def detach(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name, arn = params[self._param], params["PolicyArn"]
        self._authorize(ctx, self._action("Detach"), name)
        account = ctx.principal.account_id
        with self._deps.store.write() as tx:
            self._owner(tx, ctx, name)
            if arn not in tx.policies.attached(account, self._kind, name):
                raise NoSuchEntityError(f"Policy {arn} was not found.")
            tx.policies.detach(account, self._kind, name, arn)
        return {}

    def list_attached(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params[self._param]
        self._authorize(ctx, f"ListAttached{_label(self._kind)}Policies", name)
        prefix = params.get("PathPrefix") or "/"
        with self._deps.store.read() as tx:
            self._owner(tx, ctx, name)
            arns = tx.policies.attached(ctx.principal.account_id, self._kind, name)
            resolved = []
            for arn in arns:
                try:
                    resolved.append(resolve_policy(tx, ctx, arn))
                except NoSuchEntityError:
                    continue
        shown = [
            {"PolicyName": r.name, "PolicyArn": r.arn}
            for r in resolved
            if _path_of(r.arn).startswith(prefix)
        ]
        items, extra = page(shown, params)
        return {"AttachedPolicies": items, **extra}

    def put_boundary(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name, arn = params[self._param], params["PermissionsBoundary"]
        self._authorize(ctx, f"Put{_label(self._kind)}PermissionsBoundary", name)
        with self._deps.store.write() as tx:
            owner = self._owner(tx, ctx, name)
            try:
                resolve_policy(tx, ctx, arn)
            except NoSuchEntityError as exc:
                raise PolicyNotAttachableError(exc.message) from exc
            self._save(tx, owner, arn)
        return {}

    def delete_boundary(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params[self._param]
        self._authorize(ctx, f"Delete{_label(self._kind)}PermissionsBoundary", name)
        with self._deps.store.write() as tx:
            owner = self._owner(tx, ctx, name)
            self._save(tx, owner, None)
        return {}

    @staticmethod
    def _save(tx: Transaction, owner: Owner, boundary: str | None) -> None:
        if isinstance(owner, IamUser):
            tx.users.put(dataclasses.replace(owner, permissions_boundary=boundary))
        elif isinstance(owner, IamRole):
            tx.roles.put(dataclasses.replace(owner, permissions_boundary=boundary))


def _path_of(arn: str) -> str:
    resource = arn.split(":", 5)[-1]
    return resource[resource.index("/") : resource.rindex("/") + 1]


def ensure_boundary(tx: Transaction, ctx: RequestContext, arn: str | None) -> str | None:
    """Check a boundary given at creation time."""
    if arn is None:
        return None
    try:
        resolve_policy(tx, ctx, arn)
    except NoSuchEntityError as exc:
        raise PolicyNotAttachableError(exc.message) from exc
    return arn


def has_policies(
    tx: Transaction, ctx: RequestContext, kind: OwnerKind, name: str
) -> tuple[bool, bool]:
    """(has inline policies, has attached policies): an entity with either cannot be deleted."""
    account = ctx.principal.account_id
    return (
        bool(tx.policies.list_inline(account, kind, name)),
        bool(tx.policies.attached(account, kind, name)),
    )
