"""Secrets Manager's records: a secret, its versions and their staging labels.

A version's value is never held here in plaintext: `ciphertext_b64` is the value sealed under a
data key, and `data_key_b64` that data key encrypted under the secret's KMS key with the
encryption context {"SecretARN": <arn>, "SecretVersionId": <id>} (envelope encryption, as
"How AWS Secrets Manager uses AWS KMS" describes it). Versions live in their secret's record:
they are only read, limited and pruned together with it.

Rotation fields have defaults, so rows written before rotation existed still load. Beyond the
fields DescribeSecret shows, `rotation_due` is when the rotation runner next starts (or
resumes) a rotation, `rotation_token` the version id of the rotation it runs (kept until that
rotation ends, so a restart resumes it), `rotation_failures` how many attempts of it failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from stockade.types import AccountId

CURRENT = "AWSCURRENT"
PREVIOUS = "AWSPREVIOUS"
PENDING = "AWSPENDING"
# Secrets Manager quotas (AWS Secrets Manager User Guide, "Secrets Manager quotas").
VALUE_BYTES_MAX = 65536  # SecretString / SecretBinary
VERSIONS_MAX = 100  # versions of a secret before deprecated ones are removed
STAGES_PER_VERSION_MAX = 20  # staging labels attached across versions of a secret
RECOVERY_DAYS_MIN = 7
RECOVERY_DAYS_MAX = 30
RECOVERY_DAYS_DEFAULT = 30
TAGS_MAX = 50
POLICY_BYTES_MAX = 20480
BATCH_IDS_MAX = 20


class ValueKind(Enum):
    STRING = "string"
    BINARY = "binary"


@dataclass(frozen=True)
class EarlierSeal:
    """The same value sealed under a key the secret used before (kept so that a caller who may
    decrypt only with that key is not locked out, as Secrets Manager keeps them)."""

    key_arn: str
    data_key_b64: str = field(repr=False)
    ciphertext_b64: str = field(repr=False)


@dataclass(frozen=True)
class SecretVersion:
    version_id: str
    created: datetime
    stages: tuple[str, ...] = ()
    kind: ValueKind = ValueKind.STRING
    key_arn: str = ""  # the KMS key the data key is encrypted under
    data_key_b64: str = field(default="", repr=False)
    ciphertext_b64: str = field(default="", repr=False)
    last_accessed: datetime | None = None
    # After a change of the secret's key: the value under the keys before, newest first.
    earlier_seals: tuple[EarlierSeal, ...] = ()

    @property
    def has_value(self) -> bool:
        """False for the version RotateSecret stages AWSPENDING before createSecret fills it."""
        return bool(self.ciphertext_b64)


@dataclass(frozen=True)
class RotationRules:
    automatically_after_days: int | None = None
    duration: str | None = None
    schedule_expression: str | None = None


@dataclass(frozen=True)
class Secret:
    account_id: AccountId
    name: str
    arn: str
    created: datetime
    last_changed: datetime
    description: str | None = None
    kms_key_id: str | None = None  # as the caller gave it; None: aws/secretsmanager
    tags: tuple[tuple[str, str], ...] = ()
    policy: str | None = None
    versions: tuple[SecretVersion, ...] = ()
    deletion_date: datetime | None = None  # scheduled for deletion at this instant
    last_accessed: datetime | None = None
    # Rotation (served by the rotation operations; shown by DescribeSecret when set).
    rotation_enabled: bool = False
    rotation_lambda_arn: str | None = None
    rotation_rules: RotationRules | None = None
    last_rotated: datetime | None = None
    next_rotation: datetime | None = None
    rotation_due: datetime | None = None
    rotation_token: str | None = None
    rotation_failures: int = 0

    @property
    def scheduled_for_deletion(self) -> bool:
        return self.deletion_date is not None

    def version(self, version_id: str) -> SecretVersion | None:
        return next((v for v in self.versions if v.version_id == version_id), None)

    @property
    def rotation_configured(self) -> bool:
        """Rotation was ever turned on (DescribeSecret then shows RotationEnabled either way)."""
        return self.rotation_enabled or self.rotation_lambda_arn is not None

    def staged(self, stage: str) -> SecretVersion | None:
        return next((v for v in self.versions if stage in v.stages), None)
