"""Egress values: a route's target and state through a NAT gateway, the addresses endpoints
and NAT gateways hold (never one of the five AWS reserves in each subnet), the address pool."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

import pytest

from stockade.domain.egress import (
    NatGateway,
    NatState,
    checked_pool,
    endpoint_address,
    pick_public_ip,
)
from stockade.domain.routing import LOCAL, Route, RouteState, RouteTable, new_table
from stockade.types import AccountId

ACCOUNT = AccountId("111122223333")


def nat_table() -> RouteTable:
    table = new_table(ACCOUNT, "rtb-0a", "vpc-0a", "10.0.0.0/16")
    routes = (*table.routes, Route("0.0.0.0/0", "", "nat-0a"), Route("10.9.0.0/16", "igw-0a"))
    return RouteTable(ACCOUNT, "rtb-0a", "vpc-0a", routes)


def test_a_route_names_its_target_whatever_its_kind() -> None:
    local, nat, igw = nat_table().routes
    assert (local.target, nat.target, igw.target) == (LOCAL, "nat-0a", "igw-0a")


def test_a_nat_route_is_active_until_its_gateway_is_deleted() -> None:
    table = nat_table()
    nat = table.route_to("0.0.0.0/0")
    assert nat is not None
    assert nat.state() is RouteState.ACTIVE
    after = table.without_nat_gateway("nat-0a")
    gone = after.route_to("0.0.0.0/0")
    assert gone is not None
    assert gone.state() is RouteState.BLACKHOLE
    assert gone.target == "nat-0a"  # the route stays, naming its gateway, as in AWS
    # Other routes are left as they were.
    assert after.routes[0] == table.routes[0]
    assert after.routes[2] == table.routes[2]


def test_an_internet_gateway_route_follows_the_attachment() -> None:
    igw = nat_table().routes[2]
    assert igw.state(attached_gateways={"igw-0a"}) is RouteState.ACTIVE
    assert igw.state(attached_gateways=set()) is RouteState.BLACKHOLE
    assert nat_table().routes[0].state() is RouteState.ACTIVE  # local


def test_a_nat_gateway_moves_from_available_to_deleted() -> None:
    made = NatGateway(ACCOUNT, "nat-0a", "vpc-0a", "subnet-0a", "us-east-1a")
    assert made.state is NatState.AVAILABLE
    assert not made.is_deleted
    when = datetime(2026, 1, 2, tzinfo=UTC)
    gone = made.delete(when)
    assert gone.is_deleted
    assert gone.deleted == when


def test_endpoint_addresses_are_deterministic_and_skip_the_reserved() -> None:
    cidr = "10.0.1.0/24"
    first = endpoint_address(cidr, "vpce-0a", "subnet-0a")
    assert first == endpoint_address(cidr, "vpce-0a", "subnet-0a")
    block = list(ipaddress.IPv4Network(cidr))
    reserved = {str(a) for a in (*block[:4], block[-1])}
    seen = set()
    for n in range(200):
        address = endpoint_address(cidr, f"vpce-{n}", "subnet-0a")
        assert address is not None
        assert address not in reserved
        seen.add(address)
    assert len(seen) > 50  # spread over the subnet, not one address


def test_a_taken_address_is_passed_over_and_a_full_subnet_has_none() -> None:
    cidr = "10.0.0.16/28"  # 11 usable
    taken: set[str] = set()
    for n in range(11):
        address = endpoint_address(cidr, f"nat-{n}", "subnet-0a", frozenset(taken))
        assert address is not None
        assert address not in taken
        taken.add(address)
    assert endpoint_address(cidr, "nat-x", "subnet-0a", frozenset(taken)) is None


def test_public_addresses_are_the_lowest_free_of_the_pool() -> None:
    assert pick_public_ip("198.51.100.0/24", set()) == "198.51.100.1"
    assert pick_public_ip("198.51.100.0/24", {"198.51.100.1"}) == "198.51.100.2"
    assert pick_public_ip("198.51.100.0/30", {"198.51.100.1", "198.51.100.2"}) is None


def test_a_pool_is_an_ipv4_block_of_16_to_30() -> None:
    assert checked_pool("203.0.113.0/24") == "203.0.113.0/24"
    for bad in ("203.0.113.1/24", "10.0.0.0/8", "203.0.113.0/31", "2001:db8::/64", "pool"):
        with pytest.raises(ValueError, match=r"."):
            checked_pool(bad)
