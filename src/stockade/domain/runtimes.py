"""The runtime catalog: which Lambda runtimes this host can actually run, and Lambda's
deprecation schedule (stockade/policies/runtimes.json): a runtime past its block date is refused
for new functions, then for updates, with Lambda's own message, whether or not the host has it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
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
class RuntimeLifecycle:
    deprecated_on: date | None = None
    block_create_on: date | None = None
    block_update_on: date | None = None

    def blocks(self, today: date, creating: bool) -> bool:
        limit = self.block_create_on if creating else self.block_update_on
        return limit is not None and today >= limit


@dataclass(frozen=True)
class RuntimeCatalog:
    runtimes: Mapping[str, RuntimeInfo] = field(default_factory=dict)
    lifecycles: Mapping[str, RuntimeLifecycle] = field(default_factory=dict)
    recommended: Mapping[str, str] = field(default_factory=dict)  # family prefix -> runtime

    def get(self, identifier: str) -> RuntimeInfo | None:
        return self.runtimes.get(identifier)

    def blocked(self, identifier: str, today: date, creating: bool) -> str | None:
        """Lambda's refusal when the runtime is past its block date for this operation, in its
        current wording (recorded AWS responses of 2026 for python3.7, java8, go1.x, nodejs14.x
        and others; older answers named a successor: "...use the new runtime (X)...")."""
        lifecycle = self.lifecycles.get(identifier)
        if lifecycle is None or not lifecycle.blocks(today, creating):
            return None
        return (
            f"The runtime parameter of {identifier} is no longer supported for creating or"
            " updating AWS Lambda functions. We recommend you use a supported runtime while"
            " creating or updating functions."
        )

    def recommended_for(self, identifier: str) -> str:
        """The runtime Lambda recommends instead, for the family of `identifier`."""
        family = next((f for f in self.recommended if identifier.startswith(f)), None)
        return self.recommended.get(family or "", "")

    @classmethod
    def with_lifecycles(
        cls, runtimes: Mapping[str, RuntimeInfo], schedule: Mapping[str, object]
    ) -> RuntimeCatalog:
        """`runtimes` dated from the schedule (stockade/policies/runtimes.json, parsed)."""
        entries = schedule.get("runtimes")
        recommended = schedule.get("recommended")
        if (
            schedule.get("version") != 1
            or not isinstance(entries, dict)
            or not isinstance(recommended, dict)
        ):
            raise ValueError("runtime schedule: version 1 with runtimes and recommended expected")
        lifecycles = {
            str(name): RuntimeLifecycle(*(_date(_entry(entry).get(k)) for k in _DATES))
            for name, entry in entries.items()
        }
        dated = {
            name: replace(info, deprecated_on=lifecycles[name].deprecated_on)
            if name in lifecycles else info
            for name, info in runtimes.items()
        }  # fmt: skip
        return cls(dated, lifecycles, {str(k): str(v) for k, v in recommended.items()})

    def identifiers(self) -> list[str]:
        return sorted(self.runtimes)


_DATES = ("deprecated", "block_create", "block_update")


def _entry(value: object) -> dict[str, object]:
    if not isinstance(value, dict):
        raise ValueError(f"runtime schedule: {value!r} is not an object of dates")
    return value


def _date(value: object) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"runtime schedule: {value!r} is not a YYYY-MM-DD date")
    return date.fromisoformat(value)
