"""CreateInternetGateway, DescribeInternetGateways, AttachInternetGateway,
DetachInternetGateway, DeleteInternetGateway: a gateway is attached to at most one VPC
(Resource.AlreadyAssociated) and a VPC has at most one gateway (InvalidParameterValue, as AWS
answers it); an attached gateway cannot be
deleted (DependencyViolation), nor its VPC (EC2 API reference, "DeleteInternetGateway")."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from stockade.domain.network import InternetGateway, ResourceKind
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
from stockade.services.ec2.errors import (
    AlreadyAssociatedError,
    DependencyViolationError,
    GatewayNotAttachedError,
    GatewayNotFoundError,
    InvalidParameterValueError,
)
from stockade.services.ec2.vpcs import load_vpc
from stockade.store.ports import Store, Transaction
from stockade.types import AccountId


def no_gateway(gateway_id: str) -> GatewayNotFoundError:
    return GatewayNotFoundError(f"The internetGateway ID '{gateway_id[:64]}' does not exist")


def load_gateway(tx: Transaction, account: AccountId, gateway_id: str) -> InternetGateway:
    found = tx.networks.get_gateway(account, gateway_id)
    if found is None:
        raise no_gateway(gateway_id)
    return found


class Gateways:
    def __init__(self, store: Store, ids: IdSource) -> None:
        self._store = store
        self._ids = ids

    def create_internet_gateway(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        tags = tags_to_create(request, ResourceKind.INTERNET_GATEWAY)
        account = ctx.principal.account_id
        with self._store.write() as tx:
            quotas.check_new_gateway(tx, account)
            check_dry_run(request)
            gateway = InternetGateway(account, self._ids.new_id("igw"), "", tags)
            tx.networks.put_gateway(gateway)
        return {"InternetGateway": render_gateway(gateway)}

    def describe_internet_gateways(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        check_dry_run(request)
        with self._store.read() as tx:
            found = tx.networks.gateways(ctx.principal.account_id)
        listing = Listing[InternetGateway](
            "InternetGatewayIds", "InternetGateways", lambda g: g.gateway_id, no_gateway,
            _attributes, lambda g: g.tags, render_gateway)  # fmt: skip
        return listing.describe(found, request)

    def attach_internet_gateway(self, ctx: RequestContext, request: Request) -> None:
        account = ctx.principal.account_id
        with self._store.write() as tx:
            gateway = load_gateway(tx, account, request["InternetGatewayId"])
            vpc = load_vpc(tx, account, request["VpcId"])
            if gateway.vpc_id:
                raise AlreadyAssociatedError(
                    f"resource {gateway.gateway_id} is already attached to network {gateway.vpc_id}"
                )
            if tx.networks.gateways(account, vpc.vpc_id):
                # AWS answers this one InvalidParameterValue, not Resource.AlreadyAssociated
                # (the answer recorded in public issues of Terraform users).
                raise InvalidParameterValueError(
                    f"Network {vpc.vpc_id} already has an internet gateway attached"
                )
            check_dry_run(request)
            tx.networks.put_gateway(replace(gateway, vpc_id=vpc.vpc_id))

    def detach_internet_gateway(self, ctx: RequestContext, request: Request) -> None:
        account = ctx.principal.account_id
        with self._store.write() as tx:
            gateway = load_gateway(tx, account, request["InternetGatewayId"])
            vpc = load_vpc(tx, account, request["VpcId"])
            if gateway.vpc_id != vpc.vpc_id:
                raise GatewayNotAttachedError(
                    f"resource {gateway.gateway_id} is not attached to network {vpc.vpc_id}"
                )
            check_dry_run(request)
            tx.networks.put_gateway(replace(gateway, vpc_id=""))

    def delete_internet_gateway(self, ctx: RequestContext, request: Request) -> None:
        account = ctx.principal.account_id
        with self._store.write() as tx:
            gateway = load_gateway(tx, account, request["InternetGatewayId"])
            if gateway.vpc_id:
                raise DependencyViolationError(
                    f"The internetGateway '{gateway.gateway_id}' has dependencies and cannot"
                    " be deleted."
                )
            check_dry_run(request)
            tx.networks.delete_gateway(account, gateway.gateway_id)


def render_gateway(gateway: InternetGateway) -> dict[str, Any]:
    attached = [{"State": "available", "VpcId": gateway.vpc_id}] if gateway.vpc_id else []
    return {
        "InternetGatewayId": gateway.gateway_id,
        "OwnerId": gateway.account_id,
        "Attachments": attached,
        **rendered_tags(gateway.tags),
    }


def _attributes(gateway: InternetGateway) -> dict[str, list[str]]:
    # The filter names of DescribeInternetGateways in the EC2 API reference.
    return {
        "internet-gateway-id": [gateway.gateway_id],
        "owner-id": [gateway.account_id],
        "attachment.vpc-id": [gateway.vpc_id] if gateway.vpc_id else [],
        "attachment.state": ["available"] if gateway.vpc_id else [],
    }
