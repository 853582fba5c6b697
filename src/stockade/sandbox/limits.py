"""The limits data file (stockade/policies/limits.json) and the arithmetic that turns a spec
into limits."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from stockade.sandbox.output_meter import OutputRates


def default_policy_dir() -> Path:
    """The versioned policy files shipped inside the package (stockade/policies/). Installed
    packages are plain files on disk, as the sandbox needs them (it mounts guest/ too)."""
    return Path(__file__).resolve().parents[1] / "policies"


_INT_FIELDS = (
    "pids_max",
    "cpu_mb_per_vcpu",
    "cpu_period_us",
    "cpu_min_quota_us",
    "rlimit_nofile",
    "rlimit_core",
    "output_bytes_per_vcpu_second",
    "output_events_per_vcpu_second",
    "output_burst_bytes",
    "output_burst_events",
    "output_event_overhead_bytes",
    "output_drain_interval_ms",
)


@dataclass(frozen=True)
class LimitsPolicy:
    pids_max: int = 1024
    cpu_mb_per_vcpu: int = 1769
    cpu_period_us: int = 20_000
    cpu_min_quota_us: int = 1_000
    rlimit_nofile: int = 1024
    rlimit_core: int = 0
    init_cpu_boost: bool = True
    instance_pids_fraction: float = 0.5
    instance_memory_fraction: float = 0.8
    output_bytes_per_vcpu_second: int = 5 * 1024 * 1024
    output_events_per_vcpu_second: int = 5_000
    output_burst_bytes: int = 1_048_576
    output_burst_events: int = 10_000
    output_event_overhead_bytes: int = 26
    output_drain_interval_ms: int = 50

    @classmethod
    def load(cls, path: Path) -> LimitsPolicy:
        """Every value in the file carries a reason; a missing or unknown version is an error."""
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("version") != 1:
            raise ValueError(f"{path}: unsupported limits version")
        values = {name: int(raw[name]["value"]) for name in _INT_FIELDS}
        return cls(
            **values,
            init_cpu_boost=bool(raw["init_cpu_boost"]["value"]),
            instance_pids_fraction=float(raw["instance_pids_fraction"]["value"]),
            instance_memory_fraction=float(raw["instance_memory_fraction"]["value"]),
        )

    def cpu_quota_us(self, memory_mb: int, host_cpus: int) -> int:
        """CFS quota per period: proportional to memory (1769 MB = one vCPU), at most the host."""
        quota = self.cpu_period_us * memory_mb // self.cpu_mb_per_vcpu
        return max(self.cpu_min_quota_us, min(quota, self.cpu_period_us * host_cpus))

    def init_quota_us(self, memory_mb: int, host_cpus: int) -> int:
        """During init (bounded by the 10 s init limit) a whole vCPU at least, when boosted."""
        steady = self.cpu_quota_us(memory_mb, host_cpus)
        return max(steady, self.cpu_period_us) if self.init_cpu_boost else steady

    def output_rates(self, memory_mb: int) -> OutputRates:
        """What an environment's output may cost: rates proportional to its CPU share (memory),
        like the CPU quota; bursts are the same for every size."""
        share = memory_mb / self.cpu_mb_per_vcpu
        return OutputRates(
            bytes_per_s=max(1.0, self.output_bytes_per_vcpu_second * share),
            events_per_s=max(1.0, self.output_events_per_vcpu_second * share),
            burst_bytes=self.output_burst_bytes,
            burst_events=self.output_burst_events,
            event_overhead_bytes=self.output_event_overhead_bytes,
            drain_interval_s=self.output_drain_interval_ms / 1000,
        )
