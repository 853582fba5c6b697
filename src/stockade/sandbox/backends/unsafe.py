"""UnsafeBackend: each environment is a plain subprocess. NO ISOLATION.

For `--unsafe-no-sandbox` only (hosts without user namespaces, debugging): the guest runs as
the server's own user, sees the host filesystem and network, and has no memory, CPU or process
limits. What it keeps: a clean environment (only the function's and Lambda's variables), its
own process group (timeouts kill the whole group) and the Runtime API on a loopback port.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

from stockade.sandbox.backend import GuestExit, LaunchConfig, SandboxProcess
from stockade.sandbox.entrypoint import guest_argv
from stockade.sandbox.errors import EnvironmentStartError, SandboxUnavailableError
from stockade.sandbox.guest_env import GuestLayout
from stockade.sandbox.guest_loader import GUEST_DIR, GUEST_UMASK, boot_argv
from stockade.sandbox.runtime_versions import InstalledDigests, node_argv, python_sources
from stockade.sandbox.sdk_packages import sdk_package_paths
from stockade.sandbox.spec import Runtime

PYTHON = Path("/usr/bin/python3.11")


def _listen() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    return sock


class UnsafeProcess:
    def __init__(
        self,
        proc: asyncio.subprocess.Process,
        rapi: socket.socket,
        sdk: socket.socket,
        log_fd: int,
    ) -> None:
        self._proc = proc
        self._rapi = rapi
        self._sdk = sdk
        self._log_fd = log_fd
        self._exit: asyncio.Future[GuestExit] | None = None
        self._released = False

    @property
    def runtime_api_socket(self) -> socket.socket:
        return self._rapi

    @property
    def sdk_api_socket(self) -> socket.socket | None:
        return self._sdk

    @property
    def log_fd(self) -> int:
        return self._log_fd

    async def wait_exit(self) -> GuestExit:
        if self._exit is None:
            self._exit = asyncio.ensure_future(self._wait())
        return await asyncio.shield(self._exit)

    async def _wait(self) -> GuestExit:
        code = await self._proc.wait()
        # Back to a wait status, as GuestExit carries it: negative return codes are signals.
        return GuestExit(status=-code if code < 0 else code << 8, oom_killed=False)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def _signal(self, sig: int) -> None:
        if self._proc.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._proc.pid, sig)

    async def terminate(self, grace_s: float) -> None:
        self._signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.wait_exit(), grace_s)
        except TimeoutError:
            self.kill()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wait_exit(), 5.0)

    def settle(self) -> None:
        """No limits to change: this backend enforces none."""

    @property
    def channel_reach(self) -> Callable[[str | None], bool] | None:
        return None  # no network of its own to stand in the way

    def memory_peak_bytes(self) -> int:
        try:
            status = Path(f"/proc/{self._proc.pid}/status").read_text()
        except OSError:
            return 0
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        return 0

    async def release(self) -> None:
        if self._released:
            return
        self._released = True
        self.kill()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wait_exit(), 5.0)
        for sock in (self._rapi, self._sdk):
            sock.close()
        with contextlib.suppress(OSError):
            os.close(self._log_fd)


class UnsafeBackend:
    def __init__(self, python: Path = PYTHON, node: Path = Path("/usr/bin/node")) -> None:
        self._python = python
        self._node = node
        self._root: Path | None = None
        self._installed = InstalledDigests()

    @property
    def isolated(self) -> bool:
        return False

    async def start(self) -> None:
        if not self._python.is_file():
            raise SandboxUnavailableError("python3.11", f"{self._python} not found")
        self._root = Path(tempfile.mkdtemp(prefix="stockade-unsafe-"))
        (self._root / "code").mkdir()
        runtime = self._root / "runtime-python"
        runtime.mkdir()
        for package in sdk_package_paths():  # Lambda's /var/runtime, as symlinks
            (runtime / package.name).symlink_to(package)

    def code_root(self) -> Path:
        if self._root is None:
            raise EnvironmentStartError("backend not started")
        return self._root / "code"

    async def launch(self, config: LaunchConfig) -> SandboxProcess:
        if self._root is None:
            raise EnvironmentStartError("backend not started")
        rapi, sdk = _listen(), _listen()
        layout = GuestLayout(
            task_root=str(config.code_dir),
            opt_root=str(config.opt_dir) if config.opt_dir is not None else "/opt",
            runtime_root=str(self._runtime_root(config.runtime)),
            runtime_api=f"127.0.0.1:{rapi.getsockname()[1]}",
            sdk_endpoint=f"http://127.0.0.1:{sdk.getsockname()[1]}",
        )
        argv = guest_argv(config.runtime, layout, config.code_dir, config.opt_dir)
        kept = self._installed.kept(config.runtime_files, config.runtime)
        if config.runtime is Runtime.PYTHON311 and kept is not None:
            sources = json.dumps(python_sources(kept))
            args = [config.handler, layout.opt_root, sources]
            argv = boot_argv(self._python, "runtime_copy", "boot", args)
        elif config.runtime is Runtime.PYTHON311:
            argv = boot_argv(
                self._python, "python_runtime", "boot", [config.handler, layout.opt_root]
            )
        elif config.runtime is Runtime.NODEJS20 and kept is not None:
            argv = node_argv(str(self._node), kept)
        elif config.runtime is Runtime.NODEJS20:
            argv = [str(self._node), *argv[1:]]
        log_r, log_w = os.pipe2(os.O_CLOEXEC)
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                env=dict(config.build_environment(layout)),
                cwd=config.code_dir,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log_w,
                stderr=log_w,
                start_new_session=True,  # its own process group: timeouts kill the whole tree
                umask=GUEST_UMASK,
            )
        except OSError as exc:
            os.close(log_r)
            rapi.close()
            sdk.close()
            raise EnvironmentStartError(f"could not start the runtime: {exc.strerror}") from exc
        finally:
            os.close(log_w)
        return UnsafeProcess(proc, rapi, sdk, log_r)

    def _runtime_root(self, runtime: Runtime) -> Path:
        assert self._root is not None
        if runtime is Runtime.NODEJS20:
            return GUEST_DIR / "node"
        return self._root / "runtime-python"

    async def close(self) -> None:
        if self._root is not None:
            root, self._root = self._root, None
            await asyncio.get_running_loop().run_in_executor(
                None, lambda: shutil.rmtree(root, ignore_errors=True)
            )
