"""The /proc masks data file (policies/proc_masks.json): what every sandbox's /proc hides.

OCI runtimes mask /proc entries that show host-wide state (runc's default `maskedPaths` and
`readonlyPaths`); the zygote applies the same to each sandbox's own proc mount before the
guest runs (`guest.jail.mask_proc`). Every entry carries its reason in the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ProcMasks:
    masked: tuple[str, ...] = ()
    read_only: tuple[str, ...] = ()

    @classmethod
    def load(cls, path: Path) -> ProcMasks:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("version") != 1:
            raise ValueError(f"{path}: unsupported proc masks version")
        return cls(
            masked=tuple(_paths(path, raw["masked"])),
            read_only=tuple(_paths(path, raw["read_only"])),
        )

    def to_wire(self) -> dict[str, list[str]]:
        return {"masked": list(self.masked), "read_only": list(self.read_only)}


def _paths(source: Path, entries: list[dict[str, str]]) -> list[str]:
    found = []
    for entry in entries:
        where = str(entry["path"])
        if not str(entry.get("reason", "")).strip():
            raise ValueError(f"{source}: {where} has no reason")
        parts = where.split("/")
        if not where.startswith("/proc/") or ".." in parts or "" in parts[1:]:
            raise ValueError(f"{source}: {where} is not an entry of /proc")
        found.append(where)
    return found
