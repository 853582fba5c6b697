"""What the data plane asks of the EC2 store for a function's environment: the subnet it
joins and the egress its groups allow, read in one transaction (`VpcResolver`).

A subnet's route table is its own association's, else its VPC's main table; environments reach
the internet when that table's default route goes to an active NAT gateway
(`domain.routing.reaches_internet`). Egress is every egress rule of every group of the
placement, CIDR peers only: a peer that is a group resolves to nothing (see
`sandbox.network.attachment.EgressRule`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from stockade.domain.network import (
    ALL_PROTOCOLS,
    Rule,
    SecurityGroup,
    Subnet,
    interface_address,
)
from stockade.domain.routing import RouteTable, reaches_internet
from stockade.sandbox.network.attachment import (
    EgressRule,
    EndpointView,
    IpProtocol,
    ResolvedVpc,
    SubnetView,
    VpcPlacement,
)
from stockade.services.ec2.function_interfaces import interface_id
from stockade.store.ports import Store
from stockade.types import AccountId

HTTPS = 443


class StoreVpcResolver:
    """`VpcResolver` over the EC2 store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def resolve(self, placement: VpcPlacement, subnet_id: str) -> ResolvedVpc | None:
        if subnet_id not in placement.subnet_ids:
            return None  # only a subnet of the function's own configuration
        account = AccountId(placement.account_id)
        with self._store.read() as tx:
            subnet = tx.networks.get_subnet(account, subnet_id)
            vpc = None if subnet is None else tx.networks.get_vpc(account, subnet.vpc_id)
            groups = [tx.networks.get_group(account, g) for g in placement.security_group_ids]
            tables = [] if subnet is None else tx.networks.route_tables(account, subnet.vpc_id)
            endpoints = [] if subnet is None else tx.egress.endpoints(account, subnet.vpc_id)
            endpoint_groups = {
                group_id: tx.networks.get_group(account, group_id)
                for endpoint in endpoints
                for group_id in endpoint.group_ids
            }
        if subnet is None or vpc is None:
            return None
        present = [g for g in groups if g is not None and g.vpc_id == subnet.vpc_id]
        if len(present) != len(groups):
            return None
        vpc_block, subnet_block = _block(vpc.cidr_block), _block(subnet.cidr_block)
        if vpc_block is None or subnet_block is None:  # pragma: no cover - stored blocks parse
            return None
        table = table_of(subnet, tables)
        view = SubnetView(
            vpc_id=subnet.vpc_id,
            vpc_cidr=vpc_block,
            subnet_id=subnet.subnet_id,
            cidr=subnet_block,
            availability_zone=subnet.availability_zone,
            internet=table is not None and reaches_internet(table),
        )
        interface = address = None
        if placement.function_arn:  # the function's own interface in the subnet
            name = placement.function_arn.rsplit(":", 1)[-1]
            interface = interface_id(placement.account_id, name, subnet.subnet_id)
            address = interface_address(subnet_block, interface)
        seen_as = address or subnet_block.network_address  # whom an endpoint sees
        views = tuple(
            EndpointView(
                endpoint.service_name,
                ipaddress.IPv4Address(interface.address),
                _admits(
                    [endpoint_groups.get(g) for g in endpoint.group_ids],
                    seen_as,
                    placement.security_group_ids,
                ),
            )
            for endpoint in endpoints
            for interface in endpoint.interfaces
        )
        return ResolvedVpc(
            view,
            placement.security_group_ids,
            egress_rules(present),
            interface_id=interface or "",
            interface_address=address,
            endpoints=views,
        )


def table_of(subnet: Subnet, tables: Iterable[RouteTable]) -> RouteTable | None:
    """The table a subnet uses: the one associated with it, else its VPC's main table."""
    candidates = [t for t in tables if t.vpc_id == subnet.vpc_id]
    own = [t for t in candidates if any(a.subnet_id == subnet.subnet_id for a in t.associations)]
    if own:
        return own[0]
    return next((t for t in candidates if t.is_main), None)


def egress_rules(groups: Iterable[SecurityGroup]) -> tuple[EgressRule, ...]:
    """Every egress rule of `groups` with a CIDR peer, once each."""
    found: dict[EgressRule, None] = {}
    for group in groups:
        for rule in group.rules:
            if not rule.egress:
                continue
            for resolved in _resolved(rule):
                found[resolved] = None
    return tuple(found)


def _resolved(rule: Rule) -> list[EgressRule]:
    protocol = IpProtocol.ALL if rule.protocol == ALL_PROTOCOLS else IpProtocol(rule.protocol)
    ports = None
    if protocol is not IpProtocol.ALL and rule.from_port is not None and rule.to_port is not None:
        ports = (rule.from_port, rule.to_port)
    blocks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    if rule.cidr_ipv4:
        blocks.append(ipaddress.IPv4Network(rule.cidr_ipv4, strict=False))
    if rule.cidr_ipv6:
        blocks.append(ipaddress.IPv6Network(rule.cidr_ipv6, strict=False))
    return [EgressRule(protocol, block, ports) for block in blocks]


def _admits(
    groups: Iterable[SecurityGroup | None],
    source: ipaddress.IPv4Address,
    source_groups: tuple[str, ...],
) -> bool:
    """Whether an endpoint's groups let HTTPS in from `source` (an address, or a member of
    one of `source_groups`)."""
    for group in groups:
        for rule in () if group is None else group.rules:
            if rule.egress or not _carries_https(rule):
                continue
            if rule.group_id and rule.group_id in source_groups:
                return True
            if rule.cidr_ipv4 and source in ipaddress.IPv4Network(rule.cidr_ipv4, strict=False):
                return True
    return False


def _carries_https(rule: Rule) -> bool:
    if rule.protocol == ALL_PROTOCOLS:
        return True
    return (
        rule.protocol == "tcp"
        and rule.from_port is not None
        and rule.to_port is not None
        and rule.from_port <= HTTPS <= rule.to_port
    )


def _block(cidr: str) -> ipaddress.IPv4Network | None:
    try:
        return ipaddress.IPv4Network(cidr, strict=False)
    except ValueError:  # pragma: no cover - stored blocks parse
        return None
