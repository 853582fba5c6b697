"""Which runtime version a function version runs, by update mode (AWS "Runtime update modes")."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from stockade.domain.function import Code, FunctionConfig, FunctionVersion
from stockade.domain.runtime_management import (
    RuntimeManagement,
    UpdateRuntimeOn,
    parse_runtime_version_arn,
    runtime_version_arn,
)
from stockade.store.codec import decode, encode
from stockade.types import AccountId, Sha256Hex

OLD, NEW, PIN = "a" * 64, "b" * 64, "c" * 64


def test_auto_always_runs_the_newest() -> None:
    assert RuntimeManagement().effective(NEW) == NEW
    assert RuntimeManagement(at_update=OLD).effective(NEW) == NEW


def test_function_update_runs_the_version_of_its_last_update() -> None:
    settings = RuntimeManagement(UpdateRuntimeOn.FUNCTION_UPDATE, at_update=OLD)
    assert settings.effective(NEW) == OLD
    assert settings.stamped(NEW).effective(NEW) == NEW
    assert RuntimeManagement(UpdateRuntimeOn.FUNCTION_UPDATE).effective(NEW) == NEW  # old rows


def test_manual_runs_the_pinned_version_whatever_happens() -> None:
    settings = RuntimeManagement(UpdateRuntimeOn.MANUAL, pinned=PIN, at_update=OLD)
    assert settings.effective(NEW) == PIN
    assert settings.stamped(NEW).effective(NEW) == PIN


@pytest.mark.parametrize(
    ("mode", "pinned", "at_update"),
    [
        (UpdateRuntimeOn.MANUAL, "", ""),
        (UpdateRuntimeOn.AUTO, PIN, ""),
        (UpdateRuntimeOn.MANUAL, "XYZ", ""),
        (UpdateRuntimeOn.AUTO, "", "A" * 64),
    ],
)
def test_inconsistent_settings_cannot_be_made(
    mode: UpdateRuntimeOn, pinned: str, at_update: str
) -> None:
    with pytest.raises(ValueError, match="runtime version"):
        RuntimeManagement(mode, pinned, at_update)


def test_runtime_version_arns() -> None:
    arn = runtime_version_arn("us-east-1", PIN)
    assert arn == f"arn:aws:lambda:us-east-1::runtime:{PIN}"
    assert parse_runtime_version_arn(arn) == ("us-east-1", PIN)
    for other in (
        arn + "0",
        arn.replace("::runtime", ":123456789012:runtime"),
        "arn:aws:lambda:us-east-1:123456789012:runtime/python/version/1",
        f"arn:aws:lambda:us-east-1::runtime:{PIN.upper()}",
    ):
        assert parse_runtime_version_arn(other) is None


def test_a_version_stored_before_runtime_management_loads_as_auto() -> None:
    version = FunctionVersion(
        AccountId("123456789012"), "f", "$LATEST",
        FunctionConfig("python3.11", "app.handler", "r"), Code(Sha256Hex("0" * 64), 1, 1), "rev",
        datetime(2026, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    row = encode(version)
    assert row["runtime_management"] == {"update_on": "Auto", "pinned": "", "at_update": ""}
    del row["runtime_management"]  # what rows written before this field look like
    assert decode(FunctionVersion, row).runtime_management == RuntimeManagement()
    pinned = RuntimeManagement(UpdateRuntimeOn.MANUAL, pinned=PIN)

    assert decode(FunctionVersion, encode(replace(version, runtime_management=pinned))) == (
        replace(version, runtime_management=pinned)
    )
