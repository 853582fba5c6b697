"""The isolation seam: how an environment's process is created, watched and destroyed.

Backends today: `backends.namespaces` (Linux namespaces + cgroup v1 + seccomp, the default),
`backends.unsafe` (plain subprocess, for --unsafe-no-sandbox) and `backends.fake` (in-process,
unit tests). A microVM backend would implement the same two Protocols.
"""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from stockade.sandbox.guest_env import GuestLayout
from stockade.sandbox.network.attachment import VpcPlacement
from stockade.sandbox.runtime_bundle import RuntimeBundle
from stockade.sandbox.spec import Runtime


@dataclass(frozen=True)
class LaunchConfig:
    env_id: str
    account_id: str
    runtime: Runtime
    handler: str
    memory_mb: int
    ephemeral_storage_mb: int
    code_dir: Path  # from the code cache, under backend.code_root()
    opt_dir: Path | None
    # Builds the guest's variables once the backend knows the layout; the result is secret.
    build_environment: Callable[[GuestLayout], Mapping[str, str]] = field(repr=False)
    # The runtime version to run, already verified; None: the files this installation carries.
    runtime_files: RuntimeBundle | None = None
    vpc: VpcPlacement | None = None  # None: the default network (or none, as configured)
    function_name: str = ""  # whose attempts the default network's rejected log names


@dataclass(frozen=True)
class GuestExit:
    """How the guest ended. `status` is a wait status when known."""

    status: int | None
    oom_killed: bool
    setup_error: str | None = None  # the sandbox failed before any guest code ran

    def describe(self) -> str:
        """Lambda's wording: "exit status 1", "signal: killed", ..."""
        if self.status is None:
            return "signal: killed"
        if os.WIFSIGNALED(self.status):
            sig = os.WTERMSIG(self.status)
            names = {
                signal.SIGKILL: "killed",
                signal.SIGSEGV: "segmentation fault",
                signal.SIGABRT: "aborted",
                signal.SIGTERM: "terminated",
            }
            return f"signal: {names.get(signal.Signals(sig), signal.Signals(sig).name.lower())}"
        return f"exit status {os.waitstatus_to_exitcode(self.status)}"


class SandboxProcess(Protocol):
    """One live environment process tree, as the host sees it."""

    @property
    def runtime_api_socket(self) -> socket.socket:
        """A listening socket; connections on it come from this guest only."""
        ...

    @property
    def sdk_api_socket(self) -> socket.socket | None: ...

    @property
    def log_fd(self) -> int:
        """Read end of the pipe carrying the guest's stdout and stderr."""
        ...

    async def wait_exit(self) -> GuestExit: ...

    def kill(self) -> None:
        """SIGKILL the whole tree now; idempotent."""
        ...

    async def terminate(self, grace_s: float) -> None:
        """SIGTERM the guest, wait up to grace_s, then SIGKILL; returns when all is dead."""
        ...

    def settle(self) -> None:
        """Init is over: apply the steady-state limits (the proportional CPU share)."""
        ...

    def memory_peak_bytes(self) -> int:
        """Peak memory of the environment since launch (Lambda's Max Memory Used)."""
        ...

    @property
    def channel_reach(self) -> Callable[[str | None], bool] | None:
        """Which services' APIs the environment's network reaches through the SDK channel (a
        function in a private subnet: only through its VPC's interface endpoints); None:
        every one."""
        ...

    async def release(self) -> None:
        """Free host resources (cgroups, fds) after death; idempotent."""
        ...


class SandboxBackend(Protocol):
    @property
    def isolated(self) -> bool: ...

    async def start(self) -> None: ...

    def code_root(self) -> Path:
        """Memory-backed directory for code trees, reachable by this backend's sandboxes."""
        ...

    async def launch(self, config: LaunchConfig) -> SandboxProcess: ...

    async def close(self) -> None: ...
