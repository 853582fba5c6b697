"""Lambda's runtime deprecation schedule: creation is blocked first, updates later, with
Lambda's message naming the runtime to move to; the shipped schedule parses."""

from __future__ import annotations

import json
from datetime import date

import pytest

from stockade.domain.runtimes import RuntimeCatalog, RuntimeFamily, RuntimeInfo
from stockade.sandbox.limits import default_policy_dir

SCHEDULE = {
    "version": 1,
    "recommended": {"python": "python3.14"},
    "runtimes": {
        "python3.9": {"deprecated": "2025-12-15", "block_create": "2027-02-01",
                      "block_update": "2027-03-03"},
        "python3.14": {"deprecated": "2029-06-30", "block_create": None, "block_update": None},
    },
}  # fmt: skip
HOST = {"python3.9": RuntimeInfo("python3.9", RuntimeFamily.PYTHON, "/usr/bin/python3.9")}


def test_creation_is_blocked_before_updates() -> None:
    catalog = RuntimeCatalog.with_lifecycles(HOST, SCHEDULE)
    assert catalog.blocked("python3.9", date(2027, 1, 31), creating=True) is None
    refusal = catalog.blocked("python3.9", date(2027, 2, 1), creating=True)
    assert refusal == (
        "The runtime parameter of python3.9 is no longer supported for creating or updating"
        " AWS Lambda functions. We recommend you use a supported runtime while creating or"
        " updating functions."
    )
    assert catalog.blocked("python3.9", date(2027, 3, 2), creating=False) is None
    assert catalog.blocked("python3.9", date(2027, 3, 3), creating=False) is not None
    assert catalog.blocked("python3.14", date(2040, 1, 1), creating=True) is None
    assert catalog.blocked("unknown9", date(2040, 1, 1), creating=True) is None


def test_host_runtimes_carry_their_deprecation_date() -> None:
    catalog = RuntimeCatalog.with_lifecycles(HOST, SCHEDULE)
    info = catalog.get("python3.9")
    assert info is not None
    assert info.deprecated_on == date(2025, 12, 15)


@pytest.mark.parametrize(
    "broken",
    [{**SCHEDULE, "version": 2}, {**SCHEDULE, "runtimes": {"python3.9": {"deprecated": 5}}},
     {**SCHEDULE, "runtimes": {"python3.9": "soon"}}],
    ids=["version", "not-a-date", "not-an-object"],
)  # fmt: skip
def test_a_broken_schedule_is_refused(broken: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="runtime schedule"):
        RuntimeCatalog.with_lifecycles(HOST, broken)


def test_the_shipped_schedule_parses_and_recommends_live_runtimes() -> None:
    schedule = json.loads((default_policy_dir() / "runtimes.json").read_text())
    catalog = RuntimeCatalog.with_lifecycles({}, schedule)
    for runtime in catalog.recommended.values():
        assert catalog.blocked(runtime, date(2026, 11, 23), creating=True) is None
