"""Kept runtime versions run in real sandboxes: a Stockade runtime update, simulated.

Two "installations" of Stockade ship different runtime files (the installed ones with a marker
the runtime itself sets at start), one after the other over the same runtime version store. A
function pinned to the first version still runs the first version's runtime code after the
update; one that follows the newest runs the second's; the installed version runs the runtime
the zygote pre-imported. The marker is set by runtime code, so reading it from the handler
shows which runtime ran, from inside.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path

import pytest

from stockade.sandbox import EnvironmentPool, InMemoryLogSink, Runtime
from stockade.sandbox.backends.unsafe import UnsafeBackend
from stockade.sandbox.runtime_bundle import RuntimeVersionSource
from stockade.sandbox.runtime_versions import (
    InstalledRuntimeFiles,
    RuntimeVersions,
    RuntimeVersionStore,
)
from tests.sandbox.support import SandboxHarness, make_request, make_spec, make_zip
from tests.support.runtime_files import Shipped

pytestmark = pytest.mark.slow

PYTHON_APP = make_zip(
    {
        "app.py": (
            "import os\n"
            "def handler(event, context):\n"
            "    return {'marker': os.environ.get('RUNTIME_MARKER')}\n"
        )
    }
)
NODE_APP = make_zip(
    {"index.js": "exports.handler = async () => ({marker: process.env.RUNTIME_MARKER || null});\n"}
)


def marker(
    sandbox: SandboxHarness,
    name: str,
    runtime: Runtime,
    source: RuntimeVersionSource,
) -> object:
    node = runtime is Runtime.NODEJS20
    spec = make_spec(
        NODE_APP if node else PYTHON_APP,
        name=name,
        runtime=runtime,
        handler="index.handler" if node else "app.handler",
        memory_mb=512 if node else 256,
        config_key=source.digest[:16],
    )
    spec = replace(spec, runtime_version=source)
    result = sandbox.invoke(spec)
    assert result.function_error is None, result.payload
    return json.loads(result.payload)["marker"]


@pytest.mark.parametrize("runtime", [Runtime.PYTHON311, Runtime.NODEJS20])
def test_a_pinned_function_keeps_its_runtime_after_an_update(
    sandbox: SandboxHarness, tmp_path: Path, runtime: Runtime
) -> None:
    store = RuntimeVersionStore(tmp_path / "runtimes")
    before = RuntimeVersions(store, Shipped("v1"))
    pinned = before.newest(runtime.value)
    assert marker(sandbox, f"pinned-{runtime.name}", runtime, before.source(pinned)) == "v1"
    after = RuntimeVersions(store, Shipped("v2"))  # Stockade's runtime files were updated
    newest = after.newest(runtime.value)
    assert newest != pinned
    assert after.runtime_of(pinned) == runtime.value  # kept although no longer shipped
    assert marker(sandbox, f"pinned2-{runtime.name}", runtime, after.source(pinned)) == "v1"
    assert marker(sandbox, f"auto-{runtime.name}", runtime, after.source(newest)) == "v2"


@pytest.mark.parametrize("runtime", [Runtime.PYTHON311, Runtime.NODEJS20])
def test_the_installed_version_runs_the_installed_runtime(
    sandbox: SandboxHarness, tmp_path: Path, runtime: Runtime
) -> None:
    versions = RuntimeVersions(RuntimeVersionStore(tmp_path / "runtimes"), InstalledRuntimeFiles())
    source = versions.source(versions.newest(runtime.value))
    assert marker(sandbox, f"installed-{runtime.name}", runtime, source) is None


@pytest.mark.parametrize("runtime", [Runtime.PYTHON311, Runtime.NODEJS20])
def test_the_unsafe_backend_runs_kept_versions_too(tmp_path: Path, runtime: Runtime) -> None:
    """--unsafe-no-sandbox starts a fresh interpreter per environment: same kept copies."""
    store = RuntimeVersionStore(tmp_path / "runtimes")
    pinned = RuntimeVersions(store, Shipped("v1")).newest(runtime.value)
    after = RuntimeVersions(store, Shipped("v2"))
    node = runtime is Runtime.NODEJS20

    async def scenario() -> list[object]:
        pool = EnvironmentPool.local(UnsafeBackend(), InMemoryLogSink())
        await pool.start()
        markers: list[object] = []
        try:
            for digest in (pinned, after.newest(runtime.value)):
                spec = make_spec(
                    NODE_APP if node else PYTHON_APP,
                    name=f"unsafe-{runtime.name}",
                    runtime=runtime,
                    handler="index.handler" if node else "app.handler",
                    config_key=digest[:16],
                )
                spec = replace(spec, runtime_version=after.source(digest))
                result = await pool.invoke(spec, make_request(spec))
                assert result.function_error is None, result.payload
                markers.append(json.loads(result.payload)["marker"])
        finally:
            await pool.close()
        return markers

    assert asyncio.run(scenario()) == ["v1", "v2"]
