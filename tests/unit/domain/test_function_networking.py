"""Pure rules of function networking: which route tables reach the internet, and the address
of a function's network interface in its subnet.

Facts: AWS keeps the first four addresses and the last one of every subnet ("Subnet CIDR
blocks", Amazon VPC user guide); a route whose target is gone is `blackhole`, a usable one
`active` (EC2 API reference, "Route"); Lambda functions in a VPC reach the internet only
through a NAT gateway ("Enable internet access for VPC-connected Lambda functions").
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from ipaddress import IPv4Address, IPv4Network
from typing import Any

import pytest

from stockade.domain.compliance_rules import INSIDE_VPC, Compliance, evaluate
from stockade.domain.function import Code, Function, FunctionConfig, FunctionVersion
from stockade.domain.function_snapshot import NetworkMode, function_configuration
from stockade.domain.function_vpc import FunctionVpc
from stockade.domain.network import interface_address
from stockade.domain.routing import Association, Route, RouteTable, reaches_internet
from stockade.domain.runtimes import RuntimeCatalog
from stockade.types import AccountId, Sha256Hex

ACCOUNT = AccountId("111122223333")
CATALOG = RuntimeCatalog.with_lifecycles({}, {"version": 1, "runtimes": {}, "recommended": {}})


NAT = "nat-0123456789abcdef0"


def table(*routes: Route) -> RouteTable:
    local = Route("10.0.0.0/16", "local")
    return RouteTable(ACCOUNT, "rtb-1", "vpc-1", (local, *routes), (Association("a-1"),))


def test_a_default_route_to_an_active_nat_gateway_reaches_the_internet() -> None:
    assert reaches_internet(table(Route("0.0.0.0/0", "", nat_gateway_id=NAT)))


@pytest.mark.parametrize(
    "routes",
    [
        (),  # the local route only
        (Route("0.0.0.0/0", "igw-0123456789abcdef0"),),  # no public address: not out
        (Route("8.8.8.0/24", "", nat_gateway_id=NAT),),  # not the default route
        (Route("0.0.0.0/0", "", nat_gateway_id=NAT, blackhole=True),),  # its gateway deleted
    ],
)
def test_other_tables_do_not(routes: tuple[Route, ...]) -> None:
    assert not reaches_internet(table(*routes))


def test_an_interface_address_is_stable_inside_the_subnet_and_never_reserved() -> None:
    subnet = IPv4Network("10.0.1.0/28")  # 16 addresses, 11 usable
    reserved = {subnet.network_address + i for i in range(4)} | {subnet.broadcast_address}
    seen = set()
    for n in range(200):
        address = interface_address(subnet, f"eni-{n:017x}")
        assert address in subnet
        assert address not in reserved
        assert interface_address(subnet, f"eni-{n:017x}") == address
        seen.add(address)
    assert len(seen) == 11  # every usable address is reached by some id


def test_an_interface_address_follows_its_subnet() -> None:
    assert interface_address(IPv4Network("192.168.7.0/24"), "eni-1") in IPv4Network(
        "192.168.7.0/24"
    )
    assert interface_address(IPv4Network("10.9.0.0/16"), "eni-1") != IPv4Address("10.9.0.0")


def test_a_subnet_too_small_for_an_interface_is_refused() -> None:
    with pytest.raises(ValueError, match="no address"):
        interface_address(IPv4Network("10.0.0.0/30"), "eni-1")


def configuration(vpc: FunctionVpc | None, mode: NetworkMode = NetworkMode.ISOLATED) -> Any:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    config = FunctionConfig("python3.14", "app.handler", f"arn:aws:iam::{ACCOUNT}:role/r", vpc=vpc)
    latest = FunctionVersion(ACCOUNT, "f", "$LATEST", config, Code(Sha256Hex("00" * 32), 1, 1),
                             "r", now)  # fmt: skip
    return function_configuration(Function(ACCOUNT, "f", now), latest, "us-east-1", {}, [], mode)


def test_a_function_in_a_vpc_is_inside_one_and_its_item_says_which() -> None:
    attached = FunctionVpc(("subnet-1", "subnet-2"), ("sg-1",), "vpc-1")
    item = configuration(attached)
    assert item["network"]["vpcConfig"] == {
        "subnetIds": ["subnet-1", "subnet-2"],
        "securityGroupIds": ["sg-1"],
        "vpcId": "vpc-1",
    }
    found = evaluate(INSIDE_VPC, {}, item, date(2026, 1, 1), CATALOG)
    assert found.compliance is Compliance.COMPLIANT
    assert found.reason == "in VPC vpc-1"
    # An emptied VpcConfig is no VPC; host processes (no sandbox) join none either.
    assert configuration(FunctionVpc())["network"]["vpcConfig"] is None
    host = configuration(attached, NetworkMode.HOST)
    assert evaluate(INSIDE_VPC, {}, host, date(2026, 1, 1), CATALOG).compliance is (
        Compliance.NON_COMPLIANT
    )
