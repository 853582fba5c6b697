"""The request context: names of the condition keys we supply, and the global keys derived from
the caller and the request (IAM User Guide, "AWS global condition context keys").

Services build the context with `global_context(...)`, add their own keys (`LambdaKey`), and pass
it to `AuthorizationRequest`. A key is left out - not set to an empty value - when AWS would
leave it out (say `aws:username` for a role session), so `Null` and `...IfExists` behave as in
AWS. `aws:userid` needs the unique id IAM gave the user or role (`AIDA...`, `AROA...`); without
it the key is left out for those callers, which fails closed for policies that test it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum

from stockade.policy.errors import InvalidAuthorizationInputError
from stockade.policy.request import PrincipalKind, RequestPrincipal


class GlobalKey(StrEnum):
    CURRENT_TIME = "aws:CurrentTime"
    EPOCH_TIME = "aws:EpochTime"
    SECURE_TRANSPORT = "aws:SecureTransport"
    SOURCE_IP = "aws:SourceIp"
    SOURCE_ARN = "aws:SourceArn"
    SOURCE_ACCOUNT = "aws:SourceAccount"
    PRINCIPAL_ARN = "aws:PrincipalArn"
    PRINCIPAL_ACCOUNT = "aws:PrincipalAccount"
    PRINCIPAL_TYPE = "aws:PrincipalType"
    PRINCIPAL_IS_AWS_SERVICE = "aws:PrincipalIsAWSService"
    PRINCIPAL_SERVICE_NAME = "aws:PrincipalServiceName"
    USERNAME = "aws:username"
    USERID = "aws:userid"
    MFA_PRESENT = "aws:MultiFactorAuthPresent"
    TAG_KEYS = "aws:TagKeys"
    REQUEST_TAG = "aws:RequestTag"
    """Prefix: `aws:RequestTag/<tag key>`."""
    RESOURCE_TAG = "aws:ResourceTag"
    """Prefix: `aws:ResourceTag/<tag key>`."""
    PRINCIPAL_TAG = "aws:PrincipalTag"
    """Prefix: `aws:PrincipalTag/<tag key>`."""


class LambdaKey(StrEnum):
    """Lambda's condition keys (Service Authorization Reference, AWS Lambda)."""

    FUNCTION_ARN = "lambda:FunctionArn"
    LAYER = "lambda:Layer"
    FUNCTION_URL_AUTH_TYPE = "lambda:FunctionUrlAuthType"
    INVOKED_VIA_FUNCTION_URL = "lambda:InvokedViaFunctionUrl"
    CODE_SIGNING_CONFIG_ARN = "lambda:CodeSigningConfigArn"
    PRINCIPAL = "lambda:Principal"
    SOURCE_FUNCTION_ARN = "lambda:SourceFunctionArn"
    EVENT_SOURCE_TOKEN = "lambda:EventSourceToken"  # noqa: S105 - a key name, not a secret
    VPC_IDS = "lambda:VpcIds"
    SUBNET_IDS = "lambda:SubnetIds"
    SECURITY_GROUP_IDS = "lambda:SecurityGroupIds"


_PRINCIPAL_TYPES = {
    PrincipalKind.ROOT: "Account",
    PrincipalKind.USER: "User",
    PrincipalKind.ASSUMED_ROLE: "AssumedRole",
    PrincipalKind.FEDERATED_USER: "FederatedUser",
    PrincipalKind.ANONYMOUS: "Anonymous",
}


def _flag(value: bool) -> tuple[str]:
    return ("true" if value else "false",)


def _last_name(arn: str) -> str:
    """The name at the end of a principal ARN (`user/path/alice` -> `alice`)."""
    return arn.rsplit("/", 1)[-1]


def principal_keys(
    principal: RequestPrincipal, *, unique_id: str | None = None
) -> dict[str, tuple[str, ...]]:
    """The keys that describe the caller (aws:PrincipalArn, aws:username, aws:userid, ...).

    `unique_id` is the IAM unique id of the user, or of the role behind a role session.
    """
    keys: dict[str, tuple[str, ...]] = {}
    is_service = principal.kind is PrincipalKind.SERVICE
    keys[GlobalKey.PRINCIPAL_IS_AWS_SERVICE] = _flag(is_service)
    if is_service:
        keys[GlobalKey.PRINCIPAL_SERVICE_NAME] = (principal.arn,)
        return keys
    keys[GlobalKey.PRINCIPAL_TYPE] = (_PRINCIPAL_TYPES[principal.kind],)
    account = principal.account_id
    if account is None:  # an anonymous caller
        keys[GlobalKey.USERID] = ("anonymous",)
        return keys
    keys[GlobalKey.PRINCIPAL_ACCOUNT] = (account,)
    # For a role session AWS names the role, not the session.
    session = principal.kind is PrincipalKind.ASSUMED_ROLE
    keys[GlobalKey.PRINCIPAL_ARN] = (principal.parent_arns[0] if session else principal.arn,)
    name = _last_name(principal.arn)
    userid: str | None = unique_id
    if principal.kind is PrincipalKind.ROOT:
        userid = account
    elif principal.kind is PrincipalKind.FEDERATED_USER:
        userid = f"{account}:{name}"
    elif principal.kind is PrincipalKind.USER:
        keys[GlobalKey.USERNAME] = (name,)
    elif unique_id is not None:  # a role session: "role-id:session-name"
        userid = f"{unique_id}:{name}"
    if userid is not None:
        keys[GlobalKey.USERID] = (userid,)
    return keys


def _tags(prefix: GlobalKey, tags: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    return {f"{prefix}/{key}": (value,) for key, value in tags.items()}


def global_context(
    principal: RequestPrincipal,
    *,
    now: datetime,
    secure_transport: bool,
    source_ip: str | None = None,
    unique_id: str | None = None,
    mfa_present: bool | None = None,
    source_arn: str | None = None,
    source_account: str | None = None,
    principal_tags: Mapping[str, str] | None = None,
    request_tags: Mapping[str, str] | None = None,
    resource_tags: Mapping[str, str] | None = None,
) -> dict[str, tuple[str, ...]]:
    """The global keys of one request; add service keys to the result before authorising.

    `now` must be timezone-aware. `mfa_present` is None for long-term credentials (AWS leaves the
    key out then). `request_tags` also sets `aws:TagKeys`.
    """
    if now.tzinfo is None:
        raise InvalidAuthorizationInputError("the request time must be timezone-aware")
    instant = now.astimezone(UTC)
    keys = principal_keys(principal, unique_id=unique_id)
    keys[GlobalKey.CURRENT_TIME] = (instant.strftime("%Y-%m-%dT%H:%M:%SZ"),)
    keys[GlobalKey.EPOCH_TIME] = (str(int(instant.timestamp())),)
    keys[GlobalKey.SECURE_TRANSPORT] = _flag(secure_transport)
    optional = {
        GlobalKey.SOURCE_IP: source_ip,
        GlobalKey.SOURCE_ARN: source_arn,
        GlobalKey.SOURCE_ACCOUNT: source_account,
        GlobalKey.MFA_PRESENT: None if mfa_present is None else _flag(mfa_present)[0],
    }
    keys.update({key: (value,) for key, value in optional.items() if value is not None})
    keys.update(_tags(GlobalKey.PRINCIPAL_TAG, principal_tags or {}))
    keys.update(_tags(GlobalKey.RESOURCE_TAG, resource_tags or {}))
    if request_tags is not None:
        keys.update(_tags(GlobalKey.REQUEST_TAG, request_tags))
        keys[GlobalKey.TAG_KEYS] = tuple(request_tags)
    return keys
