"""What lives in a subnet or VPC so that it can reach out: NAT gateways that are not
deleted and VPC endpoints' interfaces. They keep their subnet and VPC from being deleted
(DependencyViolation, EC2 API reference "DeleteSubnet", "DeleteVpc") and hold addresses of
their subnet that no other interface may take."""

from __future__ import annotations

from stockade.store.ports import Transaction
from stockade.types import AccountId


def in_use(tx: Transaction, account: AccountId, vpc_id: str, subnet_id: str = "") -> bool:
    """Whether a live NAT gateway or an endpoint is in the VPC (in the subnet, if given)."""
    for gateway in tx.egress.nat_gateways(account, vpc_id):
        if not gateway.is_deleted and subnet_id in ("", gateway.subnet_id):
            return True
    for endpoint in tx.egress.endpoints(account, vpc_id):
        if not subnet_id or subnet_id in endpoint.subnet_ids:
            return True
    return False


def taken_in_subnet(tx: Transaction, account: AccountId, subnet_id: str) -> frozenset[str]:
    """The addresses of the subnet the account's live NAT gateways and endpoints hold."""
    taken = {
        g.private_ip
        for g in tx.egress.nat_gateways(account)
        if not g.is_deleted and g.subnet_id == subnet_id
    }
    for endpoint in tx.egress.endpoints(account):
        taken.update(i.address for i in endpoint.interfaces if i.subnet_id == subnet_id)
    return frozenset(taken)


def group_in_use(tx: Transaction, account: AccountId, group_id: str) -> bool:
    """Whether an endpoint's interfaces use the security group."""
    return any(group_id in e.group_ids for e in tx.egress.endpoints(account))
