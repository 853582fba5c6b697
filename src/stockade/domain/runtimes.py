"""The runtime catalog: which Lambda runtimes this host can actually run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class RuntimeFamily(StrEnum):
    PYTHON = "python"
    NODEJS = "nodejs"
    PROVIDED = "provided"


@dataclass(frozen=True)
class RuntimeInfo:
    identifier: str  # as Lambda names it, e.g. "python3.11"
    family: RuntimeFamily
    executable: str | None  # interpreter on the host; None for custom runtimes
    deprecated_on: date | None = None


@dataclass(frozen=True)
class RuntimeCatalog:
    runtimes: Mapping[str, RuntimeInfo] = field(default_factory=dict)

    def get(self, identifier: str) -> RuntimeInfo | None:
        return self.runtimes.get(identifier)

    def identifiers(self) -> list[str]:
        return sorted(self.runtimes)
