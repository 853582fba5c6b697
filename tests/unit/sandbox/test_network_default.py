"""The default network's plan, ruleset, block claims and set-up steps, without touching the
host (a recording HostCommands); tests/security/test_default_network.py runs the real thing."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from ipaddress import IPv4Address, IPv4Network, IPv6Network, ip_network
from pathlib import Path

import pytest

from stockade.sandbox.network.block_claim import claim_block
from stockade.sandbox.network.default_network import DefaultNetwork, DefaultNetworkSettings
from stockade.sandbox.network.errors import NetworkError, NetworkUnavailableError
from stockade.sandbox.network.ranges import BLOCKED_V4, DefaultNetworkPlan
from stockade.sandbox.network.ruleset import default_ruleset
from tests.support.network_fakes import RecordingCommands

PLAN = DefaultNetworkPlan("a1b2c3", IPv4Network("100.92.4.0/22"))


def test_the_plan_names_fit_linux_and_addresses_fill_the_block() -> None:
    assert PLAN.gateway == IPv4Address("100.92.4.1")
    assert PLAN.address(0) == IPv4Address("100.92.4.2")
    assert PLAN.address(PLAN.capacity - 1) < PLAN.router_address(15) < PLAN.router_gateway
    assert PLAN.capacity >= 1000  # the namespace backend's sandbox slots
    with pytest.raises(ValueError, match="outside"):
        PLAN.address(PLAN.capacity)
    for name in (PLAN.bridge, PLAN.host_interface(999), PLAN.host_interface(PLAN.capacity)):
        assert len(name) <= 15  # IFNAMSIZ - 1
    assert int(PLAN.bridge_mac.split(":")[0], 16) & 0b11 == 0b10  # local, unicast


def test_blocked_ranges_cover_private_shared_link_local_and_metadata() -> None:
    for address in ("10.1.2.3", "172.20.0.1", "192.168.1.1", "100.64.0.1", "169.254.169.254",
                    "127.0.0.1", "0.0.0.1", "224.0.0.1", "255.255.255.255"):  # fmt: skip
        assert any(IPv4Address(address) in block for block in BLOCKED_V4), address
    for address in ("198.18.0.1", "203.0.113.9", "8.8.8.8", "1.1.1.1"):
        assert not any(IPv4Address(address) in block for block in BLOCKED_V4), address


def test_the_ruleset_names_its_bridge_block_and_allowed_ranges() -> None:
    text = default_ruleset(PLAN, [ip_network("10.9.0.0/16"), ip_network("fd00::/8")])
    assert f'iifname "{PLAN.bridge}" ip saddr != {PLAN.block}' in text
    assert "10.9.0.0/16" in text.split("set allowed4")[1].split("}")[0]
    assert "fd00::/8" not in text  # the default network routes no IPv6
    assert f"ip daddr {{ {PLAN.gateway}, {PLAN.router_gateway} }} udp dport 53 accept" in text
    assert "dport 53" not in default_ruleset(PLAN, (), dns=False)


@pytest.mark.skipif(shutil.which("nft") is None, reason="nft is not installed")
def test_the_ruleset_is_valid_nftables() -> None:
    text = default_ruleset(PLAN, [ip_network("172.31.0.0/16")])
    done = subprocess.run(["nft", "-c", "-f", "-"], input=text.encode(), capture_output=True,
                          timeout=30, check=False)  # fmt: skip
    if done.returncode != 0 and b"Operation not permitted" in done.stderr:
        pytest.skip("nft -c needs CAP_NET_ADMIN")
    assert done.returncode == 0, done.stderr.decode()


def test_claims_skip_blocks_in_use_and_each_other(tmp_path: Path) -> None:
    in_use = [IPv4Network("100.92.0.0/24")]
    first = claim_block(None, in_use, lock_dir=tmp_path)
    second = claim_block(None, in_use, lock_dir=tmp_path)
    try:
        assert first.block == IPv4Network("100.92.4.0/22")  # 100.92.0.0/22 overlaps in_use
        assert second.block == IPv4Network("100.92.8.0/22")
        with pytest.raises(NetworkUnavailableError, match="no free address block"):
            claim_block(IPv4Network("100.92.4.0/22"), in_use, lock_dir=tmp_path)
    finally:
        first.release()
        second.release()
    again = claim_block(IPv4Network("100.92.4.0/22"), in_use, lock_dir=tmp_path)
    again.release()


def _network(commands: RecordingCommands, tmp_path: Path) -> DefaultNetwork:
    claim = claim_block(PLAN.block, [], lock_dir=tmp_path)
    settings = DefaultNetworkSettings(tag=PLAN.tag, allowed=(IPv6Network("fd00::/8"),))
    return DefaultNetwork(settings, commands, claim)


def test_start_plug_close_issue_the_steps_in_order(tmp_path: Path) -> None:
    commands = RecordingCommands()

    async def run() -> dict[str, str | int]:
        network = _network(commands, tmp_path)
        await network.start(dns_port=None)
        interface = await network.plug(4242, 7)
        await network.close()
        return interface

    assert asyncio.run(run()) == {
        "address": str(PLAN.address(7)),
        "prefix": 22,
        "gateway": str(PLAN.gateway),
    }
    kinds = [kind for kind, _ in commands.calls]
    assert kinds[:2] == ["ip", "nft"]  # leftovers of a crashed run removed first
    assert f"link add {PLAN.bridge} address {PLAN.bridge_mac} type bridge" in commands.calls[2][1]
    assert ("sysctl", f"net.ipv6.conf.{PLAN.bridge}.disable_ipv6=1") in commands.calls
    assert ("sysctl", "net.ipv4.ip_forward=1") in commands.calls
    assert not [kind for kind, _ in commands.calls if kind.startswith("ip@")]  # the shell does
    shaping = [(kind, text) for kind, text in commands.calls if kind.startswith("tc")]
    assert sorted(kind for kind, _ in shaping) == ["tc", "tc@4242"]  # both directions
    assert all("tbf rate 100mbit" in text for _, text in shaping)
    host = next(text for kind, text in commands.calls if kind == "ip" and "netns 4242" in text)
    assert "isolated on" in host
    assert kinds[-2:] == ["nft", "ip"]  # the table, then the bridge


def test_a_failed_start_removes_what_it_made(tmp_path: Path) -> None:
    commands = RecordingCommands(fail_on="ip_forward")

    async def run() -> None:
        await _network(commands, tmp_path).start(dns_port=None)

    with pytest.raises(NetworkError, match="ip_forward"):
        asyncio.run(run())
    assert commands.calls[-1] == ("ip", f"link del {PLAN.bridge}")
    claim_block(PLAN.block, [], lock_dir=tmp_path).release()  # the claim was released
