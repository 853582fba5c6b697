"""Shared helpers for sandbox tests: specs, requests, function zips and a real-sandbox harness.

`SandboxHarness` runs ONE EnvironmentPool on the namespaces backend in a background event-loop
thread for the whole test session (starting the zygote and its probes once), and lets
synchronous tests submit invocations to it. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import importlib.util
import io
import os
import stat
import threading
import uuid
import zipfile
from collections.abc import Coroutine, Iterator, Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

import pytest

from stockade.sandbox import (
    CodeSource,
    EnvironmentPool,
    EnvironmentSpec,
    InMemoryLogSink,
    InvocationRequest,
    InvocationResult,
    PoolSettings,
    Runtime,
)

T = TypeVar("T")
ACCOUNT = "123456789012"
REGION = "us-east-1"


def function_arn(name: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:lambda:{REGION}:{account}:function:{name}"


def make_zip(files: Mapping[str, str | bytes], executable: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0))
            mode = 0o755 if name in executable else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()


def installed_path(module: str) -> Path:
    """Where an installed top-level package or module lives (found via importlib)."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise LookupError(module)
    origin = Path(spec.origin)
    return origin.parent if spec.submodule_search_locations else origin


def zip_with_packages(
    files: Mapping[str, str], modules: tuple[str, ...], executable: tuple[str, ...] = ()
) -> bytes:
    """A deployment package holding `files` plus installed packages copied from this venv."""
    contents: dict[str, str | bytes] = dict(files)
    for module in modules:
        path = installed_path(module)
        if path.is_file():
            contents[path.name] = path.read_bytes()
            continue
        for item in sorted(path.rglob("*")):
            if item.is_file() and "__pycache__" not in item.parts:
                contents[str(item.relative_to(path.parent))] = item.read_bytes()
    return make_zip(contents, executable)


def make_spec(
    code: bytes,
    *,
    name: str = "fn",
    runtime: Runtime = Runtime.PYTHON311,
    handler: str = "app.handler",
    account: str = ACCOUNT,
    version: str = "$LATEST",
    config_key: str = "c1",
    memory_mb: int = 256,
    timeout_s: int = 5,
    environment: Mapping[str, str] | None = None,
    layers: tuple[bytes, ...] = (),
    keep_alive_s: float = 300.0,
    max_lifetime_s: float = 14 * 3600.0,
    ephemeral_storage_mb: int = 512,
) -> EnvironmentSpec:
    return EnvironmentSpec(
        account_id=account,
        function_name=name,
        function_arn=function_arn(name, account),
        version=version,
        config_key=config_key,
        runtime=runtime,
        handler=handler,
        memory_mb=memory_mb,
        timeout_s=timeout_s,
        ephemeral_storage_mb=ephemeral_storage_mb,
        code=_source(account, code),
        region=REGION,
        environment=dict(environment or {}),
        layers=tuple(_source(account, layer) for layer in layers),
        keep_alive_s=keep_alive_s,
        max_lifetime_s=max_lifetime_s,
    )


def _source(account: str, data: bytes) -> CodeSource:
    return CodeSource(f"{account}/{uuid.uuid5(uuid.NAMESPACE_OID, data.hex()).hex}", lambda: data)


def make_request(spec: EnvironmentSpec, payload: bytes = b"{}") -> InvocationRequest:
    return InvocationRequest(str(uuid.uuid4()), spec.function_arn, payload)


def real_sandbox_unavailable() -> str | None:
    """Why real-sandbox tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "real sandboxes need root (cgroup v1 and uid maps)"
    if not Path("/sys/fs/cgroup/memory/cgroup.procs").exists():
        return "cgroup v1 memory controller not mounted"
    return None


def harness_fixture() -> Iterator[SandboxHarness]:
    """Body of the session fixture shared by tests/sandbox and tests/security."""
    reason = real_sandbox_unavailable()
    if reason is not None:
        pytest.skip(reason)
    harness = SandboxHarness()
    try:
        harness.start()
        yield harness
    finally:
        harness.close()


class SandboxHarness:
    """A real EnvironmentPool (namespaces backend) driven from synchronous tests."""

    _instances = 0

    def __init__(self, max_environments: int = 48) -> None:
        self.sink = InMemoryLogSink()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._max = max_environments
        self.pool: EnvironmentPool | None = None
        self.instance = ""

    def run(self, coro: Coroutine[Any, Any, T], timeout_s: float = 60.0) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout_s)

    def start(self) -> None:
        from stockade.sandbox.backends.namespaces.backend import (
            NamespaceBackend,
            NamespaceSettings,
        )

        async def start() -> EnvironmentPool:
            SandboxHarness._instances += 1
            instance = f"test-{os.getpid()}-{SandboxHarness._instances}"
            self.instance = instance
            backend = NamespaceBackend(NamespaceSettings(instance=instance))
            pool = EnvironmentPool.local(
                backend, self.sink, settings=PoolSettings(max_environments=self._max)
            )
            await pool.start()
            return pool

        self.pool = self.run(start())

    def invoke(
        self, spec: EnvironmentSpec, payload: bytes = b"{}", timeout_s: float = 60.0
    ) -> InvocationResult:
        assert self.pool is not None
        return self.run(self.pool.invoke(spec, make_request(spec, payload)), timeout_s)

    def close(self) -> None:
        try:
            if self.pool is not None:
                self.run(self.pool.close())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()
