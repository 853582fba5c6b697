"""CreateNatGateway, DescribeNatGateways, DeleteNatGateway: zonal NAT gateways in a subnet.

A public gateway holds an Elastic IP of the account (one gateway an address:
Resource.AlreadyAssociated); a private one none. AWS answers CreateNatGateway `pending`; the
gateway is `available` here as soon as it is written, as a VPC is. A public gateway in a
subnet with no route to an internet gateway is made all the same, as AWS makes it (it then
carries nothing). DeleteNatGateway lets its address go and leaves it listed as `deleted` for
an hour, as AWS does; routes through it become blackholes (EC2 API reference,
"CreateNatGateway", "DeleteNatGateway"; Amazon VPC user guide, "NAT gateways").
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from stockade.domain.egress import Connectivity, NatGateway, endpoint_address
from stockade.domain.network import ResourceKind
from stockade.sandbox.network.attachment import IgnoredChanges, NetworkChanges
from stockade.services.context import RequestContext
from stockade.services.ec2 import egress_quotas
from stockade.services.ec2.addresses import load_address
from stockade.services.ec2.common import (
    IdSource,
    Request,
    check_dry_run,
    rendered_tags,
    tags_to_create,
)
from stockade.services.ec2.describing import Listing, refuse_unoffered
from stockade.services.ec2.egress_dependents import taken_in_subnet
from stockade.services.ec2.errors import (
    AlreadyAssociatedError,
    InsufficientFreeAddressesError,
    InvalidParameterCombinationError,
    InvalidParameterValueError,
    MissingParameterError,
    NatGatewayNotFoundError,
    UnsupportedOperationError,
)
from stockade.services.ec2.subnets import no_subnet
from stockade.store.ports import Store, Transaction
from stockade.types import AccountId

_UNOFFERED = ("VpcId", "AvailabilityZoneAddresses", "PrivateIpAddress", "SecondaryAllocationIds",
              "SecondaryPrivateIpAddresses", "SecondaryPrivateIpAddressCount")  # fmt: skip


def no_nat_gateway(nat_gateway_id: str) -> NatGatewayNotFoundError:
    return NatGatewayNotFoundError(f"The Nat Gateway {nat_gateway_id[:64]} was not found")


def load_live_nat_gateway(tx: Transaction, account: AccountId, nat_gateway_id: str) -> NatGateway:
    """The gateway, not deleted: a deleted one is only listed, never used or deleted again."""
    found = tx.egress.get_nat_gateway(account, nat_gateway_id)
    if found is None or found.is_deleted:
        raise no_nat_gateway(nat_gateway_id)
    return found


class NatGateways:
    def __init__(
        self, store: Store, ids: IdSource, network_changes: NetworkChanges | None = None
    ) -> None:
        # Told after a deletion commits: routes through the gateway become blackholes.
        self._changes = network_changes or IgnoredChanges()
        self._store = store
        self._ids = ids

    def create_nat_gateway(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        refuse_unoffered(request, _UNOFFERED)
        if request.get("AvailabilityMode", "zonal") != "zonal":
            raise UnsupportedOperationError("Only zonal NAT gateways are supported by this server.")
        connectivity = _connectivity(request.get("ConnectivityType") or "public")
        subnet_id, allocation_id = request.get("SubnetId"), request.get("AllocationId")
        if not subnet_id:
            raise MissingParameterError("The request must contain the parameter SubnetId")
        if connectivity is Connectivity.PUBLIC and not allocation_id:
            raise MissingParameterError("The request must contain the parameter AllocationId")
        if connectivity is Connectivity.PRIVATE and allocation_id:
            raise InvalidParameterCombinationError(
                "The parameter AllocationId cannot be used with a private NAT gateway"
            )
        tags = tags_to_create(request, ResourceKind.NAT_GATEWAY)
        token = str(request.get("ClientToken") or "")
        account, now = ctx.principal.account_id, ctx.received_at
        with self._store.write() as tx:
            mine = tx.egress.nat_gateways(account)
            again = [g for g in mine if token and g.client_token == token]
            if again:
                check_dry_run(request)
                return {"NatGateway": render_nat_gateway(again[0]), "ClientToken": token}
            subnet = tx.networks.get_subnet(account, subnet_id)
            if subnet is None:
                raise no_subnet(subnet_id)
            address = load_address(tx, account, allocation_id) if allocation_id else None
            if address is not None and address.in_use:
                raise AlreadyAssociatedError(
                    f"Elastic IP address {address.allocation_id} is already associated"
                )
            egress_quotas.check_new_nat_gateway(tx, account, subnet.availability_zone)
            gateway_id = self._ids.new_id("nat")
            taken = taken_in_subnet(tx, account, subnet.subnet_id)
            private_ip = endpoint_address(subnet.cidr_block, gateway_id, subnet.subnet_id, taken)
            if private_ip is None:
                raise InsufficientFreeAddressesError(
                    "Subnet has insufficient free addresses to create this NAT gateway"
                )
            check_dry_run(request)
            egress_quotas.forget_old_deleted_nat_gateways(tx, account, now)
            gateway = NatGateway(
                account, gateway_id, subnet.vpc_id, subnet.subnet_id, subnet.availability_zone,
                connectivity, self._ids.new_id("eni"), private_ip, created=now,
                client_token=token, tags=tags)  # fmt: skip
            if address is not None:
                association_id = self._ids.new_id("eipassoc")
                gateway = replace(
                    gateway,
                    allocation_id=address.allocation_id,
                    association_id=association_id,
                    public_ip=address.public_ip,
                )
                tx.egress.put_address(
                    replace(address, nat_gateway_id=gateway_id, association_id=association_id)
                )
            tx.egress.put_nat_gateway(gateway)
        answer = {"NatGateway": {**render_nat_gateway(gateway), "State": "pending"}}
        return {**answer, "ClientToken": token} if token else answer

    def describe_nat_gateways(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        check_dry_run(request)
        with self._store.read() as tx:
            found = tx.egress.nat_gateways(ctx.principal.account_id)
        listing = Listing[NatGateway](
            "NatGatewayIds", "NatGateways", lambda g: g.nat_gateway_id, no_nat_gateway,
            _attributes, lambda g: g.tags, render_nat_gateway)  # fmt: skip
        # DescribeNatGateways alone names its filters `Filter` (the model's member name).
        return listing.describe(found, {**request, "Filters": request.get("Filter", ())})

    def delete_nat_gateway(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        account, now = ctx.principal.account_id, ctx.received_at
        with self._store.write() as tx:
            gateway = load_live_nat_gateway(tx, account, request["NatGatewayId"])
            check_dry_run(request)
            if gateway.allocation_id:
                address = tx.egress.get_address(account, gateway.allocation_id)
                if address is not None and address.nat_gateway_id == gateway.nat_gateway_id:
                    tx.egress.put_address(replace(address, nat_gateway_id="", association_id=""))
            for table in tx.networks.route_tables(account, gateway.vpc_id):
                if any(r.nat_gateway_id == gateway.nat_gateway_id for r in table.routes):
                    tx.networks.put_route_table(table.without_nat_gateway(gateway.nat_gateway_id))
            tx.egress.put_nat_gateway(gateway.delete(now))
            egress_quotas.forget_old_deleted_nat_gateways(tx, account, now)
        self._changes.vpc_changed(account, gateway.vpc_id)
        return {"NatGatewayId": gateway.nat_gateway_id}


def render_nat_gateway(gateway: NatGateway) -> dict[str, Any]:
    address: dict[str, Any] = {
        "NetworkInterfaceId": gateway.network_interface_id,
        "PrivateIp": gateway.private_ip,
        "IsPrimary": True,
        "Status": "succeeded",
    }
    if gateway.allocation_id:
        address |= {"AllocationId": gateway.allocation_id, "PublicIp": gateway.public_ip,
                    "AssociationId": gateway.association_id}  # fmt: skip
    times = {"CreateTime": gateway.created} if gateway.created else {}
    if gateway.deleted:
        times["DeleteTime"] = gateway.deleted
    return {
        "NatGatewayId": gateway.nat_gateway_id,
        "VpcId": gateway.vpc_id,
        "SubnetId": gateway.subnet_id,
        "State": gateway.state.value,
        "ConnectivityType": gateway.connectivity.value,
        "AvailabilityMode": "zonal",
        "NatGatewayAddresses": [address],
        **times,
        **rendered_tags(gateway.tags),
    }


def _attributes(gateway: NatGateway) -> dict[str, list[str]]:
    # The filter names of DescribeNatGateways in the EC2 API reference.
    return {
        "nat-gateway-id": [gateway.nat_gateway_id],
        "state": [gateway.state.value],
        "subnet-id": [gateway.subnet_id],
        "vpc-id": [gateway.vpc_id],
    }


def _connectivity(given: str) -> Connectivity:
    if given not in {c.value for c in Connectivity}:
        raise InvalidParameterValueError(
            f"Value ({given[:64]}) for parameter connectivityType is invalid."
        )
    return Connectivity(given)
