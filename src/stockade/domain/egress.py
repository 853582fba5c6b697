"""How a VPC reaches out (values): Elastic IPs, NAT gateways and interface VPC endpoints, and
the pure choice of the addresses they hold.

A NAT gateway moves from `available` to `deleted` only (it is ready as soon as it is written,
and a deleted one is kept, listed, for a while, as AWS keeps it); an Elastic IP is held by at
most one NAT gateway; an endpoint holds one interface, with one address, in each subnet.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from stockade.domain.network import Tags
from stockade.types import AccountId

FIRST_RESERVED, LAST_RESERVED = 4, 1  # AWS keeps each subnet's first four and its last address


@dataclass(frozen=True)
class ElasticIp:
    account_id: AccountId
    allocation_id: str
    public_ip: str
    # The NAT gateway holding it, with the association id AWS gives that holding.
    nat_gateway_id: str = ""
    association_id: str = ""
    tags: Tags = ()

    @property
    def in_use(self) -> bool:
        return bool(self.nat_gateway_id)


class NatState(StrEnum):
    AVAILABLE = "available"
    DELETED = "deleted"


class Connectivity(StrEnum):
    PUBLIC = "public"  # through an Elastic IP and the VPC's internet gateway
    PRIVATE = "private"  # to other networks only: no Elastic IP


@dataclass(frozen=True)
class NatGateway:
    account_id: AccountId
    nat_gateway_id: str
    vpc_id: str
    subnet_id: str
    availability_zone: str
    connectivity: Connectivity = Connectivity.PUBLIC
    network_interface_id: str = ""
    private_ip: str = ""
    allocation_id: str = ""  # public gateways only
    association_id: str = ""
    public_ip: str = ""
    state: NatState = NatState.AVAILABLE
    created: datetime | None = None
    deleted: datetime | None = None
    client_token: str = ""  # CreateNatGateway's, to answer a retried request with this one
    tags: Tags = ()

    @property
    def is_deleted(self) -> bool:
        return self.state is NatState.DELETED

    def delete(self, now: datetime) -> NatGateway:
        """The only transition: available -> deleted (it lets its Elastic IP go)."""
        return replace(self, state=NatState.DELETED, deleted=now)


@dataclass(frozen=True)
class EndpointInterface:
    """An interface VPC endpoint's network interface in one subnet, and its address."""

    subnet_id: str
    network_interface_id: str
    address: str


@dataclass(frozen=True)
class VpcEndpoint:
    account_id: AccountId
    endpoint_id: str
    vpc_id: str
    service_name: str  # com.amazonaws.<region>.<service>
    interfaces: tuple[EndpointInterface, ...] = ()
    group_ids: tuple[str, ...] = ()
    private_dns: bool = True
    created: datetime | None = None
    client_token: str = ""  # CreateVpcEndpoint's, to answer a retried request with this one
    tags: Tags = ()

    @property
    def subnet_ids(self) -> tuple[str, ...]:
        return tuple(i.subnet_id for i in self.interfaces)


POOL_PREFIX_MIN, POOL_PREFIX_MAX = 16, 30


def checked_pool(pool: str) -> str:
    """`pool` when it is an IPv4 block of /16 to /30; ValueError otherwise."""
    block = ipaddress.IPv4Network(pool, strict=True)
    if not POOL_PREFIX_MIN <= block.prefixlen <= POOL_PREFIX_MAX:
        raise ValueError(f"an Elastic IP pool is /{POOL_PREFIX_MIN} to /{POOL_PREFIX_MAX}")
    return str(block)


def pick_public_ip(pool: str, taken: set[str]) -> str | None:
    """The lowest host address of `pool` not in `taken`, or None when all are."""
    block = ipaddress.IPv4Network(pool, strict=True)
    hosts = block.hosts() if block.num_addresses > 2 else iter(block)
    return next((str(a) for a in hosts if str(a) not in taken), None)


def endpoint_address(
    subnet_cidr: str, owner_id: str, subnet_id: str, taken: frozenset[str] = frozenset()
) -> str | None:
    """A deterministic address of the subnet for the interface of `owner_id` (an endpoint or
    a NAT gateway) in `subnet_id`: the same ids always get the same address unless it is
    `taken`, then the next free one. AWS's reserved addresses (the first four and the last)
    are never chosen; None when the subnet has no free address."""
    block = ipaddress.IPv4Network(subnet_cidr, strict=True)
    count = block.num_addresses - FIRST_RESERVED - LAST_RESERVED
    if count <= 0:
        return None
    digest = hashlib.sha256(f"{owner_id}/{subnet_id}".encode()).digest()
    start = int.from_bytes(digest[:8], "big") % count
    first = int(block.network_address) + FIRST_RESERVED
    for step in range(count):  # bounded by the subnet's size (at most 65,531 for a /16)
        address = str(ipaddress.IPv4Address(first + (start + step) % count))
        if address not in taken:
            return address
    return None
