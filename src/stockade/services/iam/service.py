"""The IAM operation table: every operation needs `iam:<Operation>` on the entity it names.

See `needs` for the resources and condition keys. Every operation that changes something calls
`on_change` once it has run: credentials and caller policies are cached for a moment on the
request path, and a change made through IAM must apply at once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from stockade.clock import Clock
from stockade.services.context import RequestContext
from stockade.services.declaration import (
    READ,
    WRITE,
    Operation,
    ServiceErrors,
    ServiceTable,
    operation,
)
from stockade.services.iam.common import IamDeps
from stockade.services.iam.errors import AccessDeniedError, ServiceFailureError, ValidationError
from stockade.services.iam.groups import Groups
from stockade.services.iam.needs import IamNeeds
from stockade.services.iam.owners import GroupPolicies, RolePolicies, UserPolicies
from stockade.services.iam.policies import Policies
from stockade.services.iam.roles import Roles
from stockade.services.iam.users import Users
from stockade.store.ports import Store

ERRORS = ServiceErrors(AccessDeniedError, ValidationError, ServiceFailureError)


class IamService:
    def __init__(
        self, store: Store, clock: Clock, on_change: Callable[[], None] = lambda: None
    ) -> None:
        deps = IamDeps(store, clock)
        self._on_change = on_change
        self._needs = IamNeeds(store)
        self.users = Users(deps)
        self.roles = Roles(deps)
        self.groups = Groups(deps)
        self.policies = Policies(deps)
        self.owners = (UserPolicies(deps), GroupPolicies(deps), RolePolicies(deps))

    def table(self) -> ServiceTable:
        n, u, r, g, p = self._needs, self.users, self.roles, self.groups, self.policies
        declared: list[Operation[Any]] = [
            operation("CreateUser", u.create_user, n.new_entity("CreateUser", "user", "UserName"),
                      WRITE),
            operation("GetUser", u.get_user, n.user_or_caller("GetUser"), READ),
            operation("ListUsers", u.list_users, n.listing("ListUsers", "user"), READ),
            operation("DeleteUser", u.delete_user, n.entity("DeleteUser", "user", "UserName"),
                      WRITE),
            operation("CreateAccessKey", u.create_access_key, n.user_or_caller("CreateAccessKey"),
                      WRITE),
            operation("DeleteAccessKey", u.delete_access_key, n.user_or_caller("DeleteAccessKey"),
                      WRITE),
            operation("UpdateAccessKey", u.update_access_key, n.user_or_caller("UpdateAccessKey"),
                      WRITE),
            operation("ListAccessKeys", u.list_access_keys, n.user_or_caller("ListAccessKeys"),
                      READ),
            operation("GetAccessKeyLastUsed", u.get_access_key_last_used,
                      n.access_key("GetAccessKeyLastUsed"), READ),
            operation("CreateRole", r.create_role, n.new_entity("CreateRole", "role", "RoleName"),
                      WRITE),
            operation("GetRole", r.get_role, n.entity("GetRole", "role", "RoleName"), READ),
            operation("ListRoles", r.list_roles, n.listing("ListRoles", "role"), READ),
            operation("DeleteRole", r.delete_role, n.entity("DeleteRole", "role", "RoleName"),
                      WRITE),
            operation("UpdateAssumeRolePolicy", r.update_assume_role_policy,
                      n.entity("UpdateAssumeRolePolicy", "role", "RoleName"), WRITE),
            operation("CreateGroup", g.create_group,
                      n.new_entity("CreateGroup", "group", "GroupName"), WRITE),
            operation("GetGroup", g.get_group, n.entity("GetGroup", "group", "GroupName"), READ),
            operation("ListGroups", g.list_groups, n.listing("ListGroups", "group"), READ),
            operation("DeleteGroup", g.delete_group,
                      n.entity("DeleteGroup", "group", "GroupName"), WRITE),
            operation("AddUserToGroup", g.add_user_to_group,
                      n.entity("AddUserToGroup", "group", "GroupName"), WRITE),
            operation("RemoveUserFromGroup", g.remove_user_from_group,
                      n.entity("RemoveUserFromGroup", "group", "GroupName"), WRITE),
            operation("ListGroupsForUser", g.list_groups_for_user,
                      n.entity("ListGroupsForUser", "user", "UserName"), READ),
            operation("CreatePolicy", p.create_policy,
                      n.new_entity("CreatePolicy", "policy", "PolicyName"), WRITE),
            operation("GetPolicy", p.get_policy, n.policy("GetPolicy"), READ),
            operation("ListPolicies", p.list_policies, n.listing("ListPolicies", "policy"), READ),
            operation("DeletePolicy", p.delete_policy, n.policy("DeletePolicy"), WRITE),
            operation("GetPolicyVersion", p.get_policy_version, n.policy("GetPolicyVersion"),
                      READ),
            operation("ListPolicyVersions", p.list_policy_versions,
                      n.policy("ListPolicyVersions"), READ),
            operation("CreatePolicyVersion", p.create_policy_version,
                      n.policy("CreatePolicyVersion"), WRITE),
            operation("DeletePolicyVersion", p.delete_policy_version,
                      n.policy("DeletePolicyVersion"), WRITE),
            operation("SetDefaultPolicyVersion", p.set_default_policy_version,
                      n.policy("SetDefaultPolicyVersion"), WRITE),
        ]  # fmt: skip
        for owner in self.owners:
            declared.extend(owner.operations(n))
        return ServiceTable.of("iam", [self._announcing(op) for op in declared], ERRORS)

    def _announcing(self, declared: Operation[Any]) -> Operation[Any]:
        """A changing operation that tells `on_change` once it has run, failed or not
        (forgetting the caches is cheap and never wrong)."""
        if declared.audit.read_only:
            return declared
        handler = declared.handler

        def run(ctx: RequestContext, request: Any) -> Any:
            try:
                return handler(ctx, request)
            finally:
                self._on_change()

        return dataclasses.replace(declared, handler=run)
