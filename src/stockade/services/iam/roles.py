"""IAM roles and their trust policies."""

from __future__ import annotations

import dataclasses

from stockade.domain.iam import IamRole, OwnerKind
from stockade.policy import PolicyKind
from stockade.services.context import RequestContext
from stockade.services.iam import presenters
from stockade.services.iam.common import (
    IamDeps,
    check_document,
    check_path,
    no_such,
    page,
    refuse_tags,
)
from stockade.services.iam.errors import DeleteConflictError, EntityAlreadyExistsError
from stockade.services.iam.owned import ensure_boundary, has_policies
from stockade.services.identity import new_unique_id
from stockade.shapes import iam as shapes

DEFAULT_MAX_SESSION_S = 3600


class Roles:
    def __init__(self, deps: IamDeps) -> None:
        self._deps = deps

    def create_role(
        self, ctx: RequestContext, request: shapes.CreateRoleRequest
    ) -> shapes.CreateRoleResponse:
        refuse_tags("CreateRole", request)
        name, path = request["RoleName"], check_path(request.get("Path"))
        trust = check_document(request["AssumeRolePolicyDocument"], PolicyKind.TRUST)
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
                request.get("Description"),
                request.get("MaxSessionDuration") or DEFAULT_MAX_SESSION_S,
                ensure_boundary(tx, ctx, request.get("PermissionsBoundary")),
            )
            tx.roles.put(role)
        return {"Role": presenters.role(role)}

    def get_role(
        self, ctx: RequestContext, request: shapes.GetRoleRequest
    ) -> shapes.GetRoleResponse:
        name = request["RoleName"]
        with self._deps.store.read() as tx:
            role = tx.roles.get(ctx.principal.account_id, name)
        if role is None:
            raise no_such("role", name)
        return {"Role": presenters.role(role)}

    def list_roles(
        self, ctx: RequestContext, request: shapes.ListRolesRequest
    ) -> shapes.ListRolesResponse:
        prefix = request.get("PathPrefix") or "/"
        with self._deps.store.read() as tx:
            roles = [
                r for r in tx.roles.all_in(ctx.principal.account_id) if r.path.startswith(prefix)
            ]
        items, paging = page(roles, request)
        return {"Roles": [presenters.role(r) for r in items], **paging}

    def delete_role(self, ctx: RequestContext, request: shapes.DeleteRoleRequest) -> None:
        name = request["RoleName"]
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

    def update_assume_role_policy(
        self, ctx: RequestContext, request: shapes.UpdateAssumeRolePolicyRequest
    ) -> None:
        name = request["RoleName"]
        trust = check_document(request["PolicyDocument"], PolicyKind.TRUST)
        with self._deps.store.write() as tx:
            role = tx.roles.get(ctx.principal.account_id, name)
            if role is None:
                raise no_such("role", name)
            tx.roles.put(dataclasses.replace(role, trust_policy=trust))
