"""Parameter Store's records: a parameter with its versions (at most 100), their labels and
the parameter's tags.

A SecureString version holds its value only as the key service's ciphertext (base64), under
the version's key with the encryption context {"PARAMETER_ARN": <the parameter's ARN>}; every
value is also sealed at rest by the store (String values are configuration, not secrets, but
nothing is lost by sealing them too).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum

from stockade.domain.sealing import SECRET
from stockade.types import AccountId

VERSIONS_MAX = 100  # "Parameter Store retains the 100 most recently created versions"
LABELS_PER_VERSION_MAX = 10
STANDARD_VALUE_MAX = 4096  # Standard tier: 4 KB
ADVANCED_VALUE_MAX = 8192  # Advanced tier: 8 KB
HIERARCHY_LEVELS_MAX = 15
NAME_MAX = 1011  # the name with its full path ("Requirements and constraints for parameter
# names"); the model's 2048 leaves room for the ARN prefix


class ParameterType(Enum):
    STRING = "String"
    STRING_LIST = "StringList"
    SECURE_STRING = "SecureString"


class Tier(Enum):
    STANDARD = "Standard"
    ADVANCED = "Advanced"


@dataclass(frozen=True)
class ParameterVersion:
    version: int
    type: ParameterType
    # The value; a SecureString's is the key service's ciphertext, base64.
    value: str = field(metadata=SECRET, repr=False)
    modified: datetime
    modified_user: str  # the ARN of the principal who put it (LastModifiedUser)
    tier: Tier = Tier.STANDARD
    data_type: str = "text"
    description: str | None = None
    allowed_pattern: str | None = None
    key_id: str | None = None  # as the caller named it (or alias/aws/ssm); SecureString only
    key_arn: str | None = None  # the key it is encrypted under
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Parameter:
    account_id: AccountId
    name: str  # canonical: "/a/b" or "a" ("/a" is stored as "a", as AWS names it)
    versions: tuple[ParameterVersion, ...]  # oldest first, never empty
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def current(self) -> ParameterVersion:
        return self.versions[-1]

    def version(self, number: int) -> ParameterVersion | None:
        return next((v for v in self.versions if v.version == number), None)

    def labelled(self, label: str) -> ParameterVersion | None:
        return next((v for v in self.versions if label in v.labels), None)

    def with_version(self, changed: ParameterVersion) -> Parameter:
        versions = tuple(changed if v.version == changed.version else v for v in self.versions)
        return replace(self, versions=versions)
