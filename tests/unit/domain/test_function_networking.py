"""Pure rules of function networking: which route tables reach the internet, and the address
of a function's network interface in its subnet.

Facts: AWS keeps the first four addresses and the last one of every subnet ("Subnet CIDR
blocks", Amazon VPC user guide); a route whose target is gone is `blackhole`, a usable one
`active` (EC2 API reference, "Route"); Lambda functions in a VPC reach the internet only
through a NAT gateway ("Enable internet access for VPC-connected Lambda functions").
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

import pytest

from stockade.domain.network import interface_address
from stockade.domain.routing import Association, Route, RouteTable, reaches_internet
from stockade.types import AccountId

ACCOUNT = AccountId("111122223333")


def table(*routes: Route) -> RouteTable:
    local = Route("10.0.0.0/16", "local")
    return RouteTable(ACCOUNT, "rtb-1", "vpc-1", (local, *routes), (Association("a-1"),))


def test_a_default_route_to_an_active_nat_gateway_reaches_the_internet() -> None:
    assert reaches_internet(table(Route("0.0.0.0/0", "nat-0123456789abcdef0")))


@pytest.mark.parametrize(
    "routes",
    [
        (),  # the local route only
        (Route("0.0.0.0/0", "igw-0123456789abcdef0"),),  # no public address: not out
        (Route("8.8.8.0/24", "nat-0123456789abcdef0"),),  # not the default route
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
