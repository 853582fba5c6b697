"""cgroup v1 directories for sandboxes: memory (+memsw), pids and cpu.

Placement (decided): `<controller root>/stockade/<instance>/<sandbox>` when the controller root
is writable (true for root on this host), else beneath our own cgroup as read from
/proc/self/cgroup: `<root>/<own path>/stockade/<instance>/<sandbox>`. An explicit `parent`
overrides both. The per-instance directory is removed at shutdown, and so is `stockade` when
it became empty. cgroup2 is not used: on this host memory/pids/cpu are bound to v1.
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
from dataclasses import dataclass
from pathlib import Path

from stockade.sandbox.errors import SandboxUnavailableError

CONTROLLERS = ("memory", "pids", "cpu")


@dataclass(frozen=True)
class CgroupSet:
    name: str
    dirs: tuple[Path, ...]  # one per controller, in CONTROLLERS order

    @property
    def memory(self) -> Path:
        return self.dirs[0]

    @property
    def pids(self) -> Path:
        return self.dirs[1]

    @property
    def cpu(self) -> Path:
        return self.dirs[2]


def own_cgroup(controller: str, proc_self_cgroup: str) -> str:
    for line in proc_self_cgroup.splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return path
    return "/"


class CgroupV1:
    def __init__(
        self, instance: str, mount_root: Path = Path("/sys/fs/cgroup"), parent: str | None = None
    ) -> None:
        self._instance = instance
        self._mount_root = mount_root
        self._parent = parent
        self._bases: dict[str, Path] = {}
        self._created_stockade: list[Path] = []

    def setup(self) -> None:
        own = Path("/proc/self/cgroup").read_text(encoding="ascii")
        for ctrl in CONTROLLERS:
            root = self._mount_root / ctrl
            if not (root / "cgroup.procs").exists():
                raise SandboxUnavailableError(
                    f"cgroup v1 {ctrl} controller", f"not mounted at {root}"
                )
            candidates = (
                [root / self._parent.strip("/")]
                if self._parent
                else [root / "stockade", root / own_cgroup(ctrl, own).strip("/") / "stockade"]
            )
            self._bases[ctrl] = self._make_base(ctrl, candidates)

    def _make_base(self, ctrl: str, candidates: list[Path]) -> Path:
        last: OSError | None = None
        for stockade_dir in candidates:
            try:
                if not stockade_dir.exists():
                    stockade_dir.mkdir()
                    self._created_stockade.append(stockade_dir)
                base = stockade_dir / self._instance
                if base.exists():
                    _reclaim_stale(ctrl, base)
                else:
                    base.mkdir()
                return base
            except OSError as exc:
                last = exc
        raise SandboxUnavailableError(
            f"cgroup v1 {ctrl} controller", f"no writable parent directory ({last})"
        )

    def limit_instance(self, pids_max: int, memory_bytes: int) -> None:
        """Bounds for all sandboxes of this instance together (children cannot exceed them)."""
        _write(self._bases["pids"] / "pids.max", pids_max)
        base = self._bases["memory"]
        current = int((base / "memory.limit_in_bytes").read_text())
        order = ("memory.memsw.limit_in_bytes", "memory.limit_in_bytes")
        for name in order if memory_bytes >= current else order[::-1]:
            _write(base / name, memory_bytes)

    def create(self, name: str, pids_max: int, cpu_period_us: int) -> CgroupSet:
        dirs = tuple(self._bases[c] / name for c in CONTROLLERS)
        made: list[Path] = []
        try:
            for d in dirs:
                d.mkdir()
                made.append(d)
            _write(dirs[1] / "pids.max", pids_max)
            _write(dirs[2] / "cpu.cfs_period_us", cpu_period_us)
        except OSError:
            for d in reversed(made):
                _rmdir_quietly(d)
            raise
        return CgroupSet(name, dirs)

    @staticmethod
    def set_memory(cg: CgroupSet, limit_bytes: int) -> None:
        # memsw must stay >= memory: raise memsw first when growing, memory first when shrinking.
        current = int((cg.memory / "memory.limit_in_bytes").read_text())
        order = ("memory.memsw.limit_in_bytes", "memory.limit_in_bytes")
        if limit_bytes < current:
            order = order[::-1]
        for name in order:
            _write(cg.memory / name, limit_bytes)

    @staticmethod
    def set_cpu_quota(cg: CgroupSet, quota_us: int) -> None:
        _write(cg.cpu / "cpu.cfs_quota_us", quota_us)

    @staticmethod
    def set_cpu_shares(cg: CgroupSet, shares: int) -> None:
        _write(cg.cpu / "cpu.shares", shares)

    @staticmethod
    def max_usage_bytes(cg: CgroupSet) -> int:
        try:
            return int((cg.memory / "memory.max_usage_in_bytes").read_text())
        except (OSError, ValueError):
            return 0

    @staticmethod
    def reset_max_usage(cg: CgroupSet) -> None:
        with contextlib.suppress(OSError):
            _write(cg.memory / "memory.max_usage_in_bytes", 0)

    @staticmethod
    def oom_kills(cg: CgroupSet) -> int:
        try:
            text = (cg.memory / "memory.oom_control").read_text()
        except OSError:
            return 0
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    @staticmethod
    def remove(cg: CgroupSet, timeout_s: float = 2.0) -> None:
        """rmdir each directory; bounded retries because tasks may still be exiting."""
        deadline = time.monotonic() + timeout_s
        for d in cg.dirs:
            while True:
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError as exc:
                    if exc.errno != errno.EBUSY or time.monotonic() > deadline:
                        raise
                    time.sleep(0.005)

    def teardown(self) -> None:
        for base in self._bases.values():
            _rmdir_quietly(base)
        for d in self._created_stockade:
            _rmdir_quietly(d)  # only succeeds when no other instance still uses it
        self._bases.clear()
        self._created_stockade.clear()


def _reclaim_stale(ctrl: str, base: Path) -> None:
    """A previous run with this instance name died without cleaning up: remove its empty
    sandbox cgroups. Live tasks mean the name is in use right now, which must not be shared."""
    for child in sorted(p for p in base.iterdir() if p.is_dir()):
        if (child / "cgroup.procs").read_text().strip():
            raise SandboxUnavailableError(
                f"cgroup v1 {ctrl} controller",
                f"instance {base.name!r} has live sandboxes; another server uses this name",
            )
        _rmdir_quietly(child)


def _write(path: Path, value: int) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, str(value).encode())
    finally:
        os.close(fd)


def _rmdir_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.rmdir()
