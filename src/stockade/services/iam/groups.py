"""IAM groups and their members."""

from __future__ import annotations

from typing import Any

from stockade.domain.iam import IamGroup, OwnerKind
from stockade.services.context import RequestContext
from stockade.services.iam import presenters
from stockade.services.iam.common import IamDeps, authorize, check_path, entity_arn, no_such, page
from stockade.services.iam.errors import DeleteConflictError, EntityAlreadyExistsError
from stockade.services.iam.owned import has_policies
from stockade.services.identity import new_unique_id
from stockade.store.ports import Transaction


class Groups:
    def __init__(self, deps: IamDeps) -> None:
        self._deps = deps

    def create_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name, path = params["GroupName"], check_path(params.get("Path"))
        authorize(self._deps, ctx, "CreateGroup", entity_arn(ctx, "group", name, path))
        account = ctx.principal.account_id
        with self._deps.store.write() as tx:
            if tx.groups.get(account, name) is not None:
                raise EntityAlreadyExistsError(f"Group with name {name} already exists.")
            group = IamGroup(account, name, new_unique_id("AGPA"), self._deps.clock.now(), path)
            tx.groups.put(group)
        return {"Group": presenters.group(group)}

    def _group(self, tx: Transaction, ctx: RequestContext, name: str) -> IamGroup:
        group = tx.groups.get(ctx.principal.account_id, name)
        if group is None:
            raise no_such("group", name)
        return group

    def get_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["GroupName"]
        authorize(self._deps, ctx, "GetGroup", entity_arn(ctx, "group", name))
        account = ctx.principal.account_id
        with self._deps.store.read() as tx:
            group = self._group(tx, ctx, name)
            users = [tx.users.get(account, u) for u in tx.groups.members(account, name)]
        items, extra = page([u for u in users if u is not None], params)
        return {
            "Group": presenters.group(group),
            "Users": [presenters.user(u) for u in items],
            **extra,
        }

    def list_groups(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        authorize(self._deps, ctx, "ListGroups", entity_arn(ctx, "group", ""))
        prefix = params.get("PathPrefix") or "/"
        with self._deps.store.read() as tx:
            groups = [
                g for g in tx.groups.all_in(ctx.principal.account_id) if g.path.startswith(prefix)
            ]
        items, extra = page(groups, params)
        return {"Groups": [presenters.group(g) for g in items], **extra}

    def delete_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["GroupName"]
        authorize(self._deps, ctx, "DeleteGroup", entity_arn(ctx, "group", name))
        account = ctx.principal.account_id
        with self._deps.store.write() as tx:
            self._group(tx, ctx, name)
            inline, attached = has_policies(tx, ctx, OwnerKind.GROUP, name)
            if inline:
                raise DeleteConflictError("Cannot delete entity, must delete policies first.")
            if attached:
                raise DeleteConflictError("Cannot delete entity, must detach all policies first.")
            if tx.groups.members(account, name):
                raise DeleteConflictError(
                    "Cannot delete entity, must remove users from group first."
                )
            tx.groups.delete(account, name)
        return {}

    def _membership(
        self, ctx: RequestContext, params: dict[str, Any], action: str, add: bool
    ) -> None:
        name, user = params["GroupName"], params["UserName"]
        authorize(self._deps, ctx, action, entity_arn(ctx, "group", name))
        account = ctx.principal.account_id
        with self._deps.store.write() as tx:
            self._group(tx, ctx, name)
            if tx.users.get(account, user) is None:
                raise no_such("user", user)
            if add:
                tx.groups.add_member(account, name, user)
            else:
                tx.groups.remove_member(account, name, user)

    def add_user_to_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._membership(ctx, params, "AddUserToGroup", add=True)
        return {}

    def remove_user_from_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._membership(ctx, params, "RemoveUserFromGroup", add=False)
        return {}

    def list_groups_for_user(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        user = params["UserName"]
        authorize(self._deps, ctx, "ListGroupsForUser", entity_arn(ctx, "user", user))
        account = ctx.principal.account_id
        with self._deps.store.read() as tx:
            if tx.users.get(account, user) is None:
                raise no_such("user", user)
            groups = [tx.groups.get(account, g) for g in tx.groups.groups_of(account, user)]
        items, extra = page([g for g in groups if g is not None], params)
        return {"Groups": [presenters.group(g) for g in items], **extra}
