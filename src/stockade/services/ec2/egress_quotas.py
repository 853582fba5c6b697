"""Amazon VPC's and EC2's default quotas on how VPCs reach out, per account (Amazon VPC user
guide, "Amazon VPC quotas"; EC2 user guide, "Elastic IP address quota"): they keep one tenant
from filling the store every tenant shares. Deleted NAT gateways are kept for a while, as AWS
lists them for about an hour, and no more than a bounded number of them."""

from __future__ import annotations

from datetime import datetime, timedelta

from stockade.services.ec2.errors import (
    AddressLimitExceededError,
    NatGatewayLimitExceededError,
    VpcEndpointLimitExceededError,
)
from stockade.store.ports import Transaction
from stockade.types import AccountId

ELASTIC_IPS_PER_REGION = 5
NAT_GATEWAYS_PER_ZONE = 5  # deleted ones not counted
ENDPOINTS_PER_VPC = 50  # interface endpoints per VPC
DELETED_NAT_GATEWAYS_KEPT_FOR = timedelta(hours=1)
DELETED_NAT_GATEWAYS_KEPT = 20  # per account, the newest


def check_new_address(tx: Transaction, account: AccountId) -> None:
    if len(tx.egress.addresses(account)) >= ELASTIC_IPS_PER_REGION:
        raise AddressLimitExceededError("The maximum number of addresses has been reached.")


def check_new_nat_gateway(tx: Transaction, account: AccountId, zone: str) -> None:
    live = [
        g
        for g in tx.egress.nat_gateways(account)
        if not g.is_deleted and g.availability_zone == zone
    ]
    if len(live) >= NAT_GATEWAYS_PER_ZONE:
        raise NatGatewayLimitExceededError("The maximum number of NAT gateways has been reached.")


def check_new_endpoint(tx: Transaction, account: AccountId, vpc_id: str) -> None:
    if len(tx.egress.endpoints(account, vpc_id)) >= ENDPOINTS_PER_VPC:
        raise VpcEndpointLimitExceededError("The maximum number of VPC endpoints has been reached.")


def forget_old_deleted_nat_gateways(tx: Transaction, account: AccountId, now: datetime) -> None:
    deleted = [g for g in tx.egress.nat_gateways(account) if g.is_deleted]
    deleted.sort(key=lambda g: g.deleted or now, reverse=True)
    for rank, gateway in enumerate(deleted):
        when = gateway.deleted or now
        if rank >= DELETED_NAT_GATEWAYS_KEPT or now - when > DELETED_NAT_GATEWAYS_KEPT_FOR:
            tx.egress.delete_nat_gateway(account, gateway.nat_gateway_id)
