"""Which network functions get, decided at start from the settings and the host."""

from __future__ import annotations

from pathlib import Path

import pytest

from stockade.config import Settings
from stockade.domain.function_snapshot import NetworkMode
from stockade.wiring import function_network
from stockade.wiring.function_network import _has_net_admin, choose


def status(tmp_path: Path, cap_eff: str) -> Path:
    path = tmp_path / "status"
    path.write_text(f"Name:\tpython\nCapInh:\t0000000000000000\nCapEff:\t{cap_eff}\n")
    return path


def test_cap_net_admin_is_read_from_the_effective_set(tmp_path: Path) -> None:
    assert _has_net_admin(status(tmp_path, "000001ffffffffff"))
    assert not _has_net_admin(status(tmp_path, "0000000000000000"))
    assert not _has_net_admin(status(tmp_path, f"{0x1FFFFFFFFFF & ~(1 << 12):016x}"))
    assert _has_net_admin(status(tmp_path, f"{1 << 12:016x}"))


def test_without_cap_net_admin_functions_get_the_channel_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(function_network, "_has_net_admin", lambda: False)
    chosen = choose(Settings(data_dir=tmp_path), injected_sandbox=False)
    assert chosen.mode is NetworkMode.ISOLATED
    assert chosen.network is None
    assert "FUNCTION NETWORKING IS OFF: the server lacks CAP_NET_ADMIN" in caplog.text


def test_the_settings_choose_the_mode(tmp_path: Path) -> None:
    assert choose(Settings(data_dir=tmp_path, unsafe_no_sandbox=True), False).mode is (
        NetworkMode.HOST
    )
    none = Settings(data_dir=tmp_path, function_network="none")
    assert choose(none, False).mode is NetworkMode.ISOLATED
    assert choose(Settings(data_dir=tmp_path), injected_sandbox=True).mode is (NetworkMode.ISOLATED)
