"""Functions, their versions and aliases: immutable values, changed only by replacement."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from stockade.domain.arn import LATEST, function_arn
from stockade.domain.event_invoke import EventInvokeConfig
from stockade.domain.function_url import FunctionUrlConfig
from stockade.domain.function_vpc import FunctionVpc
from stockade.domain.provisioned import ProvisionedConfig
from stockade.domain.runtime_management import RuntimeManagement
from stockade.domain.tenancy import TenantIsolationMode
from stockade.types import AccountId, Sha256Hex


class FunctionState(StrEnum):
    PENDING = "Pending"
    ACTIVE = "Active"
    INACTIVE = "Inactive"
    FAILED = "Failed"


class UpdateStatus(StrEnum):
    SUCCESSFUL = "Successful"
    FAILED = "Failed"
    IN_PROGRESS = "InProgress"


@dataclass(frozen=True)
class CodeSignature:
    """Who signed a package, once its signature was checked (GetFunction and GetLayerVersion
    show it as `SigningProfileVersionArn` and `SigningJobArn`)."""

    profile_version_arn: str
    job_arn: str


@dataclass(frozen=True)
class Code:
    """A deployment package, addressed by the SHA-256 of its bytes."""

    sha256: Sha256Hex
    size: int
    unzipped_size: int
    signature: CodeSignature | None = None

    @property
    def sha256_base64(self) -> str:
        """As Lambda reports `CodeSha256`: base64 of the raw digest."""
        return base64.b64encode(bytes.fromhex(self.sha256)).decode("ascii")


@dataclass(frozen=True)
class LayerAttachment:
    """A layer version as a function configuration references it."""

    arn: str
    code: Code


@dataclass(frozen=True)
class EncryptedEnvironment:
    """A function's environment variables (as JSON) encrypted by the key service under
    `key_arn`, bound to the function's ARN as encryption context. Only the key service can
    open it, and only while the key is enabled and its policy allows."""

    key_arn: str
    ciphertext_b64: str = field(repr=False)


@dataclass(frozen=True)
class FunctionConfig:
    """Everything UpdateFunctionConfiguration can change."""

    runtime: str
    handler: str
    role: str
    description: str = ""
    timeout: int = 3
    memory_size: int = 128
    ephemeral_storage: int = 512
    architecture: str = "x86_64"
    # Variables are secrets: stored only encrypted under a key of the key service.
    environment: EncryptedEnvironment | None = None
    kms_key_arn: str | None = None  # the customer's key; None: the account's aws/lambda key
    layers: tuple[LayerAttachment, ...] = ()
    tracing_mode: str = "PassThrough"
    log_group: str | None = None
    # LoggingConfig: "Text" | "JSON"; the levels are set only with JSON (INFO unless given).
    log_format: str = "Text"
    application_log_level: str | None = None
    system_log_level: str | None = None
    dead_letter_arn: str | None = None  # a queue for events that failed every attempt
    # Set by CreateFunction only (Lambda refuses to change it); None: environments are shared.
    tenancy: TenantIsolationMode | None = None
    # Environment given, even empty: Lambda then answers with it ({"Variables": {}}).
    environment_set: bool = False
    # VpcConfig: None if never given; an empty FunctionVpc once set empty (Lambda answers both
    # differently, see domain/function_vpc.py).
    vpc: FunctionVpc | None = None


@dataclass(frozen=True)
class FunctionVersion:
    """`$LATEST` (replaced on every update) or a published, immutable version."""

    account_id: AccountId
    function_name: str
    version: str
    config: FunctionConfig
    code: Code
    revision_id: str
    last_modified: datetime
    state: FunctionState = FunctionState.ACTIVE
    last_update_status: UpdateStatus = UpdateStatus.SUCCESSFUL
    # A published version: the Description $LATEST had when it was published (PublishVersion's
    # own Description may replace it), so an unchanged $LATEST is recognised. None: the same.
    published_from_description: str | None = None
    # Which version of the runtime's files it runs (Get/PutRuntimeManagementConfig).
    runtime_management: RuntimeManagement = field(default_factory=RuntimeManagement)

    @property
    def is_latest(self) -> bool:
        return self.version == LATEST

    def arn(self, region: str) -> str:
        return function_arn(region, self.account_id, self.function_name, self.version)

    def unqualified_arn(self, region: str) -> str:
        return function_arn(region, self.account_id, self.function_name)

    def log_group(self) -> str:
        return self.config.log_group or f"/aws/lambda/{self.function_name}"


@dataclass(frozen=True)
class Function:
    """The function as a whole: what outlives any one version."""

    account_id: AccountId
    name: str
    created: datetime
    last_published: int = 0  # numbers are never reused, even after a version is deleted
    tags: Mapping[str, str] = field(default_factory=dict)
    reserved_concurrency: int | None = None  # None: shares the account's unreserved pool
    # Asynchronous invocation settings, by qualifier ("$LATEST", a version or an alias).
    event_invoke_configs: Mapping[str, EventInvokeConfig] = field(default_factory=dict)
    provisioned: Mapping[str, ProvisionedConfig] = field(default_factory=dict)
    code_signing_config_arn: str | None = None  # deployments are checked against it
    # Recursive loop detection (PutFunctionRecursionConfig): "Terminate" (Lambda's default)
    # stops a chain past the hop limit; "Allow" lets it run.
    recursive_loop: str = "Terminate"
    # Function URL configurations, by qualifier ("$LATEST" for the function, or an alias).
    url_configs: Mapping[str, FunctionUrlConfig] = field(default_factory=dict)


@dataclass(frozen=True)
class Alias:
    account_id: AccountId
    function_name: str
    name: str
    function_version: str
    revision_id: str
    description: str = ""
    # Additional version -> share of traffic (0..1); the rest goes to function_version.
    routing: Mapping[str, float] = field(default_factory=dict)

    def arn(self, region: str) -> str:
        return function_arn(region, self.account_id, self.function_name, self.name)
