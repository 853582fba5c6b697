"""IAM entities beyond users: roles, groups, policies and their attachments, role sessions.

Policy documents are kept as the text the caller sent (IAM returns it back); they are parsed
with `stockade.policy.parse_policy` before anything is stored, so stored text always parses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from stockade.domain.arn import iam_arn
from stockade.domain.sealing import SECRET
from stockade.types import AccessKeyId, AccountId

AWS_MANAGED_ACCOUNT = "aws"
DEFAULT_MAX_SESSION_S = 3600


class OwnerKind(StrEnum):
    """What an inline policy or an attachment belongs to."""

    USER = "user"
    GROUP = "group"
    ROLE = "role"


@dataclass(frozen=True)
class IamRole:
    account_id: AccountId
    name: str
    role_id: str  # AROA...
    created: datetime
    trust_policy: str
    path: str = "/"
    description: str | None = None
    max_session_duration: int = DEFAULT_MAX_SESSION_S
    permissions_boundary: str | None = None

    @property
    def arn(self) -> str:
        return iam_arn(self.account_id, f"role{self.path}{self.name}")


@dataclass(frozen=True)
class IamGroup:
    account_id: AccountId
    name: str
    group_id: str  # AGPA...
    created: datetime
    path: str = "/"

    @property
    def arn(self) -> str:
        return iam_arn(self.account_id, f"group{self.path}{self.name}")


@dataclass(frozen=True)
class InlinePolicy:
    account_id: AccountId
    owner_kind: OwnerKind
    owner_name: str
    name: str
    document: str


@dataclass(frozen=True)
class ManagedPolicy:
    """A customer-managed policy (AWS-managed ones live in code, see services/iam/managed)."""

    account_id: AccountId
    name: str
    policy_id: str  # ANPA...
    created: datetime
    updated: datetime
    default_version: str = "v1"
    path: str = "/"
    description: str | None = None
    next_version: int = 2

    @property
    def arn(self) -> str:
        return iam_arn(self.account_id, f"policy{self.path}{self.name}")


@dataclass(frozen=True)
class PolicyVersion:
    policy_arn: str
    version_id: str  # v1, v2, ...
    document: str
    created: datetime


@dataclass(frozen=True)
class RoleSession:
    """Temporary credentials from sts:AssumeRole. The secret signs requests, so it is kept;
    the session token is kept only as a SHA-256 digest."""

    access_key_id: AccessKeyId
    account_id: AccountId
    role_name: str
    role_arn: str
    role_id: str
    session_name: str
    secret_access_key: str = field(repr=False, metadata=SECRET)
    token_sha256: str = field(repr=False)
    created: datetime
    expires: datetime
    session_policy: str | None = None

    @property
    def arn(self) -> str:
        return f"arn:aws:sts::{self.account_id}:assumed-role/{self.role_name}/{self.session_name}"
