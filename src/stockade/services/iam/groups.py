"""IAM groups and their members."""

from __future__ import annotations

from stockade.domain.iam import IamGroup, OwnerKind
from stockade.services.context import RequestContext
from stockade.services.iam import presenters
from stockade.services.iam.common import IamDeps, check_path, no_such, page
from stockade.services.iam.errors import DeleteConflictError, EntityAlreadyExistsError
from stockade.services.iam.owned import has_policies
from stockade.services.identity import new_unique_id
from stockade.shapes import iam as shapes
from stockade.store.ports import Transaction


class Groups:
    def __init__(self, deps: IamDeps) -> None:
        self._deps = deps

    def create_group(
        self, ctx: RequestContext, request: shapes.CreateGroupRequest
    ) -> shapes.CreateGroupResponse:
        name, path = request["GroupName"], check_path(request.get("Path"))
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

    def get_group(
        self, ctx: RequestContext, request: shapes.GetGroupRequest
    ) -> shapes.GetGroupResponse:
        name = request["GroupName"]
        account = ctx.principal.account_id
        with self._deps.store.read() as tx:
            group = self._group(tx, ctx, name)
            users = [tx.users.get(account, u) for u in tx.groups.members(account, name)]
        items, paging = page([u for u in users if u is not None], request)
        return {
            "Group": presenters.group(group),
            "Users": [presenters.user(u) for u in items],
            **paging,
        }

    def list_groups(
        self, ctx: RequestContext, request: shapes.ListGroupsRequest
    ) -> shapes.ListGroupsResponse:
        prefix = request.get("PathPrefix") or "/"
        with self._deps.store.read() as tx:
            groups = [
                g for g in tx.groups.all_in(ctx.principal.account_id) if g.path.startswith(prefix)
            ]
        items, paging = page(groups, request)
        return {"Groups": [presenters.group(g) for g in items], **paging}

    def delete_group(self, ctx: RequestContext, request: shapes.DeleteGroupRequest) -> None:
        name = request["GroupName"]
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

    def _membership(self, ctx: RequestContext, group: str, user: str, *, add: bool) -> None:
        account = ctx.principal.account_id
        with self._deps.store.write() as tx:
            self._group(tx, ctx, group)
            if tx.users.get(account, user) is None:
                raise no_such("user", user)
            if add:
                tx.groups.add_member(account, group, user)
            else:
                tx.groups.remove_member(account, group, user)

    def add_user_to_group(self, ctx: RequestContext, request: shapes.AddUserToGroupRequest) -> None:
        self._membership(ctx, request["GroupName"], request["UserName"], add=True)

    def remove_user_from_group(
        self, ctx: RequestContext, request: shapes.RemoveUserFromGroupRequest
    ) -> None:
        self._membership(ctx, request["GroupName"], request["UserName"], add=False)

    def list_groups_for_user(
        self, ctx: RequestContext, request: shapes.ListGroupsForUserRequest
    ) -> shapes.ListGroupsForUserResponse:
        user = request["UserName"]
        account = ctx.principal.account_id
        with self._deps.store.read() as tx:
            if tx.users.get(account, user) is None:
                raise no_such("user", user)
            groups = [tx.groups.get(account, g) for g in tx.groups.groups_of(account, user)]
        items, paging = page([g for g in groups if g is not None], request)
        return {"Groups": [presenters.group(g) for g in items], **paging}
