"""Policies that belong to a user, group or role: inline policies, attachments, boundaries.

One class serves the three owner kinds, taking the owner's name and the request's members as
plain values; `owners` gives each kind its typed operations (PutUserPolicy, PutRolePolicy, ...).
"""

from __future__ import annotations

import dataclasses

from stockade.domain.account import IamUser
from stockade.domain.iam import IamGroup, IamRole, InlinePolicy, OwnerKind
from stockade.services.context import RequestContext
from stockade.services.iam.common import (
    IamDeps,
    Paged,
    Paging,
    check_document,
    no_such,
    page,
    resolve_policy,
)
from stockade.services.iam.errors import (
    LimitExceededError,
    NoSuchEntityError,
    PolicyNotAttachableError,
)
from stockade.shapes import iam as shapes
from stockade.store.ports import Transaction

Owner = IamUser | IamGroup | IamRole
# IAM quotas: inline policy document sizes per owner kind, and managed policies per owner.
_INLINE_LIMITS = {OwnerKind.USER: 2048, OwnerKind.GROUP: 5120, OwnerKind.ROLE: 10240}
_ATTACHED_MAX = 20


def label(kind: OwnerKind) -> str:
    return kind.value.capitalize()


class OwnedPolicies:
    def __init__(self, deps: IamDeps, kind: OwnerKind) -> None:
        self._deps = deps
        self._kind = kind

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

    def _no_inline(self, policy_name: str) -> NoSuchEntityError:
        return NoSuchEntityError(
            f"The {self._kind.value} policy with name {policy_name} cannot be found."
        )

    def put_policy(self, ctx: RequestContext, name: str, policy_name: str, text: str) -> None:
        document = check_document(text)
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

    def get_policy(self, ctx: RequestContext, name: str, policy_name: str) -> InlinePolicy:
        with self._deps.store.read() as tx:
            self._owner(tx, ctx, name)
            found = tx.policies.get_inline(ctx.principal.account_id, self._kind, name, policy_name)
        if found is None:
            raise self._no_inline(policy_name)
        return found

    def delete_policy(self, ctx: RequestContext, name: str, policy_name: str) -> None:
        account = ctx.principal.account_id
        with self._deps.store.write() as tx:
            self._owner(tx, ctx, name)
            if tx.policies.get_inline(account, self._kind, name, policy_name) is None:
                raise self._no_inline(policy_name)
            tx.policies.delete_inline(account, self._kind, name, policy_name)

    def list_policies(
        self, ctx: RequestContext, name: str, paged: Paged
    ) -> tuple[list[str], Paging]:
        with self._deps.store.read() as tx:
            self._owner(tx, ctx, name)
            found = tx.policies.list_inline(ctx.principal.account_id, self._kind, name)
        return page([p.name for p in found], paged)

    def attach(self, ctx: RequestContext, name: str, arn: str) -> None:
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
                    f"Cannot exceed quota for PoliciesPer{label(self._kind)}: {_ATTACHED_MAX}"
                )
            tx.policies.attach(account, self._kind, name, arn)

    def detach(self, ctx: RequestContext, name: str, arn: str) -> None:
        account = ctx.principal.account_id
        with self._deps.store.write() as tx:
            self._owner(tx, ctx, name)
            if arn not in tx.policies.attached(account, self._kind, name):
                raise NoSuchEntityError(f"Policy {arn} was not found.")
            tx.policies.detach(account, self._kind, name, arn)

    def list_attached(
        self, ctx: RequestContext, name: str, prefix: str | None, paged: Paged
    ) -> tuple[list[shapes.AttachedPolicy], Paging]:
        with self._deps.store.read() as tx:
            self._owner(tx, ctx, name)
            arns = tx.policies.attached(ctx.principal.account_id, self._kind, name)
            resolved = []
            for arn in arns:
                try:
                    resolved.append(resolve_policy(tx, ctx, arn))
                except NoSuchEntityError:
                    continue
        shown: list[shapes.AttachedPolicy] = [
            {"PolicyName": r.name, "PolicyArn": r.arn}
            for r in resolved
            if _path_of(r.arn).startswith(prefix or "/")
        ]
        return page(shown, paged)

    def put_boundary(self, ctx: RequestContext, name: str, arn: str) -> None:
        with self._deps.store.write() as tx:
            owner = self._owner(tx, ctx, name)
            try:
                resolve_policy(tx, ctx, arn)
            except NoSuchEntityError as exc:
                raise PolicyNotAttachableError(exc.message) from exc
            self._save(tx, owner, arn)

    def delete_boundary(self, ctx: RequestContext, name: str) -> None:
        with self._deps.store.write() as tx:
            owner = self._owner(tx, ctx, name)
            self._save(tx, owner, None)

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
