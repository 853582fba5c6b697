"""IAM roles and their trust policies."""

from __future__ import annotations

import dataclasses
from typing import Any

from stockade.domain.iam import IamRole, OwnerKind
from stockade.policy import PolicyKind
from stockade.services.context import RequestContext
from stockade.services.iam import presenters
from stockade.services.iam.common import (
    IamDeps,
    authorize,
    check_document,
    check_path,
    entity_arn,
    no_such,
    page,
)
from stockade.services.iam.errors import DeleteConflictError, EntityAlreadyExistsError
from stockade.services.iam.owned import ensure_boundary, has_policies
from stockade.services.identity import new_unique_id


class Roles:
    def __init__(self, deps: IamDeps) -> None:
        self._deps = deps

    def create_role(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name, path = params["RoleName"], check_path(params.get("Path"))
        authorize(self._deps, ctx, "CreateRole", entity_arn(ctx, "role", name, path))
        trust = check_document(params["AssumeRolePolicyDocument"], PolicyKind.TRUST)
        account = ctx.principal.account_id
        with self._deps.store.write() as tx:
            if tx.roles.get(account, name) is not None:
                raise EntityAlreadyExistsError(f"Role with name {name} already exists.")
            role = IamRole(
                account,
                name,
                new_unique_id("AROA"),
                self._deps.clock.now(),
                trust,
                path,
                params.get("Description"),
                params.get("MaxSessionDuration") or 3600,
                ensure_boundary(tx, ctx, params.get("PermissionsBoundary")),
            )
            tx.roles.put(role)
        return {"Role": presenters.role(role)}

    def get_role(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["RoleName"]
        authorize(self._deps, ctx, "GetRole", entity_arn(ctx, "role", name))
        with self._deps.store.read() as tx:
            role = tx.roles.get(ctx.principal.account_id, name)
        if role is None:
            raise no_such("role", name)
        return {"Role": presenters.role(role)}

    def list_roles(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        authorize(self._deps, ctx, "ListRoles", entity_arn(ctx, "role", ""))
        prefix = params.get("PathPrefix") or "/"
        with self._deps.store.read() as tx:
            roles = [
                r for r in tx.roles.all_in(ctx.principal.account_id) if r.path.startswith(prefix)
            ]
        items, extra = page(roles, params)
        return {"Roles": [presenters.role(r) for r in items], **extra}

    def delete_role(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["RoleName"]
        authorize(self._deps, ctx, "DeleteRole", entity_arn(ctx, "role", name))
        account = ctx.principal.account_id
        with self._deps.store.write() as tx:
            if tx.roles.get(account, name) is None:
                raise no_such("role", name)
            inline, attached = has_policies(tx, ctx, OwnerKind.ROLE, name)
            if inline:
                raise DeleteConflictError("Cannot delete entity, must delete policies first.")
            if attached:
                raise DeleteConflictError("Cannot delete entity, must detach all policies first.")
            tx.roles.delete(account, name)
        return {}

    def update_assume_role_policy(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        name = params["RoleName"]
        authorize(self._deps, ctx, "UpdateAssumeRolePolicy", entity_arn(ctx, "role", name))
        trust = check_document(params["PolicyDocument"], PolicyKind.TRUST)
        with self._deps.store.write() as tx:
            role = tx.roles.get(ctx.principal.account_id, name)
            if role is None:
                raise no_such("role", name)
            tx.roles.put(dataclasses.replace(role, trust_policy=trust))
        return {}
