"""CreateSubnet, DescribeSubnets, DeleteSubnet: a subnet's block lies inside its VPC's, is
/16 to /28, and overlaps none of its siblings (InvalidSubnet.Range, InvalidSubnet.Conflict)."""

from __future__ import annotations

from typing import Any

from stockade.domain.network import ResourceKind, Subnet, network
from stockade.services.context import RequestContext
from stockade.services.ec2 import configuration_items, egress_dependents, quotas
from stockade.services.ec2.common import (
    IdSource,
    Request,
    arn,
    check_dry_run,
    rendered_tags,
    tags_to_create,
)
from stockade.services.ec2.describing import Listing, refuse_unoffered
from stockade.services.ec2.errors import (
    DependencyViolationError,
    InvalidParameterValueError,
    MissingParameterError,
    SubnetConflictError,
    SubnetNotFoundError,
    SubnetRangeError,
)
from stockade.services.ec2.flow_logs import delete_flow_logs_of
from stockade.services.ec2.function_users import used_by_a_function
from stockade.services.ec2.vpcs import PREFIX_MAX, PREFIX_MIN, checked_cidr, load_vpc
from stockade.store.ports import Store

RESERVED_ADDRESSES = 5  # AWS keeps the first four and the last address of every subnet
ZONES = "abcdef"  # the zones this server names in its region: <region>a .. <region>f
_UNOFFERED = ("Ipv6CidrBlock", "OutpostArn", "Ipv6Native", "Ipv4IpamPoolId",
              "Ipv4NetmaskLength", "Ipv6IpamPoolId", "Ipv6NetmaskLength",
              "AvailabilityZoneId")  # fmt: skip


def no_subnet(subnet_id: str) -> SubnetNotFoundError:
    return SubnetNotFoundError(f"The subnet ID '{subnet_id[:64]}' does not exist")


class Subnets:
    def __init__(self, store: Store, ids: IdSource, region: str) -> None:
        self._store = store
        self._ids = ids
        self._region = region

    def create_subnet(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        refuse_unoffered(request, _UNOFFERED)
        cidr = request.get("CidrBlock")
        if cidr is None:
            raise MissingParameterError("The request must contain the parameter cidrBlock")
        block = network(checked_cidr(cidr, "cidrBlock"))
        zone = request.get("AvailabilityZone") or f"{self._region}a"
        zones = [f"{self._region}{z}" for z in ZONES]
        if zone not in zones:
            raise InvalidParameterValueError(
                f"Value ({zone[:64]}) for parameter availabilityZone is invalid. Subnets can"
                f" currently only be created in the following availability zones: "
                f"{', '.join(zones)}."
            )
        tags = tags_to_create(request, ResourceKind.SUBNET)
        account = ctx.principal.account_id
        with self._store.write() as tx:
            vpc = load_vpc(tx, account, request["VpcId"])
            outer = network(vpc.cidr_block)
            if (
                block is None
                or outer is None
                or not PREFIX_MIN <= block.prefixlen <= PREFIX_MAX
                or not block.subnet_of(outer)
            ):
                raise SubnetRangeError(f"The CIDR '{cidr}' is invalid.")
            for sibling in tx.networks.subnets(account, vpc.vpc_id):
                other = network(sibling.cidr_block)
                if other is not None and block.overlaps(other):
                    raise SubnetConflictError(f"The CIDR '{cidr}' conflicts with another subnet")
            quotas.check_new_subnet(tx, account, vpc.vpc_id)
            check_dry_run(request)
            subnet = Subnet(account, self._ids.new_id("subnet"), vpc.vpc_id, cidr, zone, tags)
            tx.networks.put_subnet(subnet)
            configuration_items.record(ctx, tx, self._region, [subnet.subnet_id])
        return {"Subnet": self.render(subnet)}

    def describe_subnets(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        check_dry_run(request)
        with self._store.read() as tx:
            found = tx.networks.subnets(ctx.principal.account_id)
        listing = Listing[Subnet]("SubnetIds", "Subnets", lambda s: s.subnet_id, no_subnet,
                                  _attributes, lambda s: s.tags, self.render)  # fmt: skip
        return listing.describe(found, request)

    def delete_subnet(self, ctx: RequestContext, request: Request) -> None:
        account = ctx.principal.account_id
        subnet_id = request["SubnetId"]
        with self._store.write() as tx:
            subnet = tx.networks.get_subnet(account, subnet_id)
            if subnet is None:
                raise no_subnet(subnet_id)
            if used_by_a_function(tx, account, subnet_id) or egress_dependents.in_use(
                tx, account, subnet.vpc_id, subnet_id
            ):  # a function's interfaces, a live NAT gateway or an endpoint's interface
                raise DependencyViolationError(
                    f"The subnet '{subnet_id}' has dependencies and cannot be deleted."
                )
            check_dry_run(request)
            # Its route table association goes with it, as in AWS.
            for table in tx.networks.route_tables(account, subnet.vpc_id):
                if any(a.subnet_id == subnet_id for a in table.associations):
                    tx.networks.put_route_table(table.without_subnet(subnet_id))
            delete_flow_logs_of(tx, account, subnet_id)
            tx.networks.delete_subnet(account, subnet_id)
            configuration_items.record(ctx, tx, self._region, [subnet_id])

    def render(self, subnet: Subnet) -> dict[str, Any]:
        block = network(subnet.cidr_block)
        size = 0 if block is None else block.num_addresses
        return {
            "SubnetId": subnet.subnet_id,
            "SubnetArn": arn(self._region, subnet.account_id, ResourceKind.SUBNET,
                             subnet.subnet_id),
            "VpcId": subnet.vpc_id,
            "OwnerId": subnet.account_id,
            "State": "available",
            "CidrBlock": subnet.cidr_block,
            "AvailableIpAddressCount": max(size - RESERVED_ADDRESSES, 0),
            "AvailabilityZone": subnet.availability_zone,
            "DefaultForAz": False,
            "MapPublicIpOnLaunch": False,
            "AssignIpv6AddressOnCreation": False,
            "Ipv6CidrBlockAssociationSet": [],
            **rendered_tags(subnet.tags),
        }  # fmt: skip


def _attributes(subnet: Subnet) -> dict[str, list[str]]:
    # The filter names of DescribeSubnets in the EC2 API reference that this slice knows.
    return {
        "subnet-id": [subnet.subnet_id],
        "vpc-id": [subnet.vpc_id],
        "cidr-block": [subnet.cidr_block],
        "cidr": [subnet.cidr_block],
        "cidrBlock": [subnet.cidr_block],
        "availability-zone": [subnet.availability_zone],
        "owner-id": [subnet.account_id],
        "state": ["available"],
        "default-for-az": ["false"],
    }
