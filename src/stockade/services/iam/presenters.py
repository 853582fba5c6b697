"""IAM entities as the wire shapes of botocore's iam model."""

from __future__ import annotations

from typing import Any

from stockade.domain.account import AccessKey, IamUser
from stockade.domain.iam import IamGroup, IamRole, ManagedPolicy, PolicyVersion
from stockade.services.iam.common import quoted
from stockade.services.iam.managed import CREATED, AwsManagedPolicy


def boundary(arn: str | None) -> dict[str, Any] | None:
    if arn is None:
        return None
    return {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}


def user(u: IamUser) -> dict[str, Any]:
    return {
        "Path": u.path,
        "UserName": u.name,
        "UserId": u.user_id,
        "Arn": u.arn,
        "CreateDate": u.created,
        "PermissionsBoundary": boundary(u.permissions_boundary),
    }


def role(r: IamRole, *, with_document: bool = True) -> dict[str, Any]:
    return {
        "Path": r.path,
        "RoleName": r.name,
        "RoleId": r.role_id,
        "Arn": r.arn,
        "CreateDate": r.created,
        "AssumeRolePolicyDocument": quoted(r.trust_policy) if with_document else None,
        "Description": r.description,
        "MaxSessionDuration": r.max_session_duration,
        "PermissionsBoundary": boundary(r.permissions_boundary),
    }


def group(g: IamGroup) -> dict[str, Any]:
    return {
        "Path": g.path,
        "GroupName": g.name,
        "GroupId": g.group_id,
        "Arn": g.arn,
        "CreateDate": g.created,
    }


def access_key(key: AccessKey, *, with_secret: bool = False) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "UserName": key.user_name,
        "AccessKeyId": key.access_key_id,
        "Status": key.status.value,
        "CreateDate": key.created,
    }
    if with_secret:
        shown["SecretAccessKey"] = key.secret_access_key
    return shown


def customer_policy(p: ManagedPolicy, attachments: int) -> dict[str, Any]:
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


def aws_policy(p: AwsManagedPolicy, attachments: int) -> dict[str, Any]:
    return {
        "PolicyName": p.name,
        "PolicyId": p.policy_id,
        "Arn": p.arn,
        "Path": p.path,
        "DefaultVersionId": "v1",
        "AttachmentCount": attachments,
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": True,
        "Description": p.description,
        "CreateDate": CREATED,
        "UpdateDate": CREATED,
    }


def version(v: PolicyVersion, default: str) -> dict[str, Any]:
    return {
        "Document": quoted(v.document),
        "VersionId": v.version_id,
        "IsDefaultVersion": v.version_id == default,
        "CreateDate": v.created,
    }
