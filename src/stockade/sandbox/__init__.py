"""Execution environments: lifecycle, pool, isolation backends and the Lambda Runtime API.

The public surface (what services and wiring use) is re-exported here; concrete backends live
in `stockade.sandbox.backends.*` and are constructed only by wiring, tests and benchmarks.
"""

from __future__ import annotations

from stockade.sandbox.backend import SandboxBackend, SandboxProcess
from stockade.sandbox.errors import (
    CapacityError,
    EnvironmentStartError,
    IllegalTransitionError,
    PlacementClosedError,
    SandboxError,
    SandboxUnavailableError,
)
from stockade.sandbox.logs import InMemoryLogSink, LogSink
from stockade.sandbox.placement import LocalPlacement, Placement
from stockade.sandbox.pool import EnvironmentPool, KeyStats, PoolSettings, PoolStats
from stockade.sandbox.response_stream import STREAMED_RESPONSE_BYTES_MAX, ResponseSink
from stockade.sandbox.sdk_channel import ApiConnectionHandler, ChannelOrigin
from stockade.sandbox.spec import (
    CodeSource,
    EnvironmentSpec,
    InvocationRequest,
    InvocationResult,
    Runtime,
    WarmKey,
)

__all__ = [
    "STREAMED_RESPONSE_BYTES_MAX",
    "ApiConnectionHandler",
    "CapacityError",
    "ChannelOrigin",
    "CodeSource",
    "EnvironmentPool",
    "EnvironmentSpec",
    "EnvironmentStartError",
    "IllegalTransitionError",
    "InMemoryLogSink",
    "InvocationRequest",
    "InvocationResult",
    "KeyStats",
    "LocalPlacement",
    "LogSink",
    "Placement",
    "PlacementClosedError",
    "PoolSettings",
    "PoolStats",
    "ResponseSink",
    "Runtime",
    "SandboxBackend",
    "SandboxError",
    "SandboxProcess",
    "SandboxUnavailableError",
    "WarmKey",
]
