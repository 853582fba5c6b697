"""VPCs, subnets and security groups of the EC2-compatible network API (values).

Rules live inside their security group: a group is read and written whole, so adding or
removing a rule is one row written in one transaction. Tags are kept in the order given.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass, replace
from enum import StrEnum

from stockade.types import AccountId

Tags = tuple[tuple[str, str], ...]
ALL_PROTOCOLS = "-1"
# AWS keeps the first four addresses of a subnet and its last one ("Subnet CIDR blocks",
# Amazon VPC user guide): no interface is given one of them.
RESERVED_LOW, RESERVED_HIGH = 4, 1


class ResourceKind(StrEnum):
    VPC = "vpc"
    SUBNET = "subnet"
    SECURITY_GROUP = "security-group"
    INTERNET_GATEWAY = "internet-gateway"
    ROUTE_TABLE = "route-table"
    FLOW_LOG = "vpc-flow-log"  # its ARN's resource type and TagSpecifications' ResourceType
    NETWORK_INTERFACE = "network-interface"
    # Egress: Elastic IPs, NAT gateways, VPC endpoints (the ARN resource types and the
    # TagSpecifications ResourceType values are the same words).
    ELASTIC_IP = "elastic-ip"
    NAT_GATEWAY = "natgateway"
    VPC_ENDPOINT = "vpc-endpoint"


@dataclass(frozen=True)
class Vpc:
    account_id: AccountId
    vpc_id: str
    cidr_block: str
    association_id: str = ""
    tags: Tags = ()


@dataclass(frozen=True)
class Subnet:
    account_id: AccountId
    subnet_id: str
    vpc_id: str
    cidr_block: str
    availability_zone: str = ""
    tags: Tags = ()


@dataclass(frozen=True)
class InternetGateway:
    """An internet gateway, attached to at most one VPC (`vpc_id` empty while detached)."""

    account_id: AccountId
    gateway_id: str
    vpc_id: str = ""
    tags: Tags = ()


@dataclass(frozen=True)
class Rule:
    """One rule of a security group: one peer (IPv4 or IPv6 range, or a group) for one
    protocol and port range. AWS gives each such rule its own `sgr-` id."""

    rule_id: str
    egress: bool
    protocol: str  # "tcp", "udp", "icmp", "icmpv6", or "-1" for all
    from_port: int | None = None
    to_port: int | None = None
    cidr_ipv4: str = ""
    cidr_ipv6: str = ""
    group_id: str = ""  # a referenced security group
    description: str = ""

    def same_permission(self, other: Rule) -> bool:
        """Whether the two allow the same traffic (ids and descriptions aside)."""
        return replace(self, rule_id="", description="") == replace(
            other, rule_id="", description=""
        )


@dataclass(frozen=True)
class SecurityGroup:
    account_id: AccountId
    group_id: str
    vpc_id: str
    name: str
    description: str
    rules: tuple[Rule, ...] = ()
    tags: Tags = ()

    @property
    def is_default(self) -> bool:
        return self.name == "default"


def network(cidr: str) -> ipaddress.IPv4Network | None:
    """The IPv4 network a CIDR block names exactly (no host bits set), or None."""
    try:
        return ipaddress.IPv4Network(cidr, strict=True)
    except ValueError:
        return None


def with_tags(current: Tags, added: Tags) -> Tags:
    """`current` with `added` set: a key given again takes the new value."""
    merged = dict(current)
    merged.update(added)
    return tuple(merged.items())


def interface_address(
    subnet_cidr: ipaddress.IPv4Network, interface_id: str
) -> ipaddress.IPv4Address:
    """The private address of a network interface: stable for its id, inside the subnet and
    never one of the addresses AWS reserves. Derived (not allocated) so the control plane and
    the data plane agree on it without sharing state."""
    usable = subnet_cidr.num_addresses - RESERVED_LOW - RESERVED_HIGH
    if usable <= 0:
        raise ValueError(f"subnet {subnet_cidr} has no address for an interface")
    digest = hashlib.sha256(interface_id.encode("utf-8")).digest()
    offset = int.from_bytes(digest[:8], "big") % usable
    return subnet_cidr.network_address + RESERVED_LOW + offset
