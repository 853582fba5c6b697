"""Pool behaviour with real sandboxes: concurrency, warm state, isolation between keys."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import uuid
from pathlib import Path

import pytest

from stockade.sandbox import (
    ChannelOrigin,
    EnvironmentPool,
    InMemoryLogSink,
    SandboxUnavailableError,
)
from stockade.sandbox.backends.namespaces.backend import NamespaceBackend, NamespaceSettings
from stockade.sandbox.backends.unsafe import UnsafeBackend
from stockade.sandbox.sdk_address import SdkAddress
from tests.sandbox.support import (
    ACCOUNT,
    SandboxHarness,
    make_request,
    make_spec,
    make_zip,
    real_sandbox_unavailable,
)

pytestmark = pytest.mark.slow

STATEFUL = """
import os, time, json
COUNT = 0
def handler(event, context):
    global COUNT
    COUNT += 1
    if event.get("write"):
        with open("/tmp/state.txt", "w") as f:
            f.write(event["write"])
    try:
        with open("/tmp/state.txt") as f:
            tmp = f.read()
    except FileNotFoundError:
        tmp = None
    active = "/tmp/active"
    if os.path.exists(active):
        raise RuntimeError("two invocations in one environment at once")
    open(active, "w").close()
    try:
        time.sleep(event.get("sleep", 0))
    finally:
        os.unlink(active)
    return {"count": COUNT, "tmp": tmp, "env": os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]}
"""


def body(raw: bytes) -> dict[str, object]:
    value = json.loads(raw)
    assert isinstance(value, dict)
    return value


def test_concurrent_invokes_create_one_environment_each(sandbox: SandboxHarness) -> None:
    assert sandbox.pool is not None
    pool = sandbox.pool
    spec = make_spec(make_zip({"app.py": STATEFUL}), name="concurrent", config_key=uuid.uuid4().hex)

    async def burst(n: int) -> list[dict[str, object]]:
        calls = [pool.invoke(spec, make_request(spec, b'{"sleep": 0.3}')) for _ in range(n)]
        return [body(r.payload) for r in await asyncio.gather(*calls)]

    first = sandbox.run(burst(4))
    assert len({r["env"] for r in first}) == 4
    assert all(r["count"] == 1 for r in first)
    second = sandbox.run(burst(4))
    assert {r["env"] for r in second} == {r["env"] for r in first}  # all warm
    assert all(r["count"] == 2 for r in second)


def test_globals_and_tmp_persist_across_warm_invokes(sandbox: SandboxHarness) -> None:
    spec = make_spec(make_zip({"app.py": STATEFUL}), name="warm", config_key=uuid.uuid4().hex)
    first = body(sandbox.invoke(spec, b'{"write": "kept"}').payload)
    second = body(sandbox.invoke(spec).payload)
    assert second["env"] == first["env"]
    assert second["count"] == 2
    assert second["tmp"] == "kept"


@pytest.mark.parametrize("change", ["version", "name", "account"])
def test_globals_and_tmp_never_cross_versions_functions_or_accounts(
    sandbox: SandboxHarness, change: str
) -> None:
    code = make_zip({"app.py": STATEFUL})
    key = uuid.uuid4().hex
    one = make_spec(code, name="crossing", config_key=key)
    other = {
        "version": {"version": "7"},
        "name": {"name": "crossing-2"},
        "account": {"account": "210987654321"},
    }[change]
    two = make_spec(code, config_key=key, **{"name": "crossing", **other})  # type: ignore[arg-type]
    sandbox.invoke(one, b'{"write": "secret of one"}')
    seen = body(sandbox.invoke(two).payload)
    assert seen["tmp"] is None
    assert seen["count"] == 1


@pytest.mark.parametrize(
    "address",
    [
        SdkAddress("http://127.0.0.1:9000"),
        # The server's own URL: a non-loopback address joins the guest's lo, a host name its
        # /etc/hosts, and the CA its /etc.
        SdkAddress("https://10.11.12.13:9443", ca_pem="-----BEGIN CERTIFICATE-----\nx\n"),
        SdkAddress("https://stockade.internal:9444"),
    ],
    ids=["default", "ipv4", "host-name"],
)
def test_sdk_endpoint_reaches_the_api_connection_callback(address: SdkAddress) -> None:
    reason = real_sandbox_unavailable()
    if reason:
        pytest.skip(reason)
    code = (
        "import os, socket, urllib.parse\n"
        "def handler(event, context):\n"
        "    url = urllib.parse.urlsplit(os.environ['AWS_ENDPOINT_URL'])\n"
        "    ca = os.environ.get('AWS_CA_BUNDLE')\n"
        "    assert ca is None or open(ca).read().startswith('-----BEGIN')\n"
        "    with socket.create_connection((url.hostname, url.port), timeout=5) as s:\n"
        "        s.sendall(b'ping')\n"
        "        return s.recv(16).decode() + ' ' + (ca or '')\n"
    )
    seen: list[bytes] = []
    origins: list[ChannelOrigin] = []

    def on_api_connection(conn: socket.socket, origin: ChannelOrigin) -> bool:
        origins.append(origin)
        with conn:
            conn.setblocking(True)
            conn.settimeout(5)
            seen.append(conn.recv(16))
            conn.sendall(b"pong")
        return True

    async def scenario() -> bytes:
        backend = NamespaceBackend(
            NamespaceSettings(instance=f"sdk-{os.getpid()}", prewarm_shells=0, sdk=address)
        )
        pool = EnvironmentPool.local(
            backend, InMemoryLogSink(), on_api_connection=on_api_connection
        )
        await pool.start()
        try:
            spec = make_spec(make_zip({"app.py": code}), name="sdk-client")
            return (await pool.invoke(spec, make_request(spec))).payload
        finally:
            await pool.close()

    assert json.loads(asyncio.run(scenario())) == f"pong {address.ca_file or ''}"
    assert seen == [b"ping"]
    assert [origin.account_id for origin in origins] == [ACCOUNT]


def test_the_servers_private_umask_does_not_reach_the_sandbox() -> None:
    """The server runs with umask 0o077 (its data dir is private); the sandbox's directories
    must still be searchable by the guest uid, and functions get the conventional 0o022."""
    reason = real_sandbox_unavailable()
    if reason is not None:
        pytest.skip(reason)
    # A scratch parent of its own, created under the private umask, as on a fresh host.
    parent = Path(f"/run/stockade-umask-test-{os.getpid()}")
    code = (
        "import os\ndef handler(event, context):\n    open('/tmp/f', 'w').close()\n"
        "    return oct(os.stat('/tmp/f').st_mode & 0o777)\n"
    )

    async def scenario() -> bytes:
        settings = NamespaceSettings(
            instance=f"umask-{os.getpid()}", scratch_parent=parent, prewarm_shells=0
        )
        pool = EnvironmentPool.local(NamespaceBackend(settings), InMemoryLogSink())
        await pool.start()
        try:
            spec = make_spec(make_zip({"app.py": code}), name="umask")
            result = await pool.invoke(spec, make_request(spec))
            assert result.function_error is None, result.payload
            return result.payload
        finally:
            await pool.close()

    previous = os.umask(0o077)
    try:
        assert json.loads(asyncio.run(scenario())) == "0o644"
    finally:
        os.umask(previous)
        with contextlib.suppress(OSError):
            parent.rmdir()


def test_unsafe_backend_runs_functions_without_isolation() -> None:
    code = "import os\ndef handler(event, context):\n    return {'uid': os.getuid(), 'e': event}\n"

    async def scenario() -> bytes:
        pool = EnvironmentPool.local(UnsafeBackend(), InMemoryLogSink())
        await pool.start()
        try:
            spec = make_spec(make_zip({"app.py": code}), name="unsafe")
            result = await pool.invoke(spec, make_request(spec, b'{"x": 1}'))
            assert result.function_error is None, result.payload
            return result.payload
        finally:
            await pool.close()

    assert body(asyncio.run(scenario()))["e"] == {"x": 1}


def test_start_names_the_missing_primitive(tmp_path: Path) -> None:
    async def start(settings: NamespaceSettings) -> None:
        backend = NamespaceBackend(settings)
        await backend.start()
        await backend.close()

    no_python = NamespaceSettings(instance="np", python=tmp_path / "python3.11")
    with pytest.raises(SandboxUnavailableError, match=r"python3\.11"):
        asyncio.run(start(no_python))
    no_cgroups = NamespaceSettings(
        instance="nc", cgroup_root=tmp_path, scratch_parent=tmp_path / "run"
    )
    with pytest.raises(SandboxUnavailableError, match="cgroup v1 memory controller") as info:
        asyncio.run(start(no_cgroups))
    assert info.value.primitive == "cgroup v1 memory controller"


def test_all_sandboxes_together_are_bounded_in_pids_and_memory(sandbox: SandboxHarness) -> None:
    pid_max = int(Path("/proc/sys/kernel/pid_max").read_text())
    pids = Path("/sys/fs/cgroup/pids/stockade", sandbox.instance, "pids.max").read_text()
    assert int(pids) <= pid_max // 2 or int(pids) == 1024
    memory = Path("/sys/fs/cgroup/memory/stockade", sandbox.instance, "memory.limit_in_bytes")
    assert int(memory.read_text()) < os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
