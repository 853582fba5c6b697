"""CreateRoute, ReplaceRoute, DeleteRoute, AssociateRouteTable, DisassociateRouteTable.

A route sends a destination block to an internet gateway attached to the table's VPC or to a
NAT gateway of that VPC that is not deleted (other targets are not offered yet:
UnsupportedOperation); a destination has one route a table
(RouteAlreadyExists) and the `local` route stays. A subnet is associated with one table of its
own VPC at a time (Resource.AlreadyAssociated); the main association goes only with its VPC.
(EC2 API reference, "CreateRoute", "AssociateRouteTable", "Error codes".)
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from stockade.domain.routing import Association, Route, RouteTable
from stockade.sandbox.network.attachment import IgnoredChanges, NetworkChanges
from stockade.services.context import RequestContext
from stockade.services.ec2 import quotas
from stockade.services.ec2.common import IdSource, Request, check_dry_run
from stockade.services.ec2.describing import refuse_unoffered
from stockade.services.ec2.errors import (
    AlreadyAssociatedError,
    AssociationNotFoundError,
    InvalidParameterCombinationError,
    InvalidParameterValueError,
    MissingParameterError,
    RouteAlreadyExistsError,
    RouteNotFoundError,
    SubnetNotFoundError,
    UnsupportedOperationError,
)
from stockade.services.ec2.gateways import load_gateway
from stockade.services.ec2.nat_gateways import load_live_nat_gateway
from stockade.services.ec2.route_tables import load_table
from stockade.services.ec2.vpcs import checked_cidr
from stockade.store.ports import Store, Transaction
from stockade.types import AccountId

_OTHER_TARGETS = ("DestinationIpv6CidrBlock", "DestinationPrefixListId", "VpcEndpointId",
                  "EgressOnlyInternetGatewayId", "InstanceId",
                  "TransitGatewayId", "LocalGatewayId", "CarrierGatewayId",
                  "NetworkInterfaceId", "VpcPeeringConnectionId", "CoreNetworkArn",
                  "OdbNetworkArn")  # fmt: skip


class Routes:
    def __init__(
        self, store: Store, ids: IdSource, network_changes: NetworkChanges | None = None
    ) -> None:
        self._store = store
        self._ids = ids
        # Told after a change commits: what a subnet's environments reach may have changed.
        self._changes = network_changes or IgnoredChanges()

    def create_route(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        refuse_unoffered(request, _OTHER_TARGETS)
        destination = _destination(request)
        account = ctx.principal.account_id
        with self._store.write() as tx:
            table = load_table(tx, account, request["RouteTableId"])
            route = _route(tx, account, table, destination, request)
            if table.route_to(destination) is not None:
                raise RouteAlreadyExistsError(
                    f"The route identified by {destination} already exists."
                )
            quotas.check_new_route(table)
            check_dry_run(request)
            routes = (*table.routes, route)
            tx.networks.put_route_table(replace(table, routes=routes))
        self._changes.vpc_changed(account, table.vpc_id)
        return {"Return": True}

    def replace_route(self, ctx: RequestContext, request: Request) -> None:
        """The route to the destination goes to the new target (a blackhole becomes active)."""
        refuse_unoffered(request, (*_OTHER_TARGETS, "LocalTarget"))
        destination = _destination(request)
        account = ctx.principal.account_id
        with self._store.write() as tx:
            table = load_table(tx, account, request["RouteTableId"])
            route = _route(tx, account, table, destination, request)
            current = table.route_to(destination)
            if current is None:
                raise InvalidParameterValueError(
                    f"There is no route defined for '{destination}' in the route table. Use"
                    " CreateRoute instead."
                )
            if current.is_local:
                raise InvalidParameterValueError(
                    f"cannot replace local route {destination} in route table"
                    f" {table.route_table_id}"
                )
            check_dry_run(request)
            routes = tuple(route if r == current else r for r in table.routes)
            tx.networks.put_route_table(replace(table, routes=routes))
        self._changes.vpc_changed(account, table.vpc_id)

    def delete_route(self, ctx: RequestContext, request: Request) -> None:
        refuse_unoffered(request, ("DestinationIpv6CidrBlock", "DestinationPrefixListId"))
        destination = request.get("DestinationCidrBlock")
        if destination is None:
            raise MissingParameterError(
                "The request must contain the parameter destinationCidrBlock"
            )
        account = ctx.principal.account_id
        with self._store.write() as tx:
            table = load_table(tx, account, request["RouteTableId"])
            route = table.route_to(destination)
            if route is None:
                raise RouteNotFoundError(
                    f"no route with destination-cidr-block {destination[:64]} in route table"
                    f" {table.route_table_id}"
                )
            if route.is_local:
                raise InvalidParameterValueError(
                    f"cannot remove local route {destination} in route table {table.route_table_id}"
                )
            check_dry_run(request)
            routes = tuple(r for r in table.routes if r != route)
            tx.networks.put_route_table(replace(table, routes=routes))
        self._changes.vpc_changed(account, table.vpc_id)

    def associate_route_table(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        refuse_unoffered(request, ("GatewayId", "PublicIpv4Pool"))
        subnet_id = request.get("SubnetId")
        if subnet_id is None:
            raise MissingParameterError("The request must contain the parameter subnetId")
        account = ctx.principal.account_id
        with self._store.write() as tx:
            table = load_table(tx, account, request["RouteTableId"])
            subnet = tx.networks.get_subnet(account, subnet_id)
            if subnet is None:
                raise SubnetNotFoundError(f"The subnet ID '{subnet_id[:64]}' does not exist")
            if subnet.vpc_id != table.vpc_id:
                raise InvalidParameterValueError(
                    f"Route table {table.route_table_id} and subnet {subnet_id} belong to"
                    " different networks"
                )
            for other in tx.networks.route_tables(account, table.vpc_id):
                if any(a.subnet_id == subnet_id for a in other.associations):
                    raise AlreadyAssociatedError(
                        f"the specified association for route table {other.route_table_id}"
                        f" conflicts with an existing association"
                    )
            check_dry_run(request)
            association = Association(self._ids.new_id("rtbassoc"), subnet_id)
            associations = (*table.associations, association)
            tx.networks.put_route_table(replace(table, associations=associations))
        self._changes.vpc_changed(account, table.vpc_id)
        return {
            "AssociationId": association.association_id,
            "AssociationState": {"State": "associated"},
        }

    def disassociate_route_table(self, ctx: RequestContext, request: Request) -> None:
        association_id = request["AssociationId"]
        account = ctx.principal.account_id
        vpc_id = None
        with self._store.write() as tx:
            for table in tx.networks.route_tables(account):
                found = [a for a in table.associations if a.association_id == association_id]
                if not found:
                    continue
                if found[0].is_main:
                    raise InvalidParameterValueError(
                        f"cannot disassociate the main route table association {association_id}"
                    )
                check_dry_run(request)
                kept = tuple(a for a in table.associations if a.association_id != association_id)
                tx.networks.put_route_table(replace(table, associations=kept))
                vpc_id = table.vpc_id
                break
        if vpc_id is None:
            raise AssociationNotFoundError(
                f"The association ID '{str(association_id)[:64]}' does not exist"
            )
        self._changes.vpc_changed(account, vpc_id)


def _destination(request: Request) -> str:
    """The route's destination block, and its target named once, of a kind offered."""
    destination = request.get("DestinationCidrBlock")
    if destination is None:
        raise MissingParameterError("The request must contain the parameter destinationCidrBlock")
    checked_cidr(destination, "destinationCidrBlock")
    gateway_id, nat_gateway_id = request.get("GatewayId"), request.get("NatGatewayId")
    if gateway_id is not None and nat_gateway_id is not None:
        raise InvalidParameterCombinationError(
            "The parameter GatewayId cannot be used with the parameter NatGatewayId"
        )
    if gateway_id is None and nat_gateway_id is None:
        raise MissingParameterError("The request must contain the parameter gatewayId")
    if gateway_id is not None and not str(gateway_id).startswith("igw-"):
        raise UnsupportedOperationError(
            "Routes to internet gateways (igw-) and NAT gateways (NatGatewayId) only are"
            " supported by this server yet."
        )
    return str(destination)


def _route(
    tx: Transaction, account: AccountId, table: RouteTable, destination: str, request: Request
) -> Route:
    """The route to the request's target: a gateway of the table's VPC (a NAT gateway not
    deleted, an internet gateway attached or not: a detached one shows `blackhole`)."""
    nat_gateway_id = request.get("NatGatewayId")
    if nat_gateway_id is not None:
        nat = load_live_nat_gateway(tx, account, str(nat_gateway_id))
        target_vpc, route = nat.vpc_id, Route(destination, "", nat.nat_gateway_id)
    else:
        gateway = load_gateway(tx, account, str(request["GatewayId"]))
        target_vpc, route = gateway.vpc_id, Route(destination, gateway.gateway_id)
    if target_vpc != table.vpc_id:
        raise InvalidParameterValueError(
            f"route table {table.route_table_id} and network gateway {route.target} belong to"
            " different networks"
        )
    return route
