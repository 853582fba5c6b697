"""AllocateAddress, DescribeAddresses, ReleaseAddress: Elastic IPs of the VPC domain.

A public address is the lowest one of the server's documentation pool (RFC 5737's
198.51.100.0/24 unless configured) that the account does not hold; an address a NAT gateway
holds cannot be released (InvalidIPAddress.InUse; EC2 API reference, "ReleaseAddress").
Nothing routes to these addresses: they name a NAT gateway's public side only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stockade.domain.egress import ElasticIp, NatGateway, checked_pool, pick_public_ip
from stockade.domain.network import ResourceKind
from stockade.services.context import RequestContext
from stockade.services.ec2 import egress_quotas
from stockade.services.ec2.common import (
    IdSource,
    Request,
    check_dry_run,
    rendered_tags,
    tags_to_create,
)
from stockade.services.ec2.describing import Listing, refuse_unoffered
from stockade.services.ec2.errors import (
    AddressInUseError,
    AddressLimitExceededError,
    AddressNotFoundError,
    AllocationNotFoundError,
    InvalidParameterCombinationError,
    MissingParameterError,
    UnsupportedOperationError,
)
from stockade.store.ports import Store, Transaction
from stockade.types import AccountId

DEFAULT_POOL = "198.51.100.0/24"  # TEST-NET-2 (RFC 5737): documentation addresses only
_UNOFFERED = ("Address", "PublicIpv4Pool", "NetworkBorderGroup", "CustomerOwnedIpv4Pool",
              "IpamPoolId")  # fmt: skip


def no_allocation(allocation_id: str) -> AllocationNotFoundError:
    return AllocationNotFoundError(f"The allocation ID '{allocation_id[:64]}' does not exist")


def no_address(public_ip: str) -> AddressNotFoundError:
    return AddressNotFoundError(f"Address '{public_ip[:64]}' not found.")


def load_address(tx: Transaction, account: AccountId, allocation_id: str) -> ElasticIp:
    found = tx.egress.get_address(account, allocation_id)
    if found is None:
        raise no_allocation(allocation_id)
    return found


class Addresses:
    def __init__(self, store: Store, ids: IdSource, region: str, pool: str) -> None:
        self._store = store
        self._ids = ids
        self._region = region
        self._pool = checked_pool(pool)  # a bad pool stops the server at start

    def allocate_address(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        refuse_unoffered(request, _UNOFFERED)
        if request.get("Domain", "vpc") != "vpc":
            raise UnsupportedOperationError("Only Elastic IP addresses of the vpc domain exist.")
        tags = tags_to_create(request, ResourceKind.ELASTIC_IP)
        account = ctx.principal.account_id
        with self._store.write() as tx:
            egress_quotas.check_new_address(tx, account)
            held = {a.public_ip for a in tx.egress.addresses(account)}
            public_ip = pick_public_ip(self._pool, held)
            if public_ip is None:
                raise AddressLimitExceededError("The address pool of this server is exhausted.")
            check_dry_run(request)
            address = ElasticIp(account, self._ids.new_id("eipalloc"), public_ip, tags=tags)
            tx.egress.put_address(address)
        return {
            "AllocationId": address.allocation_id,
            "PublicIp": address.public_ip,
            "Domain": "vpc",
            "PublicIpv4Pool": "amazon",
            "NetworkBorderGroup": self._region,
        }

    def describe_addresses(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        check_dry_run(request)
        account = ctx.principal.account_id
        with self._store.read() as tx:
            found = tx.egress.addresses(account)
            holders = {g.nat_gateway_id: g for g in tx.egress.nat_gateways(account)}
        wanted_ips = request.get("PublicIps")
        if wanted_ips:
            held = {a.public_ip for a in found}
            for public_ip in wanted_ips:
                if public_ip not in held:
                    raise no_address(str(public_ip))
            found = [a for a in found if a.public_ip in wanted_ips]
        listing = Listing[ElasticIp](
            "AllocationIds", "Addresses", lambda a: a.allocation_id, no_allocation,
            lambda a: _attributes(a, holders, self._region), lambda a: a.tags,
            lambda a: self.render(a, holders))  # fmt: skip
        return listing.describe(found, request)

    def release_address(self, ctx: RequestContext, request: Request) -> None:
        refuse_unoffered(request, ("NetworkBorderGroup",))
        allocation_id, public_ip = request.get("AllocationId"), request.get("PublicIp")
        if allocation_id and public_ip:
            raise InvalidParameterCombinationError(
                "The parameter PublicIp cannot be used with the parameter AllocationId"
            )
        if not allocation_id and not public_ip:
            raise MissingParameterError("The request must contain the parameter AllocationId")
        account = ctx.principal.account_id
        with self._store.write() as tx:
            if allocation_id:
                address = load_address(tx, account, allocation_id)
            else:
                held = [a for a in tx.egress.addresses(account) if a.public_ip == public_ip]
                if not held:
                    raise no_address(str(public_ip))
                address = held[0]
            if address.in_use:
                raise AddressInUseError(
                    f"Address {address.public_ip} is in use by {address.nat_gateway_id}."
                )
            check_dry_run(request)
            tx.egress.delete_address(account, address.allocation_id)

    def render(self, address: ElasticIp, holders: Mapping[str, NatGateway]) -> dict[str, Any]:
        holder = holders.get(address.nat_gateway_id)
        held = (
            {
                "AssociationId": address.association_id,
                "NetworkInterfaceId": holder.network_interface_id,
                "NetworkInterfaceOwnerId": address.account_id,
                "PrivateIpAddress": holder.private_ip,
                "SubnetId": holder.subnet_id,
            }
            if holder is not None and address.in_use
            else {}
        )
        return {
            "AllocationId": address.allocation_id,
            "PublicIp": address.public_ip,
            "Domain": "vpc",
            "PublicIpv4Pool": "amazon",
            "NetworkBorderGroup": self._region,
            **held,
            **rendered_tags(address.tags),
        }


def _attributes(
    address: ElasticIp, holders: Mapping[str, NatGateway], region: str
) -> dict[str, list[str]]:
    # The filter names of DescribeAddresses in the EC2 API reference that this slice knows.
    holder = holders.get(address.nat_gateway_id) if address.in_use else None
    return {
        "allocation-id": [address.allocation_id],
        "public-ip": [address.public_ip],
        "domain": ["vpc"],
        "network-border-group": [region],
        "association-id": [address.association_id] if address.in_use else [],
        "network-interface-id": [holder.network_interface_id] if holder else [],
        "network-interface-owner-id": [address.account_id] if holder else [],
        "private-ip-address": [holder.private_ip] if holder else [],
    }
