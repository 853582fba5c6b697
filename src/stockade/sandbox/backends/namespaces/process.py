"""One sandbox as the host holds it: pidfd, control channel, log pipe, sockets, cgroups."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from stockade.sandbox.backend import GuestExit
from stockade.sandbox.backends.namespaces.cgroups import CgroupSet, CgroupV1
from stockade.sandbox.errors import EnvironmentStartError
from stockade.sandbox.guest import channel, jail


class NamespaceSandbox:
    def __init__(
        self,
        pid: int,
        pidfd: int,
        ctrl: socket.socket,
        log_fd: int,
        cgroups: CgroupSet,
        on_release: Callable[[], Awaitable[None]],
        slot: int = 0,
    ) -> None:
        self.pid = pid
        self._pidfd = pidfd
        self._ctrl = ctrl
        self._log_fd = log_fd
        self.cgroups = cgroups
        self._on_release = on_release
        self.slot = slot  # the backend's index: uid range, addresses, interface names
        self._rapi: socket.socket | None = None
        self._sdk: socket.socket | None = None
        self._loop = asyncio.get_running_loop()
        self._messages: asyncio.Queue[tuple[bytes, Any, list[int]] | None] = asyncio.Queue()
        self._exit: asyncio.Future[GuestExit] = self._loop.create_future()
        self._dead = self._loop.create_future()  # the pid-1 process is gone
        self._released = False
        self._peak_fd: int | None = None
        self._setup_error: str | None = None
        self.steady_cpu_quota_us: int | None = None  # applied by settle() after init
        # Set by the backend when the environment joins a VPC (the router's current view).
        self.reachability: Callable[[str | None], bool] | None = None
        ctrl.setblocking(False)
        self._loop.add_reader(ctrl.fileno(), self._on_ctrl)
        self._loop.add_reader(pidfd, self._on_pidfd)

    # -- wiring of events -------------------------------------------------------------------
    def _on_ctrl(self) -> None:
        try:
            message = channel.recv(self._ctrl)
        except BlockingIOError:
            return
        except (OSError, ValueError):
            message = None
        if message is None:
            # EOF is normal once the guest runs: it closed its end right after STARTED.
            self._loop.remove_reader(self._ctrl.fileno())
            self._messages.put_nowait(None)
            return
        kind, body, fds = message
        if kind != channel.SHELL_READY:
            for fd in fds:  # only SHELL_READY may carry descriptors
                os.close(fd)
            message = (kind, body, [])
        if kind == channel.SETUP_FAILED:
            self._setup_error = str(body.get("error", "setup failed"))
        self._messages.put_nowait(message)

    def _on_pidfd(self) -> None:
        """The sandbox (its pid 1, the guest) ended: reap it and keep its wait status."""
        self._loop.remove_reader(self._pidfd)
        status = _reap(self._pidfd)
        if not self._dead.done():
            self._dead.set_result(None)
        if not self._exit.done():
            oom = CgroupV1.oom_kills(self.cgroups) > 0
            self._exit.set_result(GuestExit(status, oom, self._setup_error))

    async def next_message(self, timeout_s: float) -> tuple[bytes, Any, list[int]]:
        try:
            message = await asyncio.wait_for(self._messages.get(), timeout_s)
        except TimeoutError as exc:
            raise EnvironmentStartError("sandbox did not answer in time") from exc
        if message is None:
            raise EnvironmentStartError(self._describe_exit())
        return message

    def _describe_exit(self) -> str:
        if self._setup_error is not None:
            return f"sandbox setup failed: {self._setup_error}"
        if self._exit.done():
            return f"sandbox exited during setup: {self._exit.result().describe()}"
        return "sandbox closed its control channel during setup"

    def attach_sockets(self, rapi: socket.socket, sdk: socket.socket) -> None:
        self._rapi, self._sdk = rapi, sdk

    def send(self, kind: bytes, body: Any, fds: list[int] | None = None) -> None:
        channel.send(self._ctrl, kind, body, fds)

    # -- SandboxProcess ---------------------------------------------------------------------
    @property
    def runtime_api_socket(self) -> socket.socket:
        assert self._rapi is not None
        return self._rapi

    @property
    def sdk_api_socket(self) -> socket.socket | None:
        return self._sdk

    @property
    def log_fd(self) -> int:
        return self._log_fd

    async def wait_exit(self) -> GuestExit:
        return await asyncio.shield(self._exit)

    def kill(self) -> None:
        if not self._dead.done():
            with contextlib.suppress(OSError):
                jail.pidfd_send_signal(self._pidfd, signal.SIGKILL)

    async def terminate(self, grace_s: float) -> None:
        if self._dead.done():
            return
        with contextlib.suppress(OSError):
            jail.pidfd_send_signal(self._pidfd, signal.SIGTERM)  # pid 1 forwards it to the guest
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._exit), grace_s)
        self.kill()
        await self._wait_dead(5.0)

    async def _wait_dead(self, timeout_s: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._dead), timeout_s)

    def settle(self) -> None:
        if self.steady_cpu_quota_us is not None and not self._released:
            with contextlib.suppress(OSError):
                CgroupV1.set_cpu_quota(self.cgroups, self.steady_cpu_quota_us)
            self.steady_cpu_quota_us = None

    @property
    def channel_reach(self) -> Callable[[str | None], bool] | None:
        return self.reachability

    def memory_peak_bytes(self) -> int:
        # Read on every invocation's REPORT: keep the file open and pread it (one syscall
        # instead of open/read/close; syscalls dominate the warm path on some hosts).
        if self._released:
            return 0
        if self._peak_fd is None:
            try:
                self._peak_fd = os.open(
                    self.cgroups.memory / "memory.max_usage_in_bytes", os.O_RDONLY | os.O_CLOEXEC
                )
            except OSError:
                return CgroupV1.max_usage_bytes(self.cgroups)
        try:
            return int(os.pread(self._peak_fd, 32, 0))
        except (OSError, ValueError):
            return 0

    async def release(self) -> None:
        if self._released:
            return
        self._released = True
        self.kill()
        await self._wait_dead(5.0)
        with contextlib.suppress(Exception):
            self._loop.remove_reader(self._ctrl.fileno())
        with contextlib.suppress(Exception):
            self._loop.remove_reader(self._pidfd)
        for sock in (self._rapi, self._sdk, self._ctrl):
            if sock is not None:
                sock.close()
        for fd in (self._log_fd, self._pidfd, self._peak_fd):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._peak_fd = None
        if not self._exit.done():
            self._exit.set_result(GuestExit(None, False))
        # rmdir can briefly fail with EBUSY while the last tasks leave: do it off the loop.
        await self._loop.run_in_executor(None, CgroupV1.remove, self.cgroups)
        await self._on_release()


def _reap(pidfd: int) -> int | None:
    """waitid(P_PIDFD) as the parent (CLONE_PARENT made us that); a wait status, or None when
    it is unknown (e.g. the host ignores SIGCHLD, so the kernel reaped it already)."""
    try:
        info = os.waitid(os.P_PIDFD, pidfd, os.WEXITED | os.WNOHANG)
    except (ChildProcessError, OSError):
        return None
    if info is None:
        return None
    if info.si_code == os.CLD_EXITED:
        return (info.si_status & 0xFF) << 8
    if info.si_code == os.CLD_DUMPED:
        return info.si_status | 0x80
    return info.si_status  # CLD_KILLED: the signal number is the wait status
