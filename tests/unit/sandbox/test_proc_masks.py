from __future__ import annotations

import json
from pathlib import Path

import pytest

from stockade.sandbox.limits import default_policy_dir
from stockade.sandbox.proc_masks import ProcMasks

OCI_MASKED = {
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
}
OCI_READ_ONLY = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}


def test_policy_file_covers_the_oci_defaults_under_proc() -> None:
    masks = ProcMasks.load(default_policy_dir() / "proc_masks.json")
    assert set(masks.masked) >= OCI_MASKED
    assert set(masks.read_only) == OCI_READ_ONLY
    assert masks.to_wire() == {"masked": list(masks.masked), "read_only": list(masks.read_only)}


def write(tmp_path: Path, masked: list[dict[str, str]], version: int = 1) -> Path:
    path = tmp_path / "masks.json"
    path.write_text(json.dumps({"version": version, "masked": masked, "read_only": []}))
    return path


def test_every_entry_needs_a_reason(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no reason"):
        ProcMasks.load(write(tmp_path, [{"path": "/proc/kcore", "reason": " "}]))


@pytest.mark.parametrize("where", ["/etc/shadow", "/proc/../etc", "/proc//kcore", "/proc/"])
def test_only_entries_of_proc_are_accepted(tmp_path: Path, where: str) -> None:
    with pytest.raises(ValueError, match="not an entry of /proc"):
        ProcMasks.load(write(tmp_path, [{"path": where, "reason": "x"}]))


def test_unknown_version_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsupported"):
        ProcMasks.load(write(tmp_path, [], version=2))
