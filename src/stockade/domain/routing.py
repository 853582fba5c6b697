"""Route tables of the EC2-compatible network (values).

A table lives in one VPC and holds its routes and its associations: read and written whole, so
a route or an association changes in one row. The VPC's main table has the main association
(no subnet) and the `local` route for the VPC's block, as AWS makes it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from stockade.domain.network import Tags
from stockade.types import AccountId

LOCAL = "local"  # the gateway of the route for the VPC's own block
DEFAULT_ROUTE = "0.0.0.0/0"
NAT_PREFIX = "nat-"


@dataclass(frozen=True)
class Route:
    destination_cidr: str
    gateway_id: str  # `local` or an internet gateway's id

    @property
    def is_local(self) -> bool:
        return self.gateway_id == LOCAL


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
    # Routes name no NAT gateway yet (CreateRoute takes internet gateways only); once they do,
    # a route whose gateway is gone (state `blackhole`) must answer False here.
    return route.gateway_id.startswith(NAT_PREFIX)


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
