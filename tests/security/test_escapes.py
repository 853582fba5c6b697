"""Escape and abuse attempts, each run as function code in a REAL sandbox via EnvironmentPool.

One named test per case. The hostile code lives in hostile.py (shipped as app.py); every test
asserts the attempt failed. Resource abuse tests also check that a healthy function keeps
being served correctly while the abuse is going on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stockade.sandbox import EnvironmentSpec, InvocationResult
from tests.sandbox.support import SandboxHarness, make_request, make_spec, make_zip

pytestmark = [pytest.mark.security, pytest.mark.slow]

HOSTILE = make_zip({"app.py": (Path(__file__).parent / "hostile.py").read_text()})
LAYER = make_zip({"python/layer_lib.py": "X = 1\n"})


def hostile(handler: str, **overrides: Any) -> EnvironmentSpec:
    options: dict[str, Any] = {
        "name": f"hostile-{handler}",
        "config_key": handler,
        "handler": f"app.{handler}",
    }
    options.update(overrides)
    return make_spec(HOSTILE, **options)


def invoke(
    sandbox: SandboxHarness,
    spec: EnvironmentSpec,
    event: dict[str, Any] | None = None,
) -> Any:
    result = sandbox.invoke(spec, json.dumps(event or {}).encode())
    assert result.function_error is None, result.payload
    return json.loads(result.payload)


def with_healthy_traffic(
    sandbox: SandboxHarness, abuse: EnvironmentSpec, event: dict[str, Any] | None = None
) -> InvocationResult:
    """Run `abuse` while another function is invoked repeatedly; all healthy calls must pass."""
    assert sandbox.pool is not None
    pool = sandbox.pool
    good = hostile("healthy", name=f"bystander-{uuid.uuid4().hex[:8]}")

    async def scenario() -> InvocationResult:
        attack = asyncio.ensure_future(
            pool.invoke(abuse, make_request(abuse, json.dumps(event or {}).encode()))
        )
        for i in range(200):  # bounded; stops once the abuse is over and 3 calls were served
            if attack.done() and i >= 3:
                break
            result = await pool.invoke(good, make_request(good, json.dumps({"i": i}).encode()))
            assert result.function_error is None, result.payload
            assert json.loads(result.payload)["echo"] == {"i": i}
            await asyncio.sleep(0.05)
        return await attack

    return sandbox.run(scenario(), timeout_s=90)


@pytest.fixture
def host_listener() -> Iterator[int]:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        yield server.getsockname()[1]


@pytest.fixture
def abstract_listener() -> Iterator[str]:
    name = f"stockade-security-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind("\0" + name)
        server.listen(1)
        yield name


def host_address() -> str:
    """A non-loopback address of this host (the default route's source), if any."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
            return str(probe.getsockname()[0])
        except OSError:
            return "10.0.2.15"


# -- filesystem ----------------------------------------------------------------------------
def test_host_files_outside_the_root_cannot_be_read(sandbox: SandboxHarness) -> None:
    secret_paths = [
        "/etc/shadow",
        "/root/.bashrc",
        str(Path(__file__).resolve()),
        "/proc/1/root/etc/shadow",
        "/sys/kernel/notes",
        "/proc/kcore",
    ]
    out = invoke(sandbox, hostile("read_host_files"), {"paths": secret_paths})
    for path, outcome in out["results"].items():
        assert outcome in ("ENOENT", "EACCES", "EPERM"), (path, outcome)
    assert out["root"] == [
        "bin",
        "dev",
        "etc",
        "lib",
        "lib64",
        "opt",
        "proc",
        "sbin",
        "tmp",
        "usr",
        "var",
    ]


def test_data_directories_and_the_code_cache_are_invisible(sandbox: SandboxHarness) -> None:
    paths = [
        "/run/stockade",
        "/var/lib/stockade",
        "/work",
        "/home",
        str(Path.cwd()),
        "/var/task/../../run",
    ]
    out = invoke(sandbox, hostile("read_host_files"), {"paths": paths})
    assert set(out["results"].values()) <= {"ENOENT", "EACCES"}


def test_function_code_and_layers_cannot_be_written(sandbox: SandboxHarness) -> None:
    paths = [
        "/var/task/app.py",
        "/var/task/new.py",
        "/opt/python/layer_lib.py",
        "/opt/new",
        "/var/runtime/new.py",
        "/usr/bin/evil",
        "/etc/passwd",
        "/new",
    ]
    out = invoke(sandbox, hostile("write_read_only", layers=(LAYER,)), {"paths": paths})
    for path in paths:
        assert out[path] in ("EROFS", "EACCES"), (path, out[path])
    assert out["chmod /var/task/app.py"] in ("EROFS", "EPERM")
    assert out["remount"] == "EPERM"


def test_tmp_of_another_environment_is_invisible(sandbox: SandboxHarness) -> None:
    writer = hostile("tmp_marker", name="tmp-writer")
    reader = hostile("tmp_marker", name="tmp-reader")
    assert invoke(sandbox, writer, {"write": "private"})["tmp"] == ["marker"]
    assert invoke(sandbox, reader)["tmp"] == []


# -- processes and memory ------------------------------------------------------------------
def test_processes_of_the_host_and_other_environments_are_invisible(
    sandbox: SandboxHarness,
) -> None:
    out = invoke(sandbox, hostile("processes"), {"host_pid": os.getpid()})
    assert out["pids"] == [1]  # the runtime is alone in its pid namespace
    assert out["my_pid"] == 1
    assert out["kill_host_pid"] == "ESRCH"


def test_memory_of_other_processes_cannot_be_read(sandbox: SandboxHarness) -> None:
    out = invoke(sandbox, hostile("memory_of_others"), {"host_pid": os.getpid()})
    assert out["child /proc/mem"] in ("EACCES", "EPERM")
    assert out["child /proc/environ"] in ("EACCES", "EPERM")
    assert out["process_vm_readv"] == "EPERM"
    assert out["ptrace_attach"] == "EPERM"
    assert out["ptrace_traceme"] == "EPERM"
    assert out["host pid process_vm_readv"] == "EPERM"


# -- network -------------------------------------------------------------------------------
def test_host_ports_are_unreachable_even_on_loopback(
    sandbox: SandboxHarness, host_listener: int, abstract_listener: str
) -> None:
    targets = [
        ["127.0.0.1", host_listener],
        [host_address(), host_listener],
        ["8.8.8.8", 53],
        ["169.254.169.254", 80],
    ]
    out = invoke(sandbox, hostile("network"), {"targets": targets, "abstract": abstract_listener})
    assert out["interfaces"] == ["lo"]
    assert out[f"127.0.0.1:{host_listener}"] == "ECONNREFUSED"
    for host, port in targets[1:]:
        assert out[f"{host}:{port}"] == "ENETUNREACH", host
    assert out["abstract"] == "ECONNREFUSED"


def test_ports_of_another_environment_are_unreachable(sandbox: SandboxHarness) -> None:
    assert invoke(sandbox, hostile("listen", name="listener"), {"port": 7777}) == "listening"
    out = invoke(
        sandbox,
        hostile("network", name="prober"),
        {"targets": [["127.0.0.1", 7777]], "abstract": "none"},
    )
    assert out["127.0.0.1:7777"] == "ECONNREFUSED"


# -- privileges and kernel surface ---------------------------------------------------------
def test_guest_runs_unprivileged_with_every_capability_dropped(sandbox: SandboxHarness) -> None:
    out = invoke(sandbox, hostile("identity"))
    status = out["status"]
    assert (out["uid"], out["gid"], out["groups"]) == (993, 990, [])
    for cap in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(status[cap], 16) == 0, cap
    assert status["NoNewPrivs"] == "1"
    assert status["Seccomp"] == "2"
    assert out["hostname"] == "sandbox"
    for point in ("/", "/usr", "/var/task", "/var/runtime"):
        assert out["mounts"][point].startswith("ro,"), point
        assert "nosuid" in out["mounts"][point], point
    assert "nosuid" in out["mounts"]["/tmp"]


@pytest.mark.parametrize(
    "call",
    [
        "mount",
        "umount",
        "unshare_user",
        "unshare_net",
        "clone_newuser",
        "setns",
        "keyctl",
        "add_key",
        "bpf",
        "perf_event_open",
        "userfaultfd",
        "chroot",
        "sethostname",
        "mknod",
        "setuid_root",
        "io_uring_setup",
    ],
)
def test_privileged_kernel_calls_are_refused(sandbox: SandboxHarness, call: str) -> None:
    out = invoke(sandbox, hostile("kernel_surface"))
    assert out[call] in ("EPERM", "ENOSYS"), (call, out[call])


def test_rlimits_cannot_be_raised(sandbox: SandboxHarness) -> None:
    out = invoke(sandbox, hostile("raise_rlimits"))
    assert out["nofile_hard"] == "1024"
    assert out["nofile"] in ("ValueError", "EPERM")
    assert out["core"] in ("ValueError", "EPERM")


LAMBDA_VARIABLES = {
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_LAMBDA_RUNTIME_API",
    "_HANDLER",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_EXECUTION_ENV",
    "TZ",
    "LANG",
    "PATH",
    "LD_LIBRARY_PATH",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_ENDPOINT_URL",
    "PYTHONPATH",
}


def test_host_environment_variables_are_invisible(
    sandbox: SandboxHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STOCKADE_TEST_HOST_SECRET", "must-not-leak")
    spec = hostile("identity", config_key="identity-env", environment={"FUNCTION_VAR": "mine"})
    environ = invoke(sandbox, spec)["environ"]
    assert environ["FUNCTION_VAR"] == "mine"
    assert set(environ) - {"FUNCTION_VAR"} <= LAMBDA_VARIABLES
    assert "must-not-leak" not in json.dumps(environ)


# -- resource abuse --------------------------------------------------------------------------
def test_fork_bomb_is_contained_by_the_pids_limit(sandbox: SandboxHarness) -> None:
    spec = hostile("fork_bomb", memory_mb=1769, timeout_s=20)
    result = with_healthy_traffic(sandbox, spec)
    assert result.function_error is None, result.payload
    out = json.loads(result.payload)
    assert out["failure"] == "EAGAIN"
    assert out["children"] < 1024


def test_memory_bomb_is_killed_as_out_of_memory(sandbox: SandboxHarness) -> None:
    result = with_healthy_traffic(sandbox, hostile("memory_bomb", memory_mb=128, timeout_s=20))
    assert result.error_type == "Runtime.OutOfMemory"
    assert json.loads(result.payload)["errorMessage"].endswith(
        "Runtime exited with error: signal: killed"
    )
    assert result.max_memory_used_mb >= 120


def test_infinite_loop_is_stopped_by_the_timeout(sandbox: SandboxHarness) -> None:
    spec = hostile("infinite_loop", memory_mb=1769, timeout_s=1)
    result = with_healthy_traffic(sandbox, spec)
    assert result.error_type == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in json.loads(result.payload)["errorMessage"]
    with contextlib.suppress(Exception):
        assert sandbox.pool is not None
        assert spec.warm_key not in sandbox.pool.stats().by_key
