"""Route tables of the EC2-compatible network (values).

A table lives in one VPC and holds its routes and its associations: read and written whole, so
a route or an association changes in one row. The VPC's main table has the main association
(no subnet) and the `local` route for the VPC's block, as AWS makes it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from enum import StrEnum

from stockade.domain.network import Tags
from stockade.types import AccountId

LOCAL = "local"  # the gateway of the route for the VPC's own block
DEFAULT_ROUTE = "0.0.0.0/0"
NAT_PREFIX = "nat-"


class RouteState(StrEnum):
    ACTIVE = "active"
    BLACKHOLE = "blackhole"  # its target is gone: traffic to it is dropped


@dataclass(frozen=True)
class Route:
    destination_cidr: str
    gateway_id: str  # `local`, an internet gateway's id, or empty for a NAT gateway's route
    nat_gateway_id: str = ""
    # Set when the route's NAT gateway is deleted: a deleted gateway never comes back, so the
    # route stays a blackhole until it is deleted or replaced, as in AWS.
    blackhole: bool = False

    @property
    def is_local(self) -> bool:
        return self.gateway_id == LOCAL

    @property
    def target(self) -> str:
        """The id traffic goes to: `local`, an internet gateway's or a NAT gateway's."""
        return self.nat_gateway_id or self.gateway_id

    def state(self, attached_gateways: Collection[str] = ()) -> RouteState:
        """`attached_gateways`: the internet gateways attached to a VPC now (one detached
        since the route was made leaves it a blackhole while it stays detached)."""
        if self.is_local:
            return RouteState.ACTIVE
        if self.blackhole:
            return RouteState.BLACKHOLE
        if self.nat_gateway_id or self.gateway_id in attached_gateways:
            return RouteState.ACTIVE
        return RouteState.BLACKHOLE


@dataclass(frozen=True)
class Association:
    association_id: str
    subnet_id: str = ""  # empty for the main association

    @property
    def is_main(self) -> bool:
        return not self.subnet_id


@dataclass(frozen=True)
class RouteTable:
    account_id: AccountId
    route_table_id: str
    vpc_id: str
    routes: tuple[Route, ...] = ()
    associations: tuple[Association, ...] = ()
    tags: Tags = ()

    @property
    def is_main(self) -> bool:
        return any(a.is_main for a in self.associations)

    def route_to(self, destination: str) -> Route | None:
        return next((r for r in self.routes if r.destination_cidr == destination), None)

    def without_nat_gateway(self, nat_gateway_id: str) -> RouteTable:
        """The table once the NAT gateway is deleted: its routes stay, as blackholes."""
        routes = tuple(
            replace(r, blackhole=True) if r.nat_gateway_id == nat_gateway_id else r
            for r in self.routes
        )
        return replace(self, routes=routes)

    def without_subnet(self, subnet_id: str) -> RouteTable:
        kept = tuple(a for a in self.associations if a.subnet_id != subnet_id)
        return replace(self, associations=kept)


def reaches_internet(table: RouteTable) -> bool:
    """Whether environments in a subnet using `table` reach the internet: its default route
    goes to a NAT gateway and is active. (Environments take no public address, so a route to
    an internet gateway alone does not take them out, as in AWS for Lambda functions.)"""
    route = table.route_to(DEFAULT_ROUTE)
    return route is not None and _through_an_active_nat_gateway(route)


def _through_an_active_nat_gateway(route: Route) -> bool:
    # A route through a deleted NAT gateway is a blackhole: no way out.
    return route.target.startswith(NAT_PREFIX) and route.state() is RouteState.ACTIVE


def new_table(
    account: AccountId, table_id: str, vpc_id: str, vpc_cidr: str, tags: Tags = ()
) -> RouteTable:
    """A table as CreateRouteTable makes it: the `local` route only."""
    return RouteTable(account, table_id, vpc_id, (Route(vpc_cidr, LOCAL),), (), tags)


def main_table(
    account: AccountId, table_id: str, association_id: str, vpc_id: str, vpc_cidr: str
) -> RouteTable:
    """The table CreateVpc makes: the `local` route and the main association."""
    made = new_table(account, table_id, vpc_id, vpc_cidr)
    return replace(made, associations=(Association(association_id),))
