"""Accounts, their IAM users and the long-term access keys those users sign with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from stockade.domain.arn import iam_arn
from stockade.domain.identity import KeyStatus
from stockade.domain.sealing import SECRET
from stockade.types import AccessKeyId, AccountId


@dataclass(frozen=True)
class Account:
    account_id: AccountId
    name: str
    created: datetime


@dataclass(frozen=True)
class IamUser:
    account_id: AccountId
    name: str
    user_id: str  # AIDA... as IAM reports it
    created: datetime
    path: str = "/"
    permissions_boundary: str | None = None  # ARN of a managed policy

    @property
    def arn(self) -> str:
        return iam_arn(self.account_id, f"user{self.path}{self.name}")


@dataclass(frozen=True)
class AccessKey:
    """A long-term access key. The secret is needed to verify signatures, so it is kept;
    it is never shown again after creation, never logged and never in a repr."""

    access_key_id: AccessKeyId
    account_id: AccountId
    user_name: str
    secret_access_key: str = field(repr=False, metadata=SECRET)
    created: datetime
    status: KeyStatus = KeyStatus.ACTIVE
    last_used: datetime | None = None
