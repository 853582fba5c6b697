"""IAM entities as the wire shapes of botocore's iam model (unset optional members left out)."""

from __future__ import annotations

from stockade.domain.account import AccessKey, IamUser
from stockade.domain.iam import IamGroup, IamRole, ManagedPolicy, PolicyVersion
from stockade.services.iam.common import quoted
from stockade.services.iam.managed import AwsManagedPolicy
from stockade.shapes import iam as shapes


def boundary(arn: str) -> shapes.AttachedPermissionsBoundary:
    return {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}


def user(u: IamUser) -> shapes.User:
    shown: shapes.User = {
        "Path": u.path,
        "UserName": u.name,
        "UserId": u.user_id,
        "Arn": u.arn,
        "CreateDate": u.created,
    }
    if u.permissions_boundary is not None:
        shown = {**shown, "PermissionsBoundary": boundary(u.permissions_boundary)}
    return shown


def role(r: IamRole) -> shapes.Role:
    shown: shapes.Role = {
        "Path": r.path,
        "RoleName": r.name,
        "RoleId": r.role_id,
        "Arn": r.arn,
        "CreateDate": r.created,
        "AssumeRolePolicyDocument": quoted(r.trust_policy),
        "MaxSessionDuration": r.max_session_duration,
    }
    if r.description is not None:
        shown = {**shown, "Description": r.description}
    if r.permissions_boundary is not None:
        shown = {**shown, "PermissionsBoundary": boundary(r.permissions_boundary)}
    return shown


def group(g: IamGroup) -> shapes.Group:
    return {
        "Path": g.path,
        "GroupName": g.name,
        "GroupId": g.group_id,
        "Arn": g.arn,
        "CreateDate": g.created,
    }


def access_key(key: AccessKey) -> shapes.AccessKeyMetadata:
    return {
        "UserName": key.user_name,
        "AccessKeyId": key.access_key_id,
        "Status": key.status.value,
        "CreateDate": key.created,
    }


def new_access_key(key: AccessKey) -> shapes.AccessKey:
    """With its secret: shown once, when the key is created."""
    return {
        "UserName": key.user_name,
        "AccessKeyId": key.access_key_id,
        "Status": key.status.value,
        "SecretAccessKey": key.secret_access_key,
        "CreateDate": key.created,
    }


def last_used(key: AccessKey) -> shapes.AccessKeyLastUsed:
    shown: shapes.AccessKeyLastUsed = {"ServiceName": "N/A", "Region": "N/A"}
    if key.last_used is not None:
        shown = {**shown, "LastUsedDate": key.last_used}
    return shown


def customer_policy(p: ManagedPolicy, attachments: int) -> shapes.Policy:
    shown: shapes.Policy = {
        "PolicyName": p.name,
        "PolicyId": p.policy_id,
        "Arn": p.arn,
        "Path": p.path,
        "DefaultVersionId": p.default_version,
        "AttachmentCount": attachments,
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": True,
        "CreateDate": p.created,
        "UpdateDate": p.updated,
    }
    if p.description is not None:
        shown = {**shown, "Description": p.description}
    return shown


def aws_policy(p: AwsManagedPolicy, attachments: int) -> shapes.Policy:
    return {
        "PolicyName": p.name,
        "PolicyId": p.policy_id,
        "Arn": p.arn,
        "Path": p.path,
        "DefaultVersionId": p.default_version,
        "AttachmentCount": attachments,
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": True,
        "Description": p.description,
        "CreateDate": p.created,
        "UpdateDate": p.updated,
    }


def version(v: PolicyVersion, default: str) -> shapes.PolicyVersion:
    return {
        "Document": quoted(v.document),
        "VersionId": v.version_id,
        "IsDefaultVersion": v.version_id == default,
        "CreateDate": v.created,
    }


def version_entry(v: PolicyVersion, default: str) -> shapes.PolicyVersion:
    """A version as ListPolicyVersions shows it: without its document."""
    return {
        "VersionId": v.version_id,
        "IsDefaultVersion": v.version_id == default,
        "CreateDate": v.created,
    }
