"""The IAM operation table."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from stockade.clock import Clock
from stockade.domain.iam import OwnerKind
from stockade.services.authz import Authorizer
from stockade.services.context import RequestContext
from stockade.services.iam.common import IamDeps
from stockade.services.iam.groups import Groups
from stockade.services.iam.owned import OwnedPolicies
from stockade.services.iam.policies import Policies
from stockade.services.iam.roles import Roles
from stockade.services.iam.users import Users
from stockade.store.ports import Store

Operation = Callable[[RequestContext, Any], Any]


class IamService:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        authorizer: Authorizer,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        deps = IamDeps(store, clock, authorizer)
        self._on_change = on_change
        self.users = Users(deps)
        self.roles = Roles(deps)
        self.groups = Groups(deps)
        self.policies = Policies(deps)
        self.owned = [OwnedPolicies(deps, kind) for kind in OwnerKind]

    def operations(self) -> Mapping[str, Operation]:
        """Operation name (as in botocore's iam model) -> use case."""
        u, r, g, p = self.users, self.roles, self.groups, self.policies
        table: dict[str, Operation] = {
            "CreateUser": u.create_user,
            "GetUser": u.get_user,
            "ListUsers": u.list_users,
            "DeleteUser": u.delete_user,
            "CreateAccessKey": u.create_access_key,
            "DeleteAccessKey": u.delete_access_key,
            "UpdateAccessKey": u.update_access_key,
            "ListAccessKeys": u.list_access_keys,
            "GetAccessKeyLastUsed": u.get_access_key_last_used,
            "CreateRole": r.create_role,
            "GetRole": r.get_role,
            "ListRoles": r.list_roles,
            "DeleteRole": r.delete_role,
            "UpdateAssumeRolePolicy": r.update_assume_role_policy,
            "CreateGroup": g.create_group,
            "GetGroup": g.get_group,
            "ListGroups": g.list_groups,
            "DeleteGroup": g.delete_group,
            "AddUserToGroup": g.add_user_to_group,
            "RemoveUserFromGroup": g.remove_user_from_group,
            "ListGroupsForUser": g.list_groups_for_user,
            "CreatePolicy": p.create_policy,
            "GetPolicy": p.get_policy,
            "ListPolicies": p.list_policies,
            "DeletePolicy": p.delete_policy,
            "GetPolicyVersion": p.get_policy_version,
            "ListPolicyVersions": p.list_policy_versions,
            "CreatePolicyVersion": p.create_policy_version,
            "DeletePolicyVersion": p.delete_policy_version,
            "SetDefaultPolicyVersion": p.set_default_policy_version,
        }
        for owned in self.owned:
            table.update(owned.operations())
        # Credentials and caller policies are cached for a moment on the request path; every
        # change made through IAM drops those caches so that it applies at once.
        return {
            name: op if name.startswith(("Get", "List")) else self._announcing(op)
            for name, op in table.items()
        }

    def _announcing(self, op: Operation) -> Operation:
        def run(ctx: RequestContext, params: Any) -> Any:
            try:
                return op(ctx, params)
            finally:
                self._on_change()

        return run
