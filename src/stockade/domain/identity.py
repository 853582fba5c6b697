"""Who is calling: principals and the credentials that prove it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from stockade.types import AccessKeyId, AccountId


class PrincipalKind(StrEnum):
    ROOT = "Root"
    IAM_USER = "IAMUser"
    ASSUMED_ROLE = "AssumedRole"
    AWS_SERVICE = "AWSService"
    # The person running the server, on its own host (operator commands): no IAM identity.
    OPERATOR = "StockadeOperator"
    # A caller who signed nothing (a function URL whose AuthType is NONE): CloudTrail records
    # such callers as type AWSAccount with account "anonymous" (as for S3).
    ANONYMOUS = "AWSAccount"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller, as CloudTrail's userIdentity describes one."""

    kind: PrincipalKind
    account_id: AccountId
    arn: str
    principal_id: str  # AIDA... for users, AROA...:session for role sessions
    name: str  # user name, or role session name
    access_key_id: AccessKeyId | None = None
    role_arn: str | None = None  # the role behind a role session
    session_policy: str | None = field(default=None, repr=False)  # inline session policy text


OPERATOR_ACTIONS = "stockade:"  # the actions operator commands need, and nothing else does


def operator_principal(account_id: AccountId, user: str, uid: int) -> Principal:
    """The host user running an operator command (from the operator socket's peer, or the
    process itself when no server runs), named in the audit trail as who did it."""
    return Principal(
        PrincipalKind.OPERATOR,
        account_id,
        arn=f"arn:stockade:operator::{account_id}:user/{user}",
        principal_id=f"operator:{uid}",
        name=user,
    )


def anonymous_principal(resource_account: AccountId) -> Principal:
    """An unsigned caller of a resource in `resource_account` (whose trail records the call).
    Only a declared operation that takes unsigned callers (`Operation.anonymous`) accepts one,
    and only a resource policy can allow it anything."""
    return Principal(PrincipalKind.ANONYMOUS, resource_account, arn="", principal_id="",
                     name="anonymous")  # fmt: skip


class KeyStatus(StrEnum):
    ACTIVE = "Active"
    INACTIVE = "Inactive"


@dataclass(frozen=True)
class Credential:
    """A signing secret and the principal it authenticates. Never logged, never shown."""

    access_key_id: AccessKeyId
    secret_access_key: str = field(repr=False)
    principal: Principal
    status: KeyStatus = KeyStatus.ACTIVE
    session_token_sha256: str | None = field(default=None, repr=False)
    """Hex SHA-256 of the session token of temporary credentials (the token is not kept)."""
    expires_at: datetime | None = None
