"""Sandbox benchmark: cold start, warm round trip, idle memory and density, against baselines.

Run as root on a host with cgroup v1 (the namespaces backend):

    .venv/bin/python bench/bench_sandbox.py [--cold N] [--warm N] [--idle N]

Prints, with baselines measured in the same run:
  * cold start p50/p99: a new isolated environment (namespaces, cgroups, seccomp, pivot_root)
    + the built-in Python runtime + handler import + the first invocation, through the pool;
    baseline: bare fork+exit+waitpid, and fork+exec of `python3.11 -I -S -c pass`;
  * warm invoke round trip p50/p99 through the pool; baseline: a bare pipe round trip;
  * idle environment PSS (the sandboxed runtime process), baseline: an idle bare
    `python3.11 -I -S` process; and whether N idle environments can be held at once.
Every phase is bounded in count and time (the whole run stays under 3 minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.sandbox.support import make_request, make_spec, make_zip

from stockade.sandbox import (
    EnvironmentPool,
    InMemoryLogSink,
    PoolSettings,
)
from stockade.sandbox.backends.namespaces.backend import (
    NamespaceBackend,
    NamespaceSettings,
)

PYTHON = "/usr/bin/python3.11"
HANDLER = make_zip({"app.py": "import json\ndef handler(event, context):\n    return event\n"})
PHASE_BUDGET_S = 45.0


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def line(name: str, values: list[float], unit: str = "ms") -> str:
    return (
        f"{name:<52} n={len(values):<4} p50={pct(values, 50):8.3f} {unit}  "
        f"p99={pct(values, 99):8.3f} {unit}  min={min(values):8.3f} {unit}"
    )


def timed(fn: Callable[[], None], n: int) -> list[float]:
    out = []
    deadline = time.monotonic() + PHASE_BUDGET_S
    for _ in range(n):
        if time.monotonic() > deadline:
            break
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


# -- baselines -----------------------------------------------------------------------------
def bare_fork_exit() -> None:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def bare_python_start() -> None:
    subprocess.run([PYTHON, "-I", "-S", "-c", "pass"], check=True)


def pipe_round_trip_ms(n: int) -> list[float]:
    to_child_r, to_child_w = os.pipe()
    to_parent_r, to_parent_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        for _ in range(n):
            os.write(to_parent_w, os.read(to_child_r, 64))
        os._exit(0)
    out = []
    for _ in range(n):
        start = time.perf_counter()
        os.write(to_child_w, b"x")
        os.read(to_parent_r, 64)
        out.append((time.perf_counter() - start) * 1000)
    os.waitpid(pid, 0)
    for fd in (to_child_r, to_child_w, to_parent_r, to_parent_w):
        os.close(fd)
    return out


def pss_kb(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    for row in text.splitlines():
        if row.startswith("Pss:"):
            return int(row.split()[1])
    return 0


def bare_python_idle_pss_kb() -> int:
    proc = subprocess.Popen(
        [PYTHON, "-I", "-S", "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    time.sleep(0.3)
    value = pss_kb(proc.pid)
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(5)
    return value


def sandbox_pids(instance: str) -> dict[str, list[int]]:
    """Host pids per sandbox cgroup of this instance (an environment is one process)."""
    base = Path("/sys/fs/cgroup/memory/stockade") / instance
    out: dict[str, list[int]] = {}
    for group in base.iterdir() if base.exists() else ():
        if group.is_dir():
            procs = (group / "cgroup.procs").read_text().split()
            out[group.name] = [int(p) for p in procs]
    return out


def mem_available_kb() -> int:
    for row in Path("/proc/meminfo").read_text().splitlines():
        if row.startswith("MemAvailable:"):
            return int(row.split()[1])
    return 0


# -- the sandbox phases --------------------------------------------------------------------
@dataclass
class Figures:
    cold: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    idle_pss_kb: list[int] = field(default_factory=list)


async def run(args: argparse.Namespace) -> Figures:
    instance = f"bench-{os.getpid()}"
    backend = NamespaceBackend(NamespaceSettings(instance=instance, prewarm_shells=2))
    pool = EnvironmentPool.local(
        backend, InMemoryLogSink(), settings=PoolSettings(max_environments=args.idle + 50)
    )
    started = time.perf_counter()
    await pool.start()
    start_ms = 1000 * (time.perf_counter() - started)
    print(f"{'backend start (zygote + probes + first shell)':<52} {start_ms:8.1f} ms")
    try:
        # Cold starts: every invocation needs a new environment (distinct configuration).
        figures = Figures()
        cold = figures.cold
        init: list[float] = []
        deadline = time.monotonic() + PHASE_BUDGET_S
        for i in range(args.cold):
            if time.monotonic() > deadline:
                break
            spec = make_spec(HANDLER, name="cold", memory_mb=args.memory, config_key=f"cold-{i}")
            await asyncio.sleep(0.03)  # a sporadic arrival, and time for the shell refill
            start = time.perf_counter()
            result = await pool.invoke(spec, make_request(spec, b'{"k": 1}'))
            cold.append((time.perf_counter() - start) * 1000)
            assert result.function_error is None, result.payload
            if result.init_duration_ms is not None:
                init.append(result.init_duration_ms)
        # Warm round trips on one environment: at MemorySize (CPU share throttling included,
        # as on Lambda) and at 1769 MB (one full vCPU, the transport's own cost).
        warm = figures.warm
        warm_vcpu: list[float] = []
        for memory, out in ((args.memory, warm), (1769, warm_vcpu)):
            spec = make_spec(HANDLER, name="warm", memory_mb=memory, config_key=f"warm-{memory}")
            await pool.invoke(spec, make_request(spec))
            deadline = time.monotonic() + PHASE_BUDGET_S / 2
            for _ in range(args.warm):
                if time.monotonic() > deadline:
                    break
                request = make_request(spec, b'{"k": 1}')
                start = time.perf_counter()
                await pool.invoke(spec, request)
                out.append((time.perf_counter() - start) * 1000)

        print(line("cold start, through the pool (target p50<=10, p99<=25)", cold))
        print(line("  of which Init Duration (launch -> runtime ready)", init))
        print(line(f"warm invoke round trip, through the pool, {args.memory} MB", warm))
        print(line("warm invoke round trip, through the pool, 1769 MB", warm_vcpu))

        # Density: hold args.idle idle environments at once.
        before = mem_available_kb()
        held_start = time.perf_counter()
        deadline = time.monotonic() + PHASE_BUDGET_S * 1.5
        created = 0
        for i in range(args.idle):
            if time.monotonic() > deadline:
                break
            idle_spec = make_spec(HANDLER, name="idle", memory_mb=128, config_key=f"idle-{i}")
            await pool.invoke(idle_spec, make_request(idle_spec))
            created += 1
        held_s = time.perf_counter() - held_start
        await asyncio.sleep(1.0)
        stats = pool.stats()
        groups = sandbox_pids(instance)
        per_env = [sum(pss_kb(pid) for pid in pids) for pids in groups.values() if pids]
        figures.idle_pss_kb = per_env
        used_mb = (before - mem_available_kb()) / 1024
        print(
            f"{'idle environments held at once':<52} {stats.idle} (target 500); "
            f"{created} launched in {held_s:.1f} s; MemAvailable drop {used_mb:.0f} MB "
            f"= {used_mb * 1024 / max(1, created):.0f} kB/env incl. kernel"
        )
        if per_env:
            print(
                f"{'idle environment PSS (sandboxed runtime process)':<52} n={len(per_env):<4} "
                f"p50={statistics.median(per_env) / 1024:8.2f} MB  "
                f"max={max(per_env) / 1024:8.2f} MB  (target <= 4 MB)"
            )
        zygote_mb = pss_kb(backend.zygote_pid) / 1024
        print(f"{'zygote PSS (shared by every environment)':<52} {zygote_mb:8.2f} MB")
    finally:
        closing = time.perf_counter()
        await pool.close()
        closed_ms = 1000 * (time.perf_counter() - closing)
        print(f"{'pool close (all environments shut down)':<52} {closed_ms:8.1f} ms")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", type=int, default=200)
    parser.add_argument("--warm", type=int, default=2000)
    parser.add_argument("--idle", type=int, default=500)
    parser.add_argument("--memory", type=int, default=128, help="MemorySize for cold/warm")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench_sandbox needs root (cgroup v1, uid maps)")
    print("baselines (same run):")
    fork_exit = timed(bare_fork_exit, 300)
    python_start = timed(bare_python_start, 40)
    pipe = pipe_round_trip_ms(2000)
    bare_pss = bare_python_idle_pss_kb()
    print(line("  bare fork + _exit + waitpid", fork_exit))
    print(line("  bare fork+exec python3.11 -I -S -c pass", python_start))
    print(line("  bare pipe round trip (parent <-> forked child)", pipe))
    print(f"  {'idle bare python3.11 -I -S process PSS':<50} {bare_pss / 1024:8.2f} MB")
    print(f"sandbox (namespaces backend, MemorySize {args.memory} MB, {uuid.uuid4().hex[:6]}):")
    t0 = time.monotonic()
    figures = asyncio.run(run(args))
    print(f"total sandbox phase {time.monotonic() - t0:.1f} s")
    print("ratios (sandbox p50 / baseline p50):")
    if figures.cold:
        cold = pct(figures.cold, 50)
        print(f"  cold start / bare fork+exit          {cold / pct(fork_exit, 50):8.1f}x")
        print(f"  cold start / bare python3.11 start   {cold / pct(python_start, 50):8.2f}x")
    if figures.warm:
        print(
            f"  warm round trip / bare pipe          {pct(figures.warm, 50) / pct(pipe, 50):8.1f}x"
        )
    if figures.idle_pss_kb:
        pss = statistics.median(figures.idle_pss_kb)
        print(f"  idle env PSS / bare python PSS       {pss / max(1, bare_pss):8.2f}x")


if __name__ == "__main__":
    main()
