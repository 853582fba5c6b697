"""CreateTags, DeleteTags, DescribeTags over the account's VPCs, subnets, security groups,
internet gateways and route tables, and its Elastic IPs, NAT gateways and VPC endpoints.

A resource is named by its id; its kind is the id's prefix. Tags are limited to 50 a resource
("Tag restrictions", EC2 user guide); deleting a tag given with a value deletes it only where
the value matches, and DeleteTags without tags deletes them all (EC2 API reference).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from stockade.domain.network import (
    InternetGateway,
    ResourceKind,
    SecurityGroup,
    Subnet,
    Tags,
    Vpc,
    with_tags,
)
from stockade.domain.routing import RouteTable
from stockade.services.context import RequestContext
from stockade.services.ec2 import configuration_items, egress_tags
from stockade.services.ec2.common import (
    Request,
    check_dry_run,
    checked_tags,
    limited,
)
from stockade.services.ec2.describing import Listing
from stockade.services.ec2.errors import InvalidIdError, MissingParameterError
from stockade.services.ec2.gateways import load_gateway
from stockade.services.ec2.groups import load_group
from stockade.services.ec2.route_tables import load_table
from stockade.services.ec2.subnets import no_subnet
from stockade.services.ec2.vpcs import load_vpc
from stockade.store.ports import Store, Transaction
from stockade.types import AccountId

Tagged = Vpc | Subnet | SecurityGroup | InternetGateway | RouteTable | egress_tags.EgressTagged
PREFIXES = {
    "vpc": ResourceKind.VPC,
    "subnet": ResourceKind.SUBNET,
    "sg": ResourceKind.SECURITY_GROUP,
    "igw": ResourceKind.INTERNET_GATEWAY,
    "rtb": ResourceKind.ROUTE_TABLE,
    **egress_tags.PREFIXES,
}


def kind_of(resource_id: str) -> ResourceKind | None:
    return PREFIXES.get(resource_id.partition("-")[0])


class ResourceTags:
    def __init__(self, store: Store, region: str) -> None:
        self._store = store
        self._region = region

    def create_tags(self, ctx: RequestContext, request: Request) -> None:
        added = tuple(checked_tags(request["Tags"]))
        self._change(ctx, request, lambda tags: limited(with_tags(tags, added)))

    def delete_tags(self, ctx: RequestContext, request: Request) -> None:
        given = request.get("Tags")
        if given is None:
            self._change(ctx, request, lambda tags: ())
            return
        doomed = [(t.get("Key"), t.get("Value")) for t in given]

        def without(tags: Tags) -> Tags:
            return tuple(
                (k, v)
                for k, v in tags
                if not any(k == key and value in (None, v) for key, value in doomed)
            )

        self._change(ctx, request, without)

    def _change(
        self, ctx: RequestContext, request: Request, change: Callable[[Tags], Tags]
    ) -> None:
        resources = list(request["Resources"])
        if not resources:
            raise MissingParameterError("The request must contain the parameter resourceIdSet")
        account = ctx.principal.account_id
        with self._store.write() as tx:
            found = [_load(tx, account, resource_id) for resource_id in resources]
            changed = [replace(item, tags=change(item.tags)) for item in found]
            check_dry_run(request)
            for item in changed:
                _put(tx, item)
            configuration_items.record(ctx, tx, self._region, resources)

    def describe_tags(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        check_dry_run(request)
        account = ctx.principal.account_id
        with self._store.read() as tx:
            items: list[Tagged] = [*tx.networks.vpcs(account), *tx.networks.subnets(account),
                                   *tx.networks.groups(account),
                                   *tx.networks.gateways(account),
                                   *tx.networks.route_tables(account),
                                   *egress_tags.everything(tx, account)]  # fmt: skip
        described = sorted(
            (_description(item, key, value) for item in items for key, value in item.tags),
            key=lambda d: (d["ResourceId"], d["Key"]),
        )
        listing = Listing[dict[str, str]](
            "",
            "Tags",
            lambda d: f"{d['ResourceId']}\t{d['Key']}",
            InvalidIdError,
            _attributes,
            lambda d: (),
            dict,
        )
        return listing.describe(described, request)  # fmt: skip


def _load(tx: Transaction, account: AccountId, resource_id: str) -> Tagged:
    kind = kind_of(resource_id)
    if kind is ResourceKind.VPC:
        return load_vpc(tx, account, resource_id)
    if kind is ResourceKind.SUBNET:
        subnet = tx.networks.get_subnet(account, resource_id)
        if subnet is None:
            raise no_subnet(resource_id)
        return subnet
    if kind is ResourceKind.SECURITY_GROUP:
        return load_group(tx, account, resource_id)
    if kind is ResourceKind.INTERNET_GATEWAY:
        return load_gateway(tx, account, resource_id)
    if kind is ResourceKind.ROUTE_TABLE:
        return load_table(tx, account, resource_id)
    if kind is not None and kind in egress_tags.PREFIXES.values():
        return egress_tags.load(tx, account, kind, resource_id)
    raise InvalidIdError(f"The ID '{resource_id[:64]}' is not valid")


def _put(tx: Transaction, item: Tagged) -> None:
    if isinstance(item, egress_tags.EgressTagged):
        egress_tags.put(tx, item)
    elif isinstance(item, Vpc):
        tx.networks.put_vpc(item)
    elif isinstance(item, Subnet):
        tx.networks.put_subnet(item)
    elif isinstance(item, InternetGateway):
        tx.networks.put_gateway(item)
    elif isinstance(item, RouteTable):
        tx.networks.put_route_table(item)
    else:
        tx.networks.put_group(item)


def _resource_id(item: Tagged) -> str:
    if isinstance(item, egress_tags.EgressTagged):
        return egress_tags.resource_id(item)
    if isinstance(item, Vpc):
        return item.vpc_id
    if isinstance(item, InternetGateway):
        return item.gateway_id
    if isinstance(item, RouteTable):
        return item.route_table_id
    return item.subnet_id if isinstance(item, Subnet) else item.group_id


def _description(item: Tagged, key: str, value: str) -> dict[str, str]:
    resource_id = _resource_id(item)
    kind = kind_of(resource_id)
    return {"ResourceId": resource_id, "ResourceType": kind.value if kind else "",
            "Key": key, "Value": value}  # fmt: skip


def _attributes(found: Mapping[str, str]) -> dict[str, Sequence[str]]:
    # The filter names of DescribeTags in the EC2 API reference.
    return {
        "key": [found["Key"]],
        "value": [found["Value"]],
        "resource-id": [found["ResourceId"]],
        "resource-type": [found["ResourceType"]],
    }
