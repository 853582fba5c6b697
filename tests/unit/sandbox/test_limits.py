from __future__ import annotations

import json
from pathlib import Path

import pytest

from stockade.sandbox.limits import LimitsPolicy, default_policy_dir


def test_limits_file_loads_and_every_value_has_a_reason() -> None:
    path = default_policy_dir() / "limits.json"
    raw = json.loads(path.read_text())
    for key, value in raw.items():
        if isinstance(value, dict):
            assert value["reason"], key
    policy = LimitsPolicy.load(path)
    assert policy.pids_max == 1024
    assert policy.cpu_mb_per_vcpu == 1769


def test_cpu_quota_is_proportional_to_memory() -> None:
    policy = LimitsPolicy(cpu_period_us=20_000, cpu_min_quota_us=1_000)
    assert policy.cpu_quota_us(1769, host_cpus=2) == 20_000  # one vCPU
    assert policy.cpu_quota_us(3538, host_cpus=2) == 40_000  # two
    assert policy.cpu_quota_us(128, host_cpus=2) == 20_000 * 128 // 1769
    assert policy.cpu_quota_us(10_240, host_cpus=2) == 40_000  # capped by the host


def test_init_boost_gives_at_least_one_vcpu_only_when_enabled() -> None:
    assert LimitsPolicy(cpu_period_us=20_000).init_quota_us(128, 2) == 20_000
    unboosted = LimitsPolicy(cpu_period_us=20_000, init_cpu_boost=False)
    assert unboosted.init_quota_us(128, 2) == unboosted.cpu_quota_us(128, 2)


def test_unknown_limits_version_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "limits.json"
    path.write_text('{"version": 2}')
    with pytest.raises(ValueError, match="unsupported limits version"):
        LimitsPolicy.load(path)


def test_output_limits_are_read_from_the_policy_file() -> None:
    policy = LimitsPolicy.load(default_policy_dir() / "limits.json")
    assert policy.output_burst_bytes == 1_048_576  # one PutLogEvents batch
    assert policy.output_burst_events == 10_000
    assert policy.output_event_overhead_bytes == 26
    assert policy.output_bytes_per_vcpu_second > 0
    assert policy.output_drain_interval_ms > 0
