"""The VPC data plane's steps and rules, without touching the host (a recording HostCommands
and a resolver of fixed answers); tests/security/test_vpc_network.py runs the real thing."""

from __future__ import annotations

import asyncio
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest

from stockade.sandbox.network.attachment import (
    EgressRule,
    EndpointView,
    IpProtocol,
    ResolvedVpc,
    SubnetView,
    VpcPlacement,
)
from stockade.sandbox.network.block_claim import claim_block
from stockade.sandbox.network.default_network import DefaultNetwork, DefaultNetworkSettings
from stockade.sandbox.network.errors import NetworkError
from stockade.sandbox.network.limits import EnvironmentLimits
from stockade.sandbox.network.vpc_network import VpcNetwork
from stockade.sandbox.network.vpc_rules import REJECT
from tests.support.network_fakes import RecordingCommands

BLOCK = IPv4Network("100.92.4.0/22")
SUBNET = SubnetView("vpc-1", IPv4Network("10.0.0.0/16"), "subnet-1", IPv4Network("10.0.1.0/24"),
                    "us-east-1a")  # fmt: skip
DB = EgressRule(IpProtocol.TCP, IPv4Network("10.0.1.10/32"), (5432, 5432))
PLACEMENT = VpcPlacement("123456789012", ("subnet-1",), ("sg-1",), False, "arn:fn")


class Resolver:
    def __init__(self, answer: ResolvedVpc | None) -> None:
        self.answer = answer

    def resolve(self, placement: VpcPlacement, subnet_id: str) -> ResolvedVpc | None:
        return self.answer


def _resolved(*egress: EgressRule, internet: bool = False) -> ResolvedVpc:
    subnet = SubnetView(SUBNET.vpc_id, SUBNET.vpc_cidr, SUBNET.subnet_id, SUBNET.cidr,
                        SUBNET.availability_zone, internet)  # fmt: skip
    return ResolvedVpc(subnet, ("sg-1",), egress, "eni-1", IPv4Address("10.0.1.37"))


async def _network(
    tmp_path: Path, resolver: Resolver, bindings: dict[str, str] | None = None
) -> tuple[VpcNetwork, DefaultNetwork, RecordingCommands]:
    commands = RecordingCommands()
    default = DefaultNetwork(DefaultNetworkSettings(tag="a1b2c3"), commands,
                             claim_block(BLOCK, [], lock_dir=tmp_path))  # fmt: skip
    await default.start(dns_port=None)
    return VpcNetwork(default, resolver, commands, bindings), default, commands


def test_attach_moves_the_veth_into_the_router_with_the_groups_egress(tmp_path: Path) -> None:
    async def run() -> RecordingCommands:
        vpc, default, commands = await _network(tmp_path, Resolver(_resolved(DB)))
        commands.calls.clear()
        await vpc.attach(4242, 7, PLACEMENT)
        await vpc.attach(4243, 8, PLACEMENT)  # the same VPC: its router is reused
        await vpc.close()
        await default.close()
        return commands

    calls = asyncio.run(run()).calls
    router = "stka1b2c3-1"
    made = [text for kind, text in calls if kind == "ip" and f"netns add {router}" in text]
    assert len(made) == 1
    moved = [text for kind, text in calls if kind == "ip" and "nomaster" in text]
    assert moved[0] == f"link set sa1b2c3-7 nomaster\nlink set sa1b2c3-7 netns {router}"
    rules = next(text for kind, text in calls if kind == f"nft@{router}" and "env_7" in text)
    assert "ip daddr 10.0.1.10/32 tcp dport 5432 accept" in rules
    assert f'oifname "up0" {REJECT}' in rules  # no NAT route: no way out
    assert 'add element inet vpc envs { "sa1b2c3-7" : jump env_7 }' in rules
    assert "sources" not in rules  # an unbound subnet: nothing to translate to
    shaped = [text for kind, text in calls if kind == f"tc@{router}"]
    shaping = EnvironmentLimits().tbf()
    assert shaped == [f"qdisc add dev sa1b2c3-{slot} root {shaping}" for slot in (7, 8)]
    assert calls[-1] == ("ip", "link del sba1b2c3")  # the router went first, then the bridge
    assert ("ip", f"netns del {router}") in calls


def test_a_bound_subnet_gets_a_link_with_the_interface_address(tmp_path: Path) -> None:
    async def run() -> RecordingCommands:
        vpc, default, commands = await _network(
            tmp_path, Resolver(_resolved(DB)), {"subnet-1": "br-lan"}
        )
        await vpc.attach(4242, 7, PLACEMENT)
        await vpc.close()
        await default.close()
        return commands

    calls = asyncio.run(run()).calls
    assert any(kind == "ip" and "master br-lan" in text for kind, text in calls)
    assert ("ip@stka1b2c3-1", "addr add 10.0.1.37/24 dev sn0") in calls
    rules = next(text for kind, text in calls if "jump env_7" in text)
    assert "add element inet vpc sources { 100.92.4.9 : 10.0.1.37 }" in rules


def test_a_change_replaces_the_rules_and_a_gone_group_leaves_only_drops(tmp_path: Path) -> None:
    resolver = Resolver(_resolved(DB))

    async def run() -> RecordingCommands:
        vpc, default, commands = await _network(tmp_path, resolver)
        await vpc.attach(4242, 7, PLACEMENT)
        resolver.answer = _resolved(internet=True)  # the rule revoked, a NAT route added
        await vpc.refresh(("123456789012", "vpc-1"))
        resolver.answer = None  # the group deleted
        await vpc.refresh(("123456789012", "vpc-1"))
        await vpc.close()
        await default.close()
        return commands

    replaced = [
        t for k, t in asyncio.run(run()).calls if t.startswith("flush chain inet vpc env_7")
    ]
    assert len(replaced) == 2
    assert "5432" not in replaced[0]
    assert f'env_7 oifname "up0" {REJECT}' not in replaced[0]  # the NAT route opens the uplink
    assert replaced[1] == f"flush chain inet vpc env_7\nadd rule inet vpc env_7 {REJECT}\n"


def test_a_placement_whose_subnet_is_gone_fails_the_launch(tmp_path: Path) -> None:
    async def run() -> None:
        vpc, default, _ = await _network(tmp_path, Resolver(None))
        try:
            await vpc.attach(4242, 7, PLACEMENT)
        finally:
            await vpc.close()
            await default.close()

    with pytest.raises(NetworkError, match="gone"):
        asyncio.run(run())


def test_the_channel_reaches_a_service_through_an_admitting_endpoint_only() -> None:
    https = EgressRule(IpProtocol.TCP, IPv4Network("10.0.0.0/16"), (443, 443))
    sts = EndpointView("com.amazonaws.us-east-1.sts", IPv4Address("10.0.1.50"), admits=True)
    closed = EndpointView("com.amazonaws.us-east-1.sqs", IPv4Address("10.0.1.51"), admits=False)
    resolved = _resolved(https)
    with_endpoints = ResolvedVpc(resolved.subnet, ("sg-1",), (https,), "eni-1",
                                 IPv4Address("10.0.1.37"), (sts, closed))  # fmt: skip
    assert with_endpoints.reaches_service("sts")
    assert not with_endpoints.reaches_service("sqs")  # its group does not admit the function
    assert not with_endpoints.reaches_service("lambda")  # no endpoint
    assert not with_endpoints.reaches_service(None)
    no_https = ResolvedVpc(resolved.subnet, ("sg-1",), (DB,), "eni-1", None, (sts,))
    assert not no_https.reaches_service("sts")  # the function's egress does not let it out
    everywhere = EgressRule(IpProtocol.ALL, IPv4Network("0.0.0.0/0"))
    assert _resolved(everywhere, internet=True).reaches_service("lambda")  # the NAT route
    assert not _resolved(everywhere).reaches_service("lambda")
