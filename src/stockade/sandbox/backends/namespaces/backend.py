"""NamespaceBackend: sandboxes cloned by a zygote, pre-spawned as generic "shells".

A shell is a sandbox that already has its namespaces, uid map, cgroups (the slow attach is
off the hot path, in a worker thread), listening sockets and a pivoted read-only root, but no
function yet. `launch` takes a shell, asks the zygote for detached read-only clones of the
code, layer and runtime trees, sets the function's memory/CPU limits, sends the shell the
per-environment configuration with those trees (the only message that carries tenant data),
and waits until the guest has dropped its privileges and is about to run.

Host resources per environment: one process, ~6 file descriptors, three cgroups.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

from stockade.sandbox.backend import LaunchConfig, SandboxProcess
from stockade.sandbox.backends.namespaces.cgroups import CgroupSet, CgroupV1
from stockade.sandbox.backends.namespaces.process import NamespaceSandbox
from stockade.sandbox.backends.namespaces.zygote_client import ZygoteClient
from stockade.sandbox.entrypoint import guest_argv
from stockade.sandbox.errors import (
    CapacityError,
    EnvironmentStartError,
    SandboxUnavailableError,
)
from stockade.sandbox.guest import channel, jail
from stockade.sandbox.guest_env import GuestLayout
from stockade.sandbox.guest_loader import GUEST_DIR
from stockade.sandbox.limits import LimitsPolicy, default_policy_dir
from stockade.sandbox.network.default_network import DefaultNetwork
from stockade.sandbox.network.errors import NetworkError
from stockade.sandbox.network.vpc_network import VpcNetwork
from stockade.sandbox.proc_masks import ProcMasks
from stockade.sandbox.runtime_versions import InstalledDigests, node_argv, python_sources
from stockade.sandbox.sdk_address import SdkAddress
from stockade.sandbox.sdk_packages import sdk_package_paths
from stockade.sandbox.spec import Runtime

GUEST_UID = 993  # Lambda's sbx_user1051
GUEST_GID = 990
UID_RANGE = 65536  # per sandbox: 0..65535 inside, a distinct host range per slot
SHELL_MEMORY_BYTES = 64 * 1024 * 1024
# Pre-warming shells must not steal CPU from environments being launched or invoked.
PREWARM_CPU_SHARES = 64
ACTIVE_CPU_SHARES = 1024
REFILL_DELAY_S = 0.02
SCRATCH_DIR_MODE = 0o711  # search only: others reach what is below, never list it
SETUP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class NamespaceSettings:
    instance: str
    # A concrete interpreter under /usr (which sandboxes see read-only), never a PATH shim.
    python: Path = Path("/usr/bin/python3.11")
    scratch_parent: Path = Path("/run/stockade")
    scratch_mb: int = 4096  # tmpfs cap for the code cache; pages are used only when written
    seccomp_policy: Path = field(
        default_factory=lambda: default_policy_dir() / "seccomp" / "x86_64.json"
    )
    limits: LimitsPolicy = field(
        default_factory=lambda: LimitsPolicy.load(default_policy_dir() / "limits.json")
    )
    # boto3 & co., assembled into /var/runtime for Python guests, as Lambda ships them.
    python_packages: tuple[Path, ...] = field(default_factory=sdk_package_paths)
    node_runtime_dir: Path | None = GUEST_DIR / "node"  # copied by the zygote; None: no Node.js
    proc_masks: ProcMasks = field(
        default_factory=lambda: ProcMasks.load(default_policy_dir() / "proc_masks.json")
    )
    # Where guests reach the API: the server's own URL (see sandbox/sdk_address.py).
    sdk: SdkAddress = field(default_factory=lambda: SdkAddress("http://127.0.0.1:9000"))
    cgroup_parent: str | None = None
    cgroup_root: Path = Path("/sys/fs/cgroup")  # where the v1 controllers are mounted
    prewarm_shells: int = 2
    max_sandboxes: int = 1000
    uid_base: int = 1_000_000_000
    host_cpus: int = field(default_factory=lambda: os.cpu_count() or 1)
    # The Lambda-like default network (outbound through NAT); None: loopback and the channel.
    network: DefaultNetwork | None = field(default=None, compare=False)
    # Functions with a VpcConfig (needs `network`); None: a VpcConfig cannot be honoured.
    vpc: VpcNetwork | None = field(default=None, compare=False)


_HINTS = {
    "user namespaces": " (check /proc/sys/user/max_user_namespaces and"
    " kernel.unprivileged_userns_clone; container runtimes often forbid nested user namespaces)",
    "network namespaces": " (check /proc/sys/user/max_net_namespaces)",
    "seccomp": " (the kernel needs CONFIG_SECCOMP_FILTER)",
}


class NamespaceBackend:
    def __init__(self, settings: NamespaceSettings) -> None:
        self._s = settings
        self._scratch = settings.scratch_parent / settings.instance
        self._cgroups = CgroupV1(
            settings.instance, mount_root=settings.cgroup_root, parent=settings.cgroup_parent
        )
        self._zygote = ZygoteClient(settings.python)
        self._free_slots = list(range(settings.max_sandboxes - 1, -1, -1))
        self._shells: list[NamespaceSandbox] = []
        # Shells already moved into a VPC's router: the next launch there skips the move.
        self._vpc_shells: dict[tuple[str, str], list[NamespaceSandbox]] = {}
        self._vpc_refills: set[asyncio.Task[None]] = set()
        self._live: set[NamespaceSandbox] = set()
        self._refill: asyncio.Task[None] | None = None
        self._names = itertools.count()
        self._closed = False
        self._installed = InstalledDigests()

    @property
    def isolated(self) -> bool:
        return True

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def zygote_pid(self) -> int:
        return self._zygote.pid

    async def start(self) -> None:
        """Start the zygote and prove every isolation primitive works here, or raise.

        Raises SandboxUnavailableError naming the first missing primitive ("user namespaces",
        "cgroup v1 memory controller", ...): the server must refuse to run functions rather
        than run them with less isolation than configured.
        """
        if not self._s.python.is_file():
            raise SandboxUnavailableError("python3.11", f"{self._s.python} not found")
        _searchable_dirs(self._scratch)
        network = self._s.network
        try:
            extra_etc: dict[str, str] = {}
            if network is not None:
                try:
                    await network.start()
                except NetworkError as exc:
                    raise SandboxUnavailableError("function network", str(exc)) from exc
                # Names resolve through the platform's resolver on the gateway.
                extra_etc["resolv.conf"] = f"nameserver {network.plan.gateway}\n"
                extra_etc["nsswitch.conf"] = "passwd: files\ngroup: files\nhosts: files dns\n"
                if self._s.vpc is not None:
                    await self._s.vpc.start()
            self._cgroups.setup()
            self._cgroups.limit_instance(*_instance_limits(self._s.limits))
            await self._zygote.start(
                self._scratch,
                self._s.scratch_mb,
                self._s.seccomp_policy,
                list(self._s.python_packages),
                self._s.node_runtime_dir,
                self._s.proc_masks,
                self._s.sdk,
                extra_etc,
            )
            results = await self.probe()
            for primitive, outcome in results.items():
                if outcome != "ok":
                    raise SandboxUnavailableError(primitive, outcome + _HINTS.get(primitive, ""))
            try:  # one complete shell proves the combination (maps, cgroup attach, pivot)
                first = await self._spawn_shell()
            except EnvironmentStartError as exc:
                raise SandboxUnavailableError("sandbox", str(exc)) from exc
            if self._s.prewarm_shells > 0:
                self._shells.append(first)
            else:
                await self._release(first)
        except BaseException:
            await self._zygote.close()
            if self._s.vpc is not None:
                await self._s.vpc.close()
            if network is not None:
                await network.close()
            self._cgroups.teardown()
            with contextlib.suppress(OSError):
                self._scratch.rmdir()
            raise
        self._schedule_refill()

    async def probe(self) -> dict[str, str]:
        """{primitive: "ok" | reason}, each tried in a throwaway child of the zygote."""
        reply, _ = await self._zygote.request({"op": "probe"}, [])
        if not reply.get("ok"):
            raise SandboxUnavailableError("zygote", str(reply.get("error")))
        return {str(k): str(v) for k, v in dict(reply.get("results", {})).items()}

    def code_root(self) -> Path:
        return Path(f"/proc/{self._zygote.pid}/root{self._scratch}/code")

    def _in_zygote(self, host_path: Path) -> Path:
        """The same directory as the zygote's mount namespace names it."""
        return self._scratch / "code" / host_path.relative_to(self.code_root())

    # -- shells -----------------------------------------------------------------------------
    def _schedule_refill(self) -> None:
        if self._closed or self._s.prewarm_shells <= 0:
            return
        if self._refill is None or self._refill.done():
            self._refill = asyncio.get_running_loop().create_task(self._fill())

    async def _fill(self) -> None:
        await asyncio.sleep(REFILL_DELAY_S)  # let the launch that consumed a shell finish first
        for _ in range(self._s.prewarm_shells):  # bounded
            if self._closed or len(self._shells) >= self._s.prewarm_shells:
                return
            try:
                shell = await self._spawn_shell()
            except (EnvironmentStartError, CapacityError, OSError):
                return
            if self.closed:  # closed while we were spawning
                await shell.release()
                return
            self._shells.append(shell)

    async def _spawn_shell(self) -> NamespaceSandbox:
        if not self._free_slots:
            raise CapacityError("no free sandbox slot")
        slot = self._free_slots.pop()
        name = f"sbx{next(self._names)}"
        try:
            cg = self._cgroups.create(name, self._s.limits.pids_max, self._s.limits.cpu_period_us)
        except OSError as exc:
            self._free_slots.append(slot)
            raise EnvironmentStartError(f"cgroup creation failed: {exc}") from exc
        CgroupV1.set_memory(cg, SHELL_MEMORY_BYTES)
        CgroupV1.set_cpu_shares(cg, PREWARM_CPU_SHARES)
        host_ctrl, child_ctrl = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        log_r, log_w = os.pipe2(os.O_CLOEXEC)
        body = {"op": "spawn", "guest_uid": GUEST_UID, "guest_gid": GUEST_GID}
        try:
            reply, fds = await self._zygote.request(body, [child_ctrl.fileno(), log_w])
            if not reply.get("ok") or len(fds) != 1:
                for fd in fds:
                    os.close(fd)
                raise EnvironmentStartError(f"zygote could not spawn: {reply.get('error')}")
        except BaseException:
            host_ctrl.close()
            os.close(log_r)
            # A half-made child may still be leaving the cgroup: rmdir retries, off the loop.
            await asyncio.get_running_loop().run_in_executor(None, _remove_quietly, cg)
            self._free_slots.append(slot)
            raise
        finally:
            child_ctrl.close()
            os.close(log_w)

        async def on_release() -> None:
            self._live.discard(sandbox)
            if self._s.vpc is not None:  # before the slot (and its names) can be reused
                await self._s.vpc.detach(slot)
            if self._s.network is not None:
                self._s.network.forget(slot)
            self._free_slots.append(slot)

        pid = int(reply["pid"])
        sandbox = NamespaceSandbox(pid, fds[0], host_ctrl, log_r, cg, on_release, slot)
        self._live.add(sandbox)
        uid_base = self._s.uid_base + slot * UID_RANGE
        try:
            # Off the event loop: a cgroup attach may wait for an RCU grace period.
            await asyncio.get_running_loop().run_in_executor(
                None, _admit, pid, uid_base, [str(d) for d in cg.dirs]
            )
            go: dict[str, object] = {}
            if self._s.network is not None:
                try:
                    go["interface"] = await self._s.network.plug(pid, slot)
                except NetworkError as exc:
                    raise EnvironmentStartError(f"network setup failed: {exc}") from exc
            sandbox.send(channel.GO, go)
            kind, _, sockets = await sandbox.next_message(SETUP_TIMEOUT_S)
            if kind != channel.SHELL_READY or len(sockets) != 2:
                for fd in sockets:
                    os.close(fd)
                raise EnvironmentStartError("sandbox sent an unexpected first message")
            sandbox.attach_sockets(
                socket.socket(fileno=sockets[0]), socket.socket(fileno=sockets[1])
            )
        except BaseException:
            await self._release(sandbox)
            raise
        return sandbox

    async def _release(self, sandbox: NamespaceSandbox) -> None:
        await sandbox.release()  # its on_release frees the slot and forgets it

    # -- launch -----------------------------------------------------------------------------
    async def launch(self, config: LaunchConfig) -> SandboxProcess:
        if self._closed:
            raise EnvironmentStartError("backend closed")
        layout = GuestLayout(sdk_endpoint=self._s.sdk.endpoint, sdk_ca_file=self._s.sdk.ca_file)
        argv = guest_argv(config.runtime, layout, config.code_dir, config.opt_dir)
        kept = self._installed.kept(config.runtime_files, config.runtime)
        if kept is not None and config.runtime is Runtime.NODEJS20:
            argv = node_argv(argv[0], kept)
        shell = self._prepared_shell(config)
        if shell is None:
            shell = self._shells.pop() if self._shells else await self._spawn_shell()
            self._schedule_refill()
        trees: list[int] = []
        cloning = asyncio.ensure_future(self._clone_trees(config))
        # The VPC attachment overlaps the cloning; both end before the guest is configured.
        attaching = (
            asyncio.ensure_future(self._attach_vpc(shell, config))
            if config.vpc is not None
            else None
        )
        try:
            await asyncio.sleep(0)  # let the request reach the zygote; set limits meanwhile
            limits, cpus = self._s.limits, self._s.host_cpus
            CgroupV1.set_memory(shell.cgroups, config.memory_mb * 1024 * 1024)
            CgroupV1.set_cpu_quota(shell.cgroups, limits.init_quota_us(config.memory_mb, cpus))
            CgroupV1.set_cpu_shares(shell.cgroups, ACTIVE_CPU_SHARES)
            shell.steady_cpu_quota_us = limits.cpu_quota_us(config.memory_mb, cpus)
            CgroupV1.reset_max_usage(shell.cgroups)
            if attaching is not None:
                await attaching
            elif self._s.network is not None:
                self._s.network.watch(shell.slot, config.account_id, config.function_name)
            points, trees = await cloning
            body = {
                "trees": points,
                "tmp_mb": config.ephemeral_storage_mb,
                "rlimits": {"nofile": limits.rlimit_nofile, "core": limits.rlimit_core},
                "env": dict(config.build_environment(layout)),
                "argv": argv,
                "handler": config.handler,
                "cwd": layout.task_root,
            }
            if kept is not None and config.runtime is Runtime.PYTHON311:
                body["runtime_sources"] = python_sources(kept)
            shell.send(channel.CONFIGURE, body, trees)
            del body  # holds the function's environment (secrets)
            kind, reply, _ = await shell.next_message(SETUP_TIMEOUT_S)
            if kind != channel.STARTED:
                raise EnvironmentStartError(f"sandbox setup failed: {reply.get('error', kind)}")
        except BaseException:
            if not cloning.done():
                cloning.cancel()
            with contextlib.suppress(BaseException):
                _, trees = await cloning  # close whatever the zygote sent
            if attaching is not None:
                attaching.cancel()
                await asyncio.gather(attaching, return_exceptions=True)
            await self._release(shell)
            raise
        finally:
            for fd in trees:
                os.close(fd)
        return shell

    async def _attach_vpc(self, shell: NamespaceSandbox, config: LaunchConfig) -> None:
        assert config.vpc is not None
        if self._s.vpc is None:
            raise EnvironmentStartError("function networking is off: a VpcConfig cannot be met")
        vpc, slot = self._s.vpc, shell.slot
        try:
            await vpc.attach(shell.pid, slot, config.vpc)
        except NetworkError as exc:
            raise EnvironmentStartError(f"VPC attachment failed: {exc}") from exc
        shell.reachability = lambda service: vpc.reaches_service(slot, service)
        key = vpc.router_of(config.vpc)
        if key is not None and not self._vpc_shells.get(key) and not self._closed:
            task = asyncio.get_running_loop().create_task(self._prepare_for(key))
            self._vpc_refills.add(task)
            task.add_done_callback(self._vpc_refills.discard)

    def _prepared_shell(self, config: LaunchConfig) -> NamespaceSandbox | None:
        if config.vpc is None or self._s.vpc is None:
            return None
        key = self._s.vpc.router_of(config.vpc)
        ready = self._vpc_shells.get(key) if key is not None else None
        return ready.pop() if ready else None

    async def _prepare_for(self, key: tuple[str, str]) -> None:
        """One shell waiting in the router of a VPC that just launched an environment."""
        assert self._s.vpc is not None
        await asyncio.sleep(REFILL_DELAY_S)  # after the launch that asked for it
        try:
            shell = await self._spawn_shell()
        except (EnvironmentStartError, CapacityError, OSError):
            return
        try:
            ready = await self._s.vpc.prepare(shell.slot, key) and not self._closed
        except NetworkError:
            ready = False
        if not ready:
            await self._release(shell)
            return
        self._vpc_shells.setdefault(key, []).append(shell)

    async def _clone_trees(self, config: LaunchConfig) -> tuple[list[str], list[int]]:
        """Ask the zygote for detached read-only trees: (guest mountpoints, fds)."""
        wanted: list[tuple[str, Path, bool]] = [
            ("/var/task", self._in_zygote(config.code_dir), False)
        ]
        if config.opt_dir is not None:
            wanted.append(("/opt", self._in_zygote(config.opt_dir), False))
        runtime_dir = self._runtime_dir(config)
        if runtime_dir is not None:
            # A plain directory of the zygote's tmpfs (copies, not binds of host paths).
            wanted.append(("/var/runtime", runtime_dir, False))
        request = {
            "op": "trees",
            "trees": [{"path": str(path), "recursive": rec} for _, path, rec in wanted],
        }
        reply, fds = await self._zygote.request(request, [])
        if not reply.get("ok") or len(fds) != len(wanted):
            for fd in fds:
                os.close(fd)
            raise EnvironmentStartError(f"zygote could not prepare the code: {reply.get('error')}")
        return [point for point, _, _ in wanted], fds

    def _runtime_dir(self, config: LaunchConfig) -> Path | None:
        """Lambda's /var/runtime: paths as the zygote's mount namespace sees them."""
        if config.runtime is Runtime.PYTHON311:
            return self._scratch / "runtime-python"
        if config.runtime is Runtime.NODEJS20 and self._s.node_runtime_dir is not None:
            return self._scratch / "runtime-node"
        return None

    async def close(self) -> None:
        self._closed = True
        if self._refill is not None:
            self._refill.cancel()
            with contextlib.suppress(BaseException):
                await self._refill
        for task in list(self._vpc_refills):
            task.cancel()
        await asyncio.gather(*self._vpc_refills, return_exceptions=True)
        self._vpc_shells.clear()  # their sandboxes are in _live: killed below
        shells, self._shells = self._shells, []
        for sandbox in list(self._live):
            sandbox.kill()
        await asyncio.gather(*(self._release(s) for s in list(self._live)), return_exceptions=True)
        del shells
        await self._zygote.close()
        if self._s.vpc is not None:
            await self._s.vpc.close()
        if self._s.network is not None:
            await self._s.network.close()
        self._cgroups.teardown()
        with contextlib.suppress(OSError):
            self._scratch.rmdir()


def _searchable_dirs(scratch: Path) -> None:
    """The scratch directory and its parent, 0711 whatever the server's umask (0o077): the
    sandboxes' own user namespaces reach their code through them, as another uid."""
    scratch.parent.mkdir(mode=SCRATCH_DIR_MODE, parents=True, exist_ok=True)
    scratch.mkdir(mode=SCRATCH_DIR_MODE, exist_ok=True)
    for directory in (scratch.parent, scratch):
        os.chmod(directory, SCRATCH_DIR_MODE)


def _remove_quietly(cg: CgroupSet) -> None:
    with contextlib.suppress(OSError):
        CgroupV1.remove(cg)


def _instance_limits(limits: LimitsPolicy) -> tuple[int, int]:
    """(pids, memory bytes) for all sandboxes together, from the host's size and the policy."""
    pid_max = int(Path("/proc/sys/kernel/pid_max").read_text())
    total_kb = 0
    for row in Path("/proc/meminfo").read_text().splitlines():
        if row.startswith("MemTotal:"):
            total_kb = int(row.split()[1])
    pids = max(limits.pids_max, int(pid_max * limits.instance_pids_fraction))
    memory = int(total_kb * 1024 * limits.instance_memory_fraction)
    return pids, memory


def _admit(pid: int, uid_base: int, cgroup_dirs: list[str]) -> None:
    """uid/gid maps (0..65535 inside -> a range of its own outside), then the cgroups."""
    jail.write_id_maps(pid, uid_base, UID_RANGE)
    jail.attach_cgroups(pid, cgroup_dirs)
