"""The egress resources CreateTags, DeleteTags and DescribeTags take: Elastic IPs
(`eipalloc-`), NAT gateways (`nat-`, deleted ones too while listed) and VPC endpoints
(`vpce-`), as EC2's do."""

from __future__ import annotations

from stockade.domain.egress import ElasticIp, NatGateway, VpcEndpoint
from stockade.domain.network import ResourceKind
from stockade.services.ec2.addresses import load_address
from stockade.services.ec2.endpoints import no_endpoint
from stockade.services.ec2.nat_gateways import no_nat_gateway
from stockade.store.ports import Transaction
from stockade.types import AccountId

EgressTagged = ElasticIp | NatGateway | VpcEndpoint
PREFIXES = {
    "eipalloc": ResourceKind.ELASTIC_IP,
    "nat": ResourceKind.NAT_GATEWAY,
    "vpce": ResourceKind.VPC_ENDPOINT,
}


def load(tx: Transaction, account: AccountId, kind: ResourceKind, resource_id: str) -> EgressTagged:
    """The resource of an egress `kind` (one of PREFIXES' values), or its not-found error."""
    if kind is ResourceKind.ELASTIC_IP:
        return load_address(tx, account, resource_id)
    if kind is ResourceKind.NAT_GATEWAY:
        gateway = tx.egress.get_nat_gateway(account, resource_id)
        if gateway is None:
            raise no_nat_gateway(resource_id)
        return gateway
    endpoint = tx.egress.get_endpoint(account, resource_id)
    if endpoint is None:
        raise no_endpoint(resource_id)
    return endpoint


def put(tx: Transaction, item: EgressTagged) -> None:
    if isinstance(item, ElasticIp):
        tx.egress.put_address(item)
    elif isinstance(item, NatGateway):
        tx.egress.put_nat_gateway(item)
    else:
        tx.egress.put_endpoint(item)


def resource_id(item: EgressTagged) -> str:
    if isinstance(item, ElasticIp):
        return item.allocation_id
    return item.nat_gateway_id if isinstance(item, NatGateway) else item.endpoint_id


def everything(tx: Transaction, account: AccountId) -> list[EgressTagged]:
    return [*tx.egress.addresses(account), *tx.egress.nat_gateways(account),
            *tx.egress.endpoints(account)]  # fmt: skip
