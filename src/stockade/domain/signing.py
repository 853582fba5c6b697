"""Signing profiles, their versions, signing jobs and Lambda's code signing configs (values).

Signer's profile lifecycle (`ProfileStatus`) is driven by `services/signer/states.py`; a
profile's versions each hold their own key pair, the private half wrapped by the root key.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from stockade.types import AccountId


class ProfileStatus(StrEnum):
    ACTIVE = "Active"
    CANCELED = "Canceled"
    REVOKED = "Revoked"


class ValidityType(StrEnum):
    DAYS = "DAYS"
    MONTHS = "MONTHS"
    YEARS = "YEARS"


@dataclass(frozen=True)
class Validity:
    value: int = 135  # Signer's default: 135 months
    type: ValidityType = ValidityType.MONTHS

    def end(self, start: datetime) -> datetime:
        if self.type is ValidityType.DAYS:
            return start + timedelta(days=self.value)
        months = self.value * (12 if self.type is ValidityType.YEARS else 1)
        year, month = divmod(start.month - 1 + months, 12)
        year += start.year
        day = min(start.day, calendar.monthrange(year, month + 1)[1])
        return start.replace(year=year, month=month + 1, day=day)


@dataclass(frozen=True)
class Revocation:
    reason: str
    revoked_at: datetime
    revoked_by: str
    effective_from: datetime | None = None  # profile versions: signatures from then on


@dataclass(frozen=True)
class SigningProfile:
    account_id: AccountId
    name: str
    arn: str
    current_version: str
    platform_id: str
    validity: Validity
    created: datetime
    status: ProfileStatus = ProfileStatus.ACTIVE
    status_reason: str = ""
    signing_parameters: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    revocation: Revocation | None = None


@dataclass(frozen=True)
class SigningProfileVersion:
    account_id: AccountId
    profile_name: str
    version: str
    arn: str
    public_key_pem: str
    wrapped_private_key_b64: str = field(repr=False)  # wrapped by the root key
    created: datetime | None = None
    revocation: Revocation | None = None


@dataclass(frozen=True)
class SigningJob:
    job_id: str
    account_id: AccountId
    arn: str
    profile_name: str
    profile_version: str
    profile_version_arn: str
    platform_id: str
    created: datetime
    expires_at: datetime
    requested_by: str
    content_sha384: str
    revocation: Revocation | None = None


class UntrustedArtifactPolicy(StrEnum):
    WARN = "Warn"
    ENFORCE = "Enforce"


@dataclass(frozen=True)
class CodeSigningConfig:
    account_id: AccountId
    config_id: str
    arn: str
    allowed_publishers: tuple[str, ...]
    policy: UntrustedArtifactPolicy
    last_modified: datetime
    description: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
