"""CreateRouteTable, DescribeRouteTables, DeleteRouteTable: a table lives in one VPC with the
`local` route for its block; the VPC's main table (made by CreateVpc) goes only with its VPC,
and a table still associated with subnets cannot be deleted (DependencyViolation; EC2 API
reference, "DeleteRouteTable")."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from stockade.domain.network import ResourceKind
from stockade.domain.routing import RouteTable, new_table
from stockade.services.context import RequestContext
from stockade.services.ec2 import quotas
from stockade.services.ec2.common import (
    IdSource,
    Request,
    check_dry_run,
    rendered_tags,
    tags_to_create,
)
from stockade.services.ec2.describing import Listing
from stockade.services.ec2.errors import DependencyViolationError, RouteTableNotFoundError
from stockade.services.ec2.vpcs import load_vpc
from stockade.store.ports import Store, Transaction
from stockade.types import AccountId


def no_table(table_id: str) -> RouteTableNotFoundError:
    return RouteTableNotFoundError(f"The routeTable ID '{table_id[:64]}' does not exist")


def load_table(tx: Transaction, account: AccountId, table_id: str) -> RouteTable:
    found = tx.networks.get_route_table(account, table_id)
    if found is None:
        raise no_table(table_id)
    return found


class RouteTables:
    def __init__(self, store: Store, ids: IdSource) -> None:
        self._store = store
        self._ids = ids

    def create_route_table(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        tags = tags_to_create(request, ResourceKind.ROUTE_TABLE)
        account = ctx.principal.account_id
        with self._store.write() as tx:
            vpc = load_vpc(tx, account, request["VpcId"])
            quotas.check_new_route_table(tx, account, vpc.vpc_id)
            check_dry_run(request)
            table = new_table(account, self._ids.new_id("rtb"), vpc.vpc_id, vpc.cidr_block, tags)
            tx.networks.put_route_table(table)
        return {"RouteTable": render_table(table, ())}

    def describe_route_tables(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        check_dry_run(request)
        account = ctx.principal.account_id
        with self._store.read() as tx:
            found = tx.networks.route_tables(account)
            attached = {g.gateway_id for g in tx.networks.gateways(account) if g.vpc_id}
        listing = Listing[RouteTable](
            "RouteTableIds", "RouteTables", lambda t: t.route_table_id, no_table,
            lambda t: _attributes(t, attached),
            lambda t: t.tags, lambda t: render_table(t, attached))  # fmt: skip
        return listing.describe(found, request)

    def delete_route_table(self, ctx: RequestContext, request: Request) -> None:
        account = ctx.principal.account_id
        with self._store.write() as tx:
            table = load_table(tx, account, request["RouteTableId"])
            if table.associations:
                raise DependencyViolationError(
                    f"The routeTable '{table.route_table_id}' has dependencies and cannot be"
                    " deleted."
                )
            check_dry_run(request)
            tx.networks.delete_route_table(account, table.route_table_id)


def render_table(table: RouteTable, attached: Collection[str]) -> dict[str, Any]:
    """`attached`: the gateways attached to a VPC; a route through another is a blackhole."""
    routes = [
        {
            "DestinationCidrBlock": route.destination_cidr,
            **(
                {"NatGatewayId": route.nat_gateway_id}
                if route.nat_gateway_id
                else {"GatewayId": route.gateway_id}
            ),
            "Origin": "CreateRouteTable" if route.is_local else "CreateRoute",
            "State": route.state(attached).value,
        }
        for route in table.routes
    ]
    associations = [
        {
            "Main": association.is_main,
            "RouteTableAssociationId": association.association_id,
            "RouteTableId": table.route_table_id,
            **({"SubnetId": association.subnet_id} if association.subnet_id else {}),
            "AssociationState": {"State": "associated"},
        }
        for association in table.associations
    ]
    return {
        "RouteTableId": table.route_table_id,
        "VpcId": table.vpc_id,
        "OwnerId": table.account_id,
        "Routes": routes,
        "Associations": associations,
        "PropagatingVgws": [],
        **rendered_tags(table.tags),
    }


def _attributes(table: RouteTable, attached: Collection[str]) -> dict[str, list[str]]:
    # The filter names of DescribeRouteTables in the EC2 API reference that this slice knows.
    return {
        "route-table-id": [table.route_table_id],
        "vpc-id": [table.vpc_id],
        "owner-id": [table.account_id],
        "association.main": ["true" if table.is_main else "false"],
        "association.subnet-id": [a.subnet_id for a in table.associations if a.subnet_id],
        "association.route-table-association-id": [a.association_id for a in table.associations],
        "route.destination-cidr-block": [r.destination_cidr for r in table.routes],
        "route.gateway-id": [r.gateway_id for r in table.routes if r.gateway_id],
        "route.nat-gateway-id": [r.nat_gateway_id for r in table.routes if r.nat_gateway_id],
        "route.state": [r.state(attached).value for r in table.routes],
    }
