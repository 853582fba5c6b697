"""What an environment's network is: typed values from the control plane to the data plane.

A function's `VpcConfig` becomes a `VpcPlacement` in its environment spec (ids only). The
data plane asks a `VpcResolver` for the current subnet and rules when it attaches an
environment, and again whenever a `NetworkChanges` notice says the VPC changed, so that a
rule revoked while a function is warm applies to its next connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from ipaddress import IPv4Address, IPv4Network, IPv6Network
from typing import Protocol


class IpProtocol(StrEnum):
    """IP protocols a security group rule names (EC2's "-1" is ALL)."""

    ALL = "all"
    TCP = "tcp"
    UDP = "udp"
    ICMP = "icmp"
    ICMPV6 = "icmpv6"


@dataclass(frozen=True)
class VpcPlacement:
    """A function's VpcConfig, as stored: which subnets and groups, not what they contain."""

    account_id: str
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    ipv6_allowed_for_dual_stack: bool = False
    function_arn: str = ""  # whose interface (one per function and subnet, as Lambda's)


@dataclass(frozen=True)
class EgressRule:
    """One outbound permission of a security group, peers already resolved to a block.

    `ports` is the inclusive (from, to) range for tcp/udp, the (type, code) pair for icmp
    (-1 meaning any), None for ALL. A rule whose peer is another security group resolves to
    no EgressRule: environments accept no inbound connection, so no member of a group can
    be reached through one (see docs/network.md).
    """

    protocol: IpProtocol
    destination: IPv4Network | IPv6Network
    ports: tuple[int, int] | None = None


@dataclass(frozen=True)
class SubnetView:
    vpc_id: str
    vpc_cidr: IPv4Network
    subnet_id: str
    cidr: IPv4Network
    availability_zone: str
    # A 0.0.0.0/0 route of the subnet's table targets an available NAT gateway.
    internet: bool = False


@dataclass(frozen=True)
class EndpointView:
    """An interface VPC endpoint of the function's VPC, as the function sees it."""

    service_name: str  # com.amazonaws.<region>.<service>
    address: IPv4Address  # its interface in one of the VPC's subnets
    # Its security groups let the function's interface in on HTTPS (443).
    admits: bool


@dataclass(frozen=True)
class ResolvedVpc:
    """Everything the data plane needs to build one environment's interface and rules."""

    subnet: SubnetView
    security_group_ids: tuple[str, ...]
    egress: tuple[EgressRule, ...]
    # The function's interface in the subnet: the source its traffic has inside the VPC.
    interface_id: str = ""
    interface_address: IPv4Address | None = None
    endpoints: tuple[EndpointView, ...] = ()

    def allows_egress(self, protocol: IpProtocol, port: int, destination: IPv4Address) -> bool:
        """Whether the groups' egress rules let a new connection out to `destination`."""
        return any(
            destination.version == rule.destination.version
            and destination in rule.destination
            and self._carries(rule, protocol, port)
            for rule in self.egress
        )

    def reaches_service(self, service: str | None) -> bool:
        """Whether the function reaches a service's API: through an interface endpoint of
        the VPC for it that admits the function and that its egress allows, or through its
        subnet's NAT route to the public endpoint (egress on HTTPS to outside the VPC)."""
        https = (IpProtocol.TCP, 443)
        if self.subnet.internet and any(
            self._leaves_vpc(rule) and self._carries(rule, *https) for rule in self.egress
        ):
            return True
        if service is None:
            return False
        return any(
            endpoint.service_name.endswith(f".{service}")
            and endpoint.admits
            and self.allows_egress(*https, endpoint.address)
            for endpoint in self.endpoints
        )

    def _leaves_vpc(self, rule: EgressRule) -> bool:
        destination = rule.destination
        return isinstance(destination, IPv4Network) and not destination.subnet_of(
            self.subnet.vpc_cidr
        )

    @staticmethod
    def _carries(rule: EgressRule, protocol: IpProtocol, port: int) -> bool:
        if rule.protocol is IpProtocol.ALL:
            return True
        return (
            rule.protocol is protocol
            and rule.ports is not None
            and (rule.ports[0] <= port <= rule.ports[1])
        )


class VpcResolver(Protocol):
    def resolve(self, placement: VpcPlacement, subnet_id: str) -> ResolvedVpc | None:
        """The subnet's and the groups' current state; None when any is gone."""
        ...


class NetworkChanges(Protocol):
    """Told after a committed change that may alter what environments of a VPC reach."""

    def vpc_changed(self, account_id: str, vpc_id: str) -> None: ...


class IgnoredChanges:
    """For servers without function networking: nothing to update."""

    def vpc_changed(self, account_id: str, vpc_id: str) -> None:
        return None
