"""Host side of the zygote: start it clean, send requests with fds, receive replies with fds.

The zygote is `/usr/bin/python3.11 -I -S` with an empty environment and inherited fds: a
SOCK_SEQPACKET socket, its own code's directory, and the trees it copies for the runtimes (it
closes those once copied). No host path reaches it in argv or settings, except the scratch
directory it mounts its tmpfs on. Requests are serialised by a lock: the zygote is
single-threaded and answers in order, and each request takes about a millisecond.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
from pathlib import Path
from typing import Any

from stockade.sandbox.errors import EnvironmentStartError, SandboxUnavailableError
from stockade.sandbox.guest import channel
from stockade.sandbox.guest_loader import GUEST_DIR, GUEST_UMASK, boot_argv_from_fd
from stockade.sandbox.proc_masks import ProcMasks
from stockade.sandbox.sdk_address import SdkAddress

REPLY_TIMEOUT_S = 10.0


class ZygoteClient:
    def __init__(self, python: Path) -> None:
        self._python = python
        self._sock: socket.socket | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = asyncio.Lock()
        self.pid = 0

    async def start(
        self,
        scratch: Path,
        scratch_mb: int,
        seccomp_policy: Path,
        python_packages: list[Path],
        node_runtime_dir: Path | None,
        proc_masks: ProcMasks,
        sdk: SdkAddress,
        extra_etc: dict[str, str] | None = None,
    ) -> None:
        host, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        inherited: list[int] = []
        try:
            guest_fd = _open_tree(GUEST_DIR)
            inherited.append(guest_fd)
            packages: list[tuple[str, int]] = []
            for package in python_packages:
                fd = _open_tree(package)
                inherited.append(fd)
                packages.append((package.name, fd))
            node_fd = _open_tree(node_runtime_dir) if node_runtime_dir is not None else None
            if node_fd is not None:
                inherited.append(node_fd)
            # Settings travel over the socket, not argv: every sandbox is a fork of the zygote,
            # and its /proc/self/cmdline is the zygote's, readable by tenant code.
            settings = {
                "host_pid": os.getpid(),
                "scratch": str(scratch),
                "scratch_mb": scratch_mb,
                "seccomp_policy": json.loads(seccomp_policy.read_text(encoding="utf-8")),
                "python_packages": packages,
                "node_runtime": node_fd,
                "proc_masks": proc_masks.to_wire(),
                "sdk": _with_etc(sdk.to_wire(), extra_etc or {}),
            }
            argv = boot_argv_from_fd(
                self._python, "zygote", "main", guest_fd, [str(child.fileno())]
            )
            # Popen from the event-loop thread: the zygote's PDEATHSIG follows this thread.
            self._proc = subprocess.Popen(  # noqa: S603 - fixed interpreter, our own boot code
                argv,
                env={},
                pass_fds=[child.fileno(), *inherited],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                close_fds=True,
                umask=GUEST_UMASK,
            )
        except OSError as exc:
            host.close()
            raise SandboxUnavailableError("zygote", f"cannot start {self._python}: {exc}") from exc
        finally:
            child.close()
            for fd in inherited:
                os.close(fd)
        try:
            channel.send(host, channel.REQUEST, settings)
        except OSError as exc:
            host.close()
            await self.close()
            raise SandboxUnavailableError("zygote", f"did not start: {exc}") from exc
        host.setblocking(False)
        self._sock = host
        try:
            reply, _ = await self._receive()
        except (EnvironmentStartError, OSError) as exc:
            await self.close()
            raise SandboxUnavailableError("zygote", f"did not start: {exc}") from exc
        if not reply.get("ok"):
            await self.close()
            raise SandboxUnavailableError("zygote", str(reply.get("error")))
        self.pid = int(reply["pid"])

    async def request(
        self, body: dict[str, Any], fds: list[int]
    ) -> tuple[dict[str, Any], list[int]]:
        """Send one request (with `fds`, which the caller keeps and closes) and get the reply.

        Cancellation-safe: the exchange always completes, so the next request can never read
        this one's reply; descriptors in a reply nobody waits for any more are closed.
        """
        if self._sock is None:
            raise EnvironmentStartError("zygote is not running")
        async with self._lock:
            sock = self._sock
            if sock is None:
                raise EnvironmentStartError("zygote is not running")
            channel.send(sock, channel.REQUEST, body, fds)  # before any await: fds still open
            exchange = asyncio.ensure_future(self._receive())
            try:
                return await asyncio.shield(exchange)
            except asyncio.CancelledError:
                exchange.add_done_callback(_discard_reply)
                await asyncio.wait({exchange})  # hold the lock until the reply is consumed
                raise

    async def _receive(self) -> tuple[dict[str, Any], list[int]]:
        assert self._sock is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + REPLY_TIMEOUT_S
        while True:  # bounded by REPLY_TIMEOUT_S
            try:
                message = channel.recv(self._sock)
            except BlockingIOError:
                ready: asyncio.Future[None] = loop.create_future()
                loop.add_reader(self._sock.fileno(), _set_once, ready)
                try:
                    await asyncio.wait_for(ready, max(0.0, deadline - loop.time()))
                except TimeoutError as exc:
                    raise EnvironmentStartError("zygote did not answer in time") from exc
                finally:
                    loop.remove_reader(self._sock.fileno())
                continue
            if message is None:
                raise EnvironmentStartError("zygote exited")
            _, body, fds = message
            return body, fds

    async def close(self) -> None:
        if self._sock is not None:
            self._sock.close()  # EOF makes the zygote exit; its sandboxes follow (PDEATHSIG)
            self._sock = None
        if self._proc is not None:
            proc, self._proc = self._proc, None
            loop = asyncio.get_running_loop()
            try:
                await asyncio.wait_for(loop.run_in_executor(None, proc.wait), 2.0)
            except TimeoutError:
                proc.kill()
                with contextlib.suppress(Exception):
                    await loop.run_in_executor(None, proc.wait)


def _set_once(future: asyncio.Future[None]) -> None:
    # The reader callback may fire again before the waiter resumes and removes it.
    if not future.done():
        future.set_result(None)


def _discard_reply(exchange: asyncio.Future[tuple[dict[str, Any], list[int]]]) -> None:
    if exchange.cancelled() or exchange.exception() is not None:
        return
    for fd in exchange.result()[1]:
        with contextlib.suppress(OSError):
            os.close(fd)


def _open_tree(path: Path) -> int:
    """A read-only descriptor of a file or directory the zygote copies or loads from."""
    flags = os.O_RDONLY | os.O_CLOEXEC | (os.O_DIRECTORY if path.is_dir() else 0)
    return os.open(path, flags)


def _with_etc(wire: dict[str, Any], extra: dict[str, str]) -> dict[str, Any]:
    """The shells' /etc additions: the SDK address's and the network's (resolv.conf)."""
    return {**wire, "etc": {**wire["etc"], **extra}}
