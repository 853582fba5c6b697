"""Each owner kind's policy operations, typed by its own request shapes.

Users, groups and roles share the use cases in `owned`; these classes only read the owner's
name from the kind's own member (UserName, GroupName, RoleName) and declare the operations:
`iam:<Operation>` on the owner, found through `IamEntities`, with `iam:PolicyARN` on
Attach*/Detach* and the new boundary as `iam:PermissionsBoundary` on Put*PermissionsBoundary.
"""

from __future__ import annotations

from typing import Any

from stockade.domain.iam import OwnerKind
from stockade.services.context import RequestContext
from stockade.services.declaration import READ, WRITE, Operation, operation
from stockade.services.iam.common import IamDeps, quoted
from stockade.services.iam.needs import IamNeeds
from stockade.services.iam.owned import OwnedPolicies
from stockade.shapes import iam as shapes


class UserPolicies:
    def __init__(self, deps: IamDeps) -> None:
        self._owned = OwnedPolicies(deps, OwnerKind.USER)

    def operations(self, needs: IamNeeds) -> list[Operation[Any]]:
        return [
            operation(
                "PutUserPolicy",
                self.put_policy,
                needs.entity("PutUserPolicy", "user", "UserName"),
                WRITE,
            ),
            operation(
                "GetUserPolicy",
                self.get_policy,
                needs.entity("GetUserPolicy", "user", "UserName"),
                READ,
            ),
            operation(
                "DeleteUserPolicy",
                self.delete_policy,
                needs.entity("DeleteUserPolicy", "user", "UserName"),
                WRITE,
            ),
            operation(
                "ListUserPolicies",
                self.list_policies,
                needs.entity("ListUserPolicies", "user", "UserName"),
                READ,
            ),
            operation(
                "AttachUserPolicy",
                self.attach,
                needs.attachment("AttachUserPolicy", "user", "UserName"),
                WRITE,
            ),
            operation(
                "DetachUserPolicy",
                self.detach,
                needs.attachment("DetachUserPolicy", "user", "UserName"),
                WRITE,
            ),
            operation(
                "ListAttachedUserPolicies",
                self.list_attached,
                needs.entity("ListAttachedUserPolicies", "user", "UserName"),
                READ,
            ),
            operation(
                "PutUserPermissionsBoundary",
                self.put_boundary,
                needs.boundary("PutUserPermissionsBoundary", "user", "UserName"),
                WRITE,
            ),
            operation(
                "DeleteUserPermissionsBoundary",
                self.delete_boundary,
                needs.entity("DeleteUserPermissionsBoundary", "user", "UserName"),
                WRITE,
            ),
        ]

    def put_policy(self, ctx: RequestContext, request: shapes.PutUserPolicyRequest) -> None:
        self._owned.put_policy(
            ctx, request["UserName"], request["PolicyName"], request["PolicyDocument"]
        )

    def get_policy(
        self, ctx: RequestContext, request: shapes.GetUserPolicyRequest
    ) -> shapes.GetUserPolicyResponse:
        found = self._owned.get_policy(ctx, request["UserName"], request["PolicyName"])
        return {
            "UserName": found.owner_name,
            "PolicyName": found.name,
            "PolicyDocument": quoted(found.document),
        }

    def delete_policy(self, ctx: RequestContext, request: shapes.DeleteUserPolicyRequest) -> None:
        self._owned.delete_policy(ctx, request["UserName"], request["PolicyName"])

    def list_policies(
        self, ctx: RequestContext, request: shapes.ListUserPoliciesRequest
    ) -> shapes.ListUserPoliciesResponse:
        names, paging = self._owned.list_policies(ctx, request["UserName"], request)
        return {"PolicyNames": names, **paging}

    def attach(self, ctx: RequestContext, request: shapes.AttachUserPolicyRequest) -> None:
        self._owned.attach(ctx, request["UserName"], request["PolicyArn"])

    def detach(self, ctx: RequestContext, request: shapes.DetachUserPolicyRequest) -> None:
        self._owned.detach(ctx, request["UserName"], request["PolicyArn"])

    def list_attached(
        self, ctx: RequestContext, request: shapes.ListAttachedUserPoliciesRequest
    ) -> shapes.ListAttachedUserPoliciesResponse:
        shown, paging = self._owned.list_attached(
            ctx, request["UserName"], request.get("PathPrefix"), request
        )
        return {"AttachedPolicies": shown, **paging}

    def put_boundary(
        self, ctx: RequestContext, request: shapes.PutUserPermissionsBoundaryRequest
    ) -> None:
        self._owned.put_boundary(ctx, request["UserName"], request["PermissionsBoundary"])

    def delete_boundary(
        self, ctx: RequestContext, request: shapes.DeleteUserPermissionsBoundaryRequest
    ) -> None:
        self._owned.delete_boundary(ctx, request["UserName"])


class GroupPolicies:
    def __init__(self, deps: IamDeps) -> None:
        self._owned = OwnedPolicies(deps, OwnerKind.GROUP)

    def operations(self, needs: IamNeeds) -> list[Operation[Any]]:
        return [
            operation(
                "PutGroupPolicy",
                self.put_policy,
                needs.entity("PutGroupPolicy", "group", "GroupName"),
                WRITE,
            ),
            operation(
                "GetGroupPolicy",
                self.get_policy,
                needs.entity("GetGroupPolicy", "group", "GroupName"),
                READ,
            ),
            operation(
                "DeleteGroupPolicy",
                self.delete_policy,
                needs.entity("DeleteGroupPolicy", "group", "GroupName"),
                WRITE,
            ),
            operation(
                "ListGroupPolicies",
                self.list_policies,
                needs.entity("ListGroupPolicies", "group", "GroupName"),
                READ,
            ),
            operation(
                "AttachGroupPolicy",
                self.attach,
                needs.attachment("AttachGroupPolicy", "group", "GroupName"),
                WRITE,
            ),
            operation(
                "DetachGroupPolicy",
                self.detach,
                needs.attachment("DetachGroupPolicy", "group", "GroupName"),
                WRITE,
            ),
            operation(
                "ListAttachedGroupPolicies",
                self.list_attached,
                needs.entity("ListAttachedGroupPolicies", "group", "GroupName"),
                READ,
            ),
        ]

    def put_policy(self, ctx: RequestContext, request: shapes.PutGroupPolicyRequest) -> None:
        self._owned.put_policy(
            ctx, request["GroupName"], request["PolicyName"], request["PolicyDocument"]
        )

    def get_policy(
        self, ctx: RequestContext, request: shapes.GetGroupPolicyRequest
    ) -> shapes.GetGroupPolicyResponse:
        found = self._owned.get_policy(ctx, request["GroupName"], request["PolicyName"])
        return {
            "GroupName": found.owner_name,
            "PolicyName": found.name,
            "PolicyDocument": quoted(found.document),
        }

    def delete_policy(self, ctx: RequestContext, request: shapes.DeleteGroupPolicyRequest) -> None:
        self._owned.delete_policy(ctx, request["GroupName"], request["PolicyName"])

    def list_policies(
        self, ctx: RequestContext, request: shapes.ListGroupPoliciesRequest
    ) -> shapes.ListGroupPoliciesResponse:
        names, paging = self._owned.list_policies(ctx, request["GroupName"], request)
        return {"PolicyNames": names, **paging}

    def attach(self, ctx: RequestContext, request: shapes.AttachGroupPolicyRequest) -> None:
        self._owned.attach(ctx, request["GroupName"], request["PolicyArn"])

    def detach(self, ctx: RequestContext, request: shapes.DetachGroupPolicyRequest) -> None:
        self._owned.detach(ctx, request["GroupName"], request["PolicyArn"])

    def list_attached(
        self, ctx: RequestContext, request: shapes.ListAttachedGroupPoliciesRequest
    ) -> shapes.ListAttachedGroupPoliciesResponse:
        shown, paging = self._owned.list_attached(
            ctx, request["GroupName"], request.get("PathPrefix"), request
        )
        return {"AttachedPolicies": shown, **paging}


class RolePolicies:
    def __init__(self, deps: IamDeps) -> None:
        self._owned = OwnedPolicies(deps, OwnerKind.ROLE)

    def operations(self, needs: IamNeeds) -> list[Operation[Any]]:
        return [
            operation(
                "PutRolePolicy",
                self.put_policy,
                needs.entity("PutRolePolicy", "role", "RoleName"),
                WRITE,
            ),
            operation(
                "GetRolePolicy",
                self.get_policy,
                needs.entity("GetRolePolicy", "role", "RoleName"),
                READ,
            ),
            operation(
                "DeleteRolePolicy",
                self.delete_policy,
                needs.entity("DeleteRolePolicy", "role", "RoleName"),
                WRITE,
            ),
            operation(
                "ListRolePolicies",
                self.list_policies,
                needs.entity("ListRolePolicies", "role", "RoleName"),
                READ,
            ),
            operation(
                "AttachRolePolicy",
                self.attach,
                needs.attachment("AttachRolePolicy", "role", "RoleName"),
                WRITE,
            ),
            operation(
                "DetachRolePolicy",
                self.detach,
                needs.attachment("DetachRolePolicy", "role", "RoleName"),
                WRITE,
            ),
            operation(
                "ListAttachedRolePolicies",
                self.list_attached,
                needs.entity("ListAttachedRolePolicies", "role", "RoleName"),
                READ,
            ),
            operation(
                "PutRolePermissionsBoundary",
                self.put_boundary,
                needs.boundary("PutRolePermissionsBoundary", "role", "RoleName"),
                WRITE,
            ),
            operation(
                "DeleteRolePermissionsBoundary",
                self.delete_boundary,
                needs.entity("DeleteRolePermissionsBoundary", "role", "RoleName"),
                WRITE,
            ),
        ]

    def put_policy(self, ctx: RequestContext, request: shapes.PutRolePolicyRequest) -> None:
        self._owned.put_policy(
            ctx, request["RoleName"], request["PolicyName"], request["PolicyDocument"]
        )

    def get_policy(
        self, ctx: RequestContext, request: shapes.GetRolePolicyRequest
    ) -> shapes.GetRolePolicyResponse:
        found = self._owned.get_policy(ctx, request["RoleName"], request["PolicyName"])
        return {
            "RoleName": found.owner_name,
            "PolicyName": found.name,
            "PolicyDocument": quoted(found.document),
        }

    def delete_policy(self, ctx: RequestContext, request: shapes.DeleteRolePolicyRequest) -> None:
        self._owned.delete_policy(ctx, request["RoleName"], request["PolicyName"])

    def list_policies(
        self, ctx: RequestContext, request: shapes.ListRolePoliciesRequest
    ) -> shapes.ListRolePoliciesResponse:
        names, paging = self._owned.list_policies(ctx, request["RoleName"], request)
        return {"PolicyNames": names, **paging}

    def attach(self, ctx: RequestContext, request: shapes.AttachRolePolicyRequest) -> None:
        self._owned.attach(ctx, request["RoleName"], request["PolicyArn"])

    def detach(self, ctx: RequestContext, request: shapes.DetachRolePolicyRequest) -> None:
        self._owned.detach(ctx, request["RoleName"], request["PolicyArn"])

    def list_attached(
        self, ctx: RequestContext, request: shapes.ListAttachedRolePoliciesRequest
    ) -> shapes.ListAttachedRolePoliciesResponse:
        shown, paging = self._owned.list_attached(
            ctx, request["RoleName"], request.get("PathPrefix"), request
        )
        return {"AttachedPolicies": shown, **paging}

    def put_boundary(
        self, ctx: RequestContext, request: shapes.PutRolePermissionsBoundaryRequest
    ) -> None:
        self._owned.put_boundary(ctx, request["RoleName"], request["PermissionsBoundary"])

    def delete_boundary(
        self, ctx: RequestContext, request: shapes.DeleteRolePermissionsBoundaryRequest
    ) -> None:
        self._owned.delete_boundary(ctx, request["RoleName"])
