"""Errors of the execution-environment subsystem.

    StockadeError
    └── SandboxError                 root of this package's errors
        ├── SandboxUnavailableError  an isolation primitive is missing on this host (names which)
        ├── EnvironmentStartError    an environment could not be created or initialised
        ├── CapacityError            no room for another environment (limit reached)
        ├── IllegalTransitionError   a lifecycle state machine was asked for a forbidden move
        ├── PlacementClosedError     the pool is shutting down or shut down
        └── TenantMismatchError      an invocation for one tenant met another tenant's environment

Function-level failures (import errors, handler exceptions, timeouts, out-of-memory, crashes) are
NOT exceptions: they are `InvocationResult`s carrying Lambda's error payload, exactly as Lambda
returns them. Messages here never contain environment values, payloads or credentials.
"""

from __future__ import annotations

from stockade.errors import StockadeError


class SandboxError(StockadeError):
    """Root of the sandbox package's errors."""


class SandboxUnavailableError(SandboxError):
    """A primitive the isolating backend needs is missing; the message names it precisely."""

    def __init__(self, primitive: str, detail: str) -> None:
        super().__init__(f"{primitive} unavailable: {detail}")
        self.primitive = primitive
        self.detail = detail


class EnvironmentStartError(SandboxError):
    """An environment could not be created (backend failure, not a function failure)."""


class CapacityError(SandboxError):
    """The configured maximum number of environments is reached."""


class IllegalTransitionError(SandboxError):
    """A state machine was asked for a transition its table does not allow."""


class PlacementClosedError(SandboxError):
    """The placement no longer accepts invocations."""


class TenantMismatchError(SandboxError):
    """An invocation's tenant differs from the one its environment is dedicated to (a bug
    upstream); refused before anything reaches the guest. Names no tenant."""
