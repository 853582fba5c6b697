"""FakeBackend: guests are asyncio tasks in this process, speaking the real Runtime API.

For unit tests of the environment, the pool and the Runtime API server: everything except the
process and the isolation is real (listening socket, HTTP, log pipe, lifecycle). A guest is a
coroutine `handler(event: bytes, context: FakeContext) -> bytes`; raising `GuestCrash` ends the
"process" (exit status or OOM), any other exception is posted as the function's error, and a
handler that never returns is what a timeout looks like. `handlers` is keyed by the spec's
handler string; an unknown handler fails init with Runtime.HandlerNotFound.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import tempfile
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from stockade.sandbox.backend import GuestExit, LaunchConfig, SandboxProcess
from stockade.sandbox.entrypoint import guest_argv
from stockade.sandbox.errors import EnvironmentStartError
from stockade.sandbox.guest_env import GuestLayout

_PREFIX = "/2018-06-01/runtime"
_KILLED = 9  # wait status of a SIGKILLed process


class GuestCrash(Exception):
    """Raised by a fake handler: the guest process ends with this wait status."""

    def __init__(self, status: int = 1 << 8, oom_killed: bool = False) -> None:
        super().__init__("guest crashed")
        self.status = status
        self.oom_killed = oom_killed


@dataclass
class FakeContext:
    request_id: str
    deadline_ms: int
    function_arn: str
    environment: Mapping[str, str] = field(repr=False)
    log: Callable[[str], None]
    state: dict[str, object]  # per-environment globals: survives warm invocations
    env_id: str
    tenant_id: str | None = None  # Lambda-Runtime-Aws-Tenant-Id, as a runtime reads it
    trace_id: str | None = None  # Lambda-Runtime-Trace-Id, as the runtime sets _X_AMZN_TRACE_ID


FakeHandler = Callable[[bytes, FakeContext], Awaitable[bytes]]
FakeInit = Callable[[LaunchConfig], Awaitable[None]]


class FakeProcess:
    def __init__(
        self,
        config: LaunchConfig,
        handler: FakeHandler | None,
        init: FakeInit | None,
        memory_bytes: int,
    ) -> None:
        self.config = config
        self._rapi = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._rapi.bind(("127.0.0.1", 0))
        self._rapi.listen(8)
        self._log_r, self._log_w = os.pipe2(os.O_CLOEXEC)
        self._handler = handler
        self._init = init
        self.memory_bytes = memory_bytes
        self.settled = False
        self.state: dict[str, object] = {}
        loop = asyncio.get_running_loop()
        self._exit: asyncio.Future[GuestExit] = loop.create_future()
        self._task = loop.create_task(self._run(self._rapi.getsockname()[1]))
        self.environment = dict(config.build_environment(GuestLayout()))

    # -- the guest ----------------------------------------------------------------------------
    async def _run(self, port: int) -> None:
        status, oom = 0, False
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                await self._serve(reader, writer)
            finally:
                writer.close()
        except GuestCrash as crash:
            status, oom = crash.status, crash.oom_killed
        except (ConnectionError, asyncio.IncompleteReadError):
            status = 1 << 8
        if not self._exit.done():
            self._exit.set_result(GuestExit(status, oom))

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def call(
            method: str, path: str, body: bytes = b"", headers: Mapping[str, str] | None = None
        ) -> tuple[int, dict[str, str], bytes]:
            head = [f"{method} {_PREFIX}{path} HTTP/1.1", "Host: 127.0.0.1"]
            head += [f"{k}: {v}" for k, v in (headers or {}).items()]
            head.append(f"Content-Length: {len(body)}")
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
            status_line = await reader.readuntil(b"\r\n")
            got: dict[str, str] = {}
            for _ in range(100):  # bounded header count
                line = (await reader.readuntil(b"\r\n")).decode("latin-1").strip()
                if not line:
                    break
                name, _, value = line.partition(":")
                got[name.strip().lower()] = value.strip()
            data = await reader.readexactly(int(got.get("content-length", "0")))
            return int(status_line.split()[1]), got, data

        if self._init is not None:
            await self._init(self.config)
        if self._handler is None:
            error = {
                "errorMessage": f"Handler '{self.config.handler}' missing on module",
                "errorType": "Runtime.HandlerNotFound",
                "stackTrace": [],
            }
            await call("POST", "/init/error", json.dumps(error).encode())
            raise GuestCrash(1 << 8)
        while True:  # one invocation per iteration, for the life of the fake environment
            status, headers, event = await call("GET", "/invocation/next")
            if status != 200:
                raise GuestCrash(1 << 8)
            rid = headers["lambda-runtime-aws-request-id"]
            context = FakeContext(
                request_id=rid,
                deadline_ms=int(headers.get("lambda-runtime-deadline-ms", "0")),
                function_arn=headers.get("lambda-runtime-invoked-function-arn", ""),
                environment=self.environment,
                log=self._log,
                state=self.state,
                env_id=self.config.env_id,
                tenant_id=headers.get("lambda-runtime-aws-tenant-id"),
                trace_id=headers.get("lambda-runtime-trace-id"),
            )
            try:
                result = await self._handler(event, context)
            except GuestCrash:
                raise
            except Exception as exc:
                error = {
                    "errorMessage": str(exc),
                    "errorType": type(exc).__name__,
                    "stackTrace": [],
                }
                await call(
                    "POST",
                    f"/invocation/{rid}/error",
                    json.dumps(error).encode(),
                    {"Lambda-Runtime-Function-Error-Type": type(exc).__name__},
                )
                continue
            await call("POST", f"/invocation/{rid}/response", result)

    def _log(self, line: str) -> None:
        with contextlib.suppress(OSError):
            os.write(self._log_w, line.encode() + b"\n")

    # -- SandboxProcess -----------------------------------------------------------------------
    @property
    def runtime_api_socket(self) -> socket.socket:
        return self._rapi

    @property
    def sdk_api_socket(self) -> socket.socket | None:
        return None

    @property
    def log_fd(self) -> int:
        return self._log_r

    async def wait_exit(self) -> GuestExit:
        return await asyncio.shield(self._exit)

    def kill(self) -> None:
        self._task.cancel()
        if not self._exit.done():
            self._exit.set_result(GuestExit(_KILLED, False))

    async def terminate(self, grace_s: float) -> None:
        self.kill()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task

    def settle(self) -> None:
        self.settled = True

    @property
    def channel_reach(self) -> Callable[[str | None], bool] | None:
        return None  # no network of its own to stand in the way

    def memory_peak_bytes(self) -> int:
        return self.memory_bytes

    async def release(self) -> None:
        await self.terminate(0.0)
        self._rapi.close()
        for fd in (self._log_r, self._log_w):
            with contextlib.suppress(OSError):
                os.close(fd)


class FakeBackend:
    def __init__(
        self,
        handlers: Mapping[str, FakeHandler],
        *,
        init: FakeInit | None = None,
        memory_bytes: int = 20 * 1024 * 1024,
    ) -> None:
        self._handlers = dict(handlers)
        self._init = init
        self._memory_bytes = memory_bytes
        self._root: tempfile.TemporaryDirectory[str] | None = None
        self.launches: list[LaunchConfig] = []
        self.processes: list[FakeProcess] = []
        self.started = False
        self.closed = False

    @property
    def isolated(self) -> bool:
        return False

    async def start(self) -> None:
        self._root = tempfile.TemporaryDirectory(prefix="stockade-fake-")
        self.started = True

    def code_root(self) -> Path:
        if self._root is None:
            raise EnvironmentStartError("backend not started")
        return Path(self._root.name)

    async def launch(self, config: LaunchConfig) -> SandboxProcess:
        guest_argv(config.runtime, GuestLayout(), config.code_dir, config.opt_dir)  # entrypoint
        self.launches.append(config)
        process = FakeProcess(
            config, self._handlers.get(config.handler), self._init, self._memory_bytes
        )
        self.processes.append(process)
        return process

    async def close(self) -> None:
        for process in self.processes:
            await process.release()
        if self._root is not None:
            self._root.cleanup()
            self._root = None
        self.closed = True
