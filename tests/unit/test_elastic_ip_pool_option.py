"""`stockade serve --elastic-ip-pool` takes an IPv4 block of /16 to /30 and refuses anything
else before the server starts (a usage error, exit status 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from stockade.cli.main import cli


@pytest.mark.parametrize("pool", ["10.0.0.0/8", "198.51.100.1/24", "2001:db8::/64", "x"])
def test_a_bad_pool_is_a_usage_error(tmp_path: Path, pool: str) -> None:
    done = CliRunner().invoke(
        cli, ["serve", "--data-dir", str(tmp_path / "data"), "--elastic-ip-pool", pool]
    )
    assert done.exit_code == 2
    assert "--elastic-ip-pool" in done.output
    assert not (tmp_path / "data").exists()  # nothing was started
