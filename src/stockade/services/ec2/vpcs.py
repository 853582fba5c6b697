"""CreateVpc, DescribeVpcs, DeleteVpc: a VPC is made with its default security group (inbound
from itself, outbound anywhere, as AWS makes it) and its main route table (the `local` route),
and deleted with them, once nothing else is in it (EC2 answers DependencyViolation while
subnets, other groups or route tables, or an attached internet gateway remain)."""

from __future__ import annotations

from typing import Any

from stockade.domain.network import ALL_PROTOCOLS, ResourceKind, Rule, SecurityGroup, Vpc, network
from stockade.domain.routing import main_table
from stockade.services.context import RequestContext
from stockade.services.ec2 import configuration_items, egress_dependents, quotas
from stockade.services.ec2.common import (
    IdSource,
    Request,
    check_dry_run,
    rendered_tags,
    tags_to_create,
)
from stockade.services.ec2.describing import Listing, refuse_unoffered
from stockade.services.ec2.errors import (
    DependencyViolationError,
    InvalidParameterValueError,
    MissingParameterError,
    UnsupportedOperationError,
    VpcNotFoundError,
    VpcRangeError,
)
from stockade.services.ec2.flow_logs import delete_flow_logs_of
from stockade.store.ports import Store, Transaction
from stockade.types import AccountId

PREFIX_MIN, PREFIX_MAX = 16, 28  # "VPC CIDR blocks" in the Amazon VPC user guide
_UNOFFERED = ("Ipv6Pool", "Ipv6CidrBlock", "Ipv4IpamPoolId", "Ipv4NetmaskLength",
              "Ipv6IpamPoolId", "Ipv6NetmaskLength", "AmazonProvidedIpv6CidrBlock")  # fmt: skip


def no_vpc(vpc_id: str) -> VpcNotFoundError:
    return VpcNotFoundError(f"The vpc ID '{vpc_id[:64]}' does not exist")


def load_vpc(tx: Transaction, account: AccountId, vpc_id: str) -> Vpc:
    found = tx.networks.get_vpc(account, vpc_id)
    if found is None:
        raise no_vpc(vpc_id)
    return found


def checked_cidr(cidr: str, parameter: str) -> str:
    if network(cidr) is None:
        raise InvalidParameterValueError(
            f"Value ({cidr[:64]}) for parameter {parameter} is invalid. This is not a valid CIDR"
            " block."
        )
    return cidr


class Vpcs:
    def __init__(self, store: Store, ids: IdSource, region: str) -> None:
        self._store = store
        self._ids = ids
        self._region = region

    def create_vpc(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        refuse_unoffered(request, _UNOFFERED)
        cidr = request.get("CidrBlock")
        if cidr is None:
            raise MissingParameterError(
                "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided."
            )
        block = network(checked_cidr(cidr, "cidrBlock"))
        if block is None or not PREFIX_MIN <= block.prefixlen <= PREFIX_MAX:
            raise VpcRangeError(f"The CIDR '{cidr}' is invalid.")
        tenancy = request.get("InstanceTenancy", "default")
        if tenancy != "default":
            raise UnsupportedOperationError("Only the default instance tenancy is supported.")
        tags = tags_to_create(request, ResourceKind.VPC)
        check_dry_run(request)
        account = ctx.principal.account_id
        vpc = Vpc(account, self._ids.new_id("vpc"), cidr,
                  self._ids.new_id("vpc-cidr-assoc"), tags)  # fmt: skip
        group_id = self._ids.new_id("sg")
        default_group = SecurityGroup(
            account,
            group_id,
            vpc.vpc_id,
            "default",
            "default VPC security group",
            (
                Rule(self._ids.new_id("sgr"), False, ALL_PROTOCOLS, group_id=group_id),
                Rule(self._ids.new_id("sgr"), True, ALL_PROTOCOLS, cidr_ipv4="0.0.0.0/0"),
            ),
        )
        table = main_table(account, self._ids.new_id("rtb"), self._ids.new_id("rtbassoc"),
                           vpc.vpc_id, cidr)  # fmt: skip
        with self._store.write() as tx:
            quotas.check_new_vpc(tx, account)
            tx.networks.put_vpc(vpc)
            tx.networks.put_group(default_group)
            tx.networks.put_route_table(table)
            configuration_items.record(ctx, tx, self._region, [vpc.vpc_id, group_id])
        # AWS answers CreateVpc with the VPC `pending` (recorded answers); it is `available`
        # here as soon as it is written, which DescribeVpcs shows.
        return {"Vpc": {**render_vpc(vpc), "State": "pending"}}

    def describe_vpcs(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        check_dry_run(request)
        with self._store.read() as tx:
            found = tx.networks.vpcs(ctx.principal.account_id)
        listing = Listing[Vpc]("VpcIds", "Vpcs", lambda v: v.vpc_id, no_vpc, _attributes,
                               lambda v: v.tags, render_vpc)  # fmt: skip
        return listing.describe(found, request)

    def delete_vpc(self, ctx: RequestContext, request: Request) -> None:
        account = ctx.principal.account_id
        vpc_id = request["VpcId"]
        with self._store.write() as tx:
            load_vpc(tx, account, vpc_id)
            groups = tx.networks.groups(account, vpc_id)
            tables = tx.networks.route_tables(account, vpc_id)
            if (
                tx.networks.subnets(account, vpc_id)
                or tx.networks.gateways(account, vpc_id)
                or egress_dependents.in_use(tx, account, vpc_id)
                or any(not t.is_main for t in tables)
                or any(not g.is_default for g in groups)
            ):
                raise DependencyViolationError(
                    f"The vpc '{vpc_id}' has dependencies and cannot be deleted."
                )
            check_dry_run(request)
            for group in groups:
                tx.networks.delete_group(account, group.group_id)
            for table in tables:
                tx.networks.delete_route_table(account, table.route_table_id)
            delete_flow_logs_of(tx, account, vpc_id)
            tx.networks.delete_vpc(account, vpc_id)
            gone = [vpc_id, *(group.group_id for group in groups)]
            configuration_items.record(ctx, tx, self._region, gone)


def render_vpc(vpc: Vpc) -> dict[str, Any]:
    return {
        "VpcId": vpc.vpc_id,
        "OwnerId": vpc.account_id,
        "State": "available",
        "CidrBlock": vpc.cidr_block,
        "CidrBlockAssociationSet": [
            {
                "AssociationId": vpc.association_id,
                "CidrBlock": vpc.cidr_block,
                "CidrBlockState": {"State": "associated"},
            }
        ],
        "DhcpOptionsId": "default",
        "InstanceTenancy": "default",
        "IsDefault": False,
        "Ipv6CidrBlockAssociationSet": [],
        **rendered_tags(vpc.tags),
    }


def _attributes(vpc: Vpc) -> dict[str, list[str]]:
    # The filter names of DescribeVpcs in the EC2 API reference that this slice knows.
    return {
        "vpc-id": [vpc.vpc_id],
        "cidr": [vpc.cidr_block],
        "cidr-block-association.cidr-block": [vpc.cidr_block],
        "cidr-block-association.association-id": [vpc.association_id],
        "cidr-block-association.state": ["associated"],
        "owner-id": [vpc.account_id],
        "state": ["available"],
        "is-default": ["false"],
        "dhcp-options-id": ["default"],
    }
