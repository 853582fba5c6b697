"""The typed values that cross the sandbox boundary: what to run, one request, one result.

Everything is a frozen dataclass. Secrets (environment values, payloads) are excluded from
reprs with `field(repr=False)` so that logging a spec or a request can never leak them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from stockade.domain.trace import TraceContext
from stockade.sandbox.log_controls import LogControls
from stockade.sandbox.network.attachment import VpcPlacement
from stockade.sandbox.response_stream import ResponseSink
from stockade.sandbox.runtime_bundle import RuntimeVersionSource


class Runtime(StrEnum):
    PYTHON311 = "python3.11"
    NODEJS20 = "nodejs20.x"
    PROVIDED_AL2023 = "provided.al2023"


@dataclass(frozen=True)
class CodeSource:
    """A zip archive addressed by content; `fetch` is called only when the cache misses."""

    key: str  # "<account>/<sha256hex>": the account prefix keeps caches per account
    fetch: Callable[[], bytes] = field(repr=False, compare=False)


@dataclass(frozen=True)
class EnvironmentSpec:
    account_id: str
    function_name: str
    function_arn: str  # unqualified
    version: str  # "$LATEST" | "1" | ...
    config_key: str  # changes whenever code or configuration changes
    runtime: Runtime
    handler: str
    memory_mb: int
    timeout_s: int
    ephemeral_storage_mb: int
    code: CodeSource
    region: str
    environment: Mapping[str, str] = field(default_factory=dict, repr=False)
    layers: tuple[CodeSource, ...] = ()
    log_group: str = ""  # defaults to /aws/lambda/<function_name>
    log_controls: LogControls = field(default_factory=LogControls)  # LoggingConfig
    max_lifetime_s: float = 14 * 3600.0
    keep_alive_s: float = 300.0
    # Tenant isolation mode: the one tenant this environment may ever serve (None: shared).
    tenant_id: str | None = None
    # The runtime's files to run (a kept version, verified at launch); None: the installed ones.
    runtime_version: RuntimeVersionSource | None = None
    # VpcConfig: the environment joins one of these subnets; None: the default network.
    vpc: VpcPlacement | None = None

    def __post_init__(self) -> None:
        # A read-only copy: the caller's dict may change after the spec is built.
        object.__setattr__(self, "environment", MappingProxyType(dict(self.environment)))
        if not self.log_group:
            object.__setattr__(self, "log_group", f"/aws/lambda/{self.function_name}")

    @property
    def warm_key(self) -> WarmKey:
        return WarmKey(
            self.account_id, self.function_arn, self.version, self.config_key, self.tenant_id
        )


@dataclass(frozen=True)
class WarmKey:
    """Environments are reused only between invocations with an identical key."""

    account_id: str
    function_arn: str
    version: str
    config_key: str
    tenant_id: str | None = None  # environments of one tenant are never another's


@dataclass(frozen=True)
class InvocationRequest:
    request_id: str
    invoked_function_arn: str
    payload: bytes = field(default=b"", repr=False)
    deadline: float | None = None  # monotonic seconds; None means now + spec.timeout_s
    client_context: str | None = field(default=None, repr=False)  # base64 JSON, as Lambda has it
    cognito_identity: str | None = field(default=None, repr=False)
    trace_id: str | None = None
    tenant_id: str | None = None  # must equal the serving environment's spec.tenant_id
    # The host-side trace (its lineage counts the chain's hops); `trace_id` is its header.
    trace: TraceContext | None = None
    # InvokeWithResponseStream: where a streamed response goes as the runtime sends it.
    response_sink: ResponseSink | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class InvocationResult:
    payload: bytes = field(repr=False)
    function_error: str | None  # "Unhandled" | None
    error_type: str | None
    log_tail: bytes = field(repr=False)
    duration_ms: float
    billed_duration_ms: int
    init_duration_ms: float | None  # None when the environment was warm
    max_memory_used_mb: int
    executed_version: str
    streamed: bool = False  # the payload went to the request's response sink, not `payload`
