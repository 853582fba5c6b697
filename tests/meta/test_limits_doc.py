"""docs/limits.md names every edge option `stockade serve` has, with its real default."""

from __future__ import annotations

import subprocess
import sys

import pytest

from stockade.api.edge_limits import EdgeLimits
from stockade.cli.edge_options import LIMIT_OPTIONS, OPTION_NAMES
from tests.support.server import REPO

DOC = (REPO / "docs" / "limits.md").read_text()


def _row(option: str) -> str:
    rows = [line for line in DOC.splitlines() if line.startswith("|") and f"`{option}`" in line]
    assert len(rows) == 1, f"{option} should have one row in docs/limits.md"
    return rows[0]


def _shown(value: float) -> str:
    return f"{value:g} s" if isinstance(value, float) else f"{value:,}"


@pytest.mark.parametrize(("option", "field"), LIMIT_OPTIONS)
def test_each_limit_is_documented_with_its_default(option: str, field: str) -> None:
    assert _shown(getattr(EdgeLimits(), field)) in _row(option)


def test_the_trusted_proxy_option_is_documented() -> None:
    assert "--trusted-proxy CIDR" in DOC


def test_every_documented_option_exists() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "stockade", "serve", "--help"],
        capture_output=True, text=True, timeout=60, check=True, cwd=REPO,
    )  # fmt: skip
    for option in OPTION_NAMES:
        assert option in done.stdout
