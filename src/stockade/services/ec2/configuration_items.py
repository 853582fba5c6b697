"""The configuration recorder of the network: every use case that changes a VPC, a subnet or a
security group calls `record` with the ids it touched, inside its write transaction, so a
committed change always has its configuration item (AWS::EC2::VPC, AWS::EC2::Subnet,
AWS::EC2::SecurityGroup), linked to the request's audit record by request id and event name,
as functions' are. One helper for every type: the item is the resource as it now stands in the
transaction (gone: ResourceDeleted), recorded only if it differs from the last one."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from stockade.domain.configuration_item import (
    ConfigurationItem,
    RelatedEvent,
    next_item,
)
from stockade.domain.network import ResourceKind
from stockade.domain.network_configuration import (
    SECURITY_GROUP_TYPE,
    SUBNET_TYPE,
    VPC_TYPE,
    security_group_configuration,
    subnet_configuration,
    vpc_configuration,
)
from stockade.services.context import RequestContext
from stockade.services.ec2.common import arn
from stockade.store.ports import Transaction
from stockade.types import AccountId

NOTE = "configurationItems"  # in the audit record's additionalEventData
_KINDS = {"vpc": (ResourceKind.VPC, VPC_TYPE), "subnet": (ResourceKind.SUBNET, SUBNET_TYPE),
          "sg": (ResourceKind.SECURITY_GROUP, SECURITY_GROUP_TYPE)}  # fmt: skip


def record(ctx: RequestContext, tx: Transaction, region: str, resource_ids: Iterable[str]) -> None:
    """Record each VPC, subnet or security group named whose configuration changed (other ids
    are not recorded: gateways and route tables have no history here)."""
    for resource_id in resource_ids:
        found = _KINDS.get(resource_id.partition("-")[0])
        if found is None:
            continue
        kind, resource_type = found
        account = ctx.principal.account_id
        configuration = _configuration(tx, account, region, kind, resource_id)
        item = _record(ctx, tx, region, resource_type, arn(region, account, kind, resource_id),
                       resource_id, configuration)  # fmt: skip
        if item is not None:
            noted = {"resourceType": resource_type, "resourceId": resource_id,
                     "configurationStateId": str(item.state_id),
                     "configurationItemStatus": item.status.value}  # fmt: skip
            ctx.notes.add(NOTE, [*ctx.notes.data().get(NOTE, []), noted])


def _configuration(
    tx: Transaction, account: AccountId, region: str, kind: ResourceKind, resource_id: str
) -> dict[str, Any] | None:
    if kind is ResourceKind.VPC:
        vpc = tx.networks.get_vpc(account, resource_id)
        return vpc_configuration(vpc) if vpc else None
    if kind is ResourceKind.SUBNET:
        subnet = tx.networks.get_subnet(account, resource_id)
        subnet_arn = arn(region, account, kind, resource_id)
        return subnet_configuration(subnet, subnet_arn) if subnet else None
    group = tx.networks.get_group(account, resource_id)
    return security_group_configuration(group) if group else None


def _record(
    ctx: RequestContext,
    tx: Transaction,
    region: str,
    resource_type: str,
    resource_arn: str,
    resource_id: str,
    configuration: dict[str, Any] | None,
) -> ConfigurationItem | None:
    account = ctx.principal.account_id
    item = next_item(
        tx.configuration_items.latest(account, resource_id, resource_type), configuration,
        account_id=account, region=region, resource_type=resource_type, resource_id=resource_id,
        arn=resource_arn, captured_at=ctx.received_at,
        event=RelatedEvent(ctx.recorded_as, ctx.request_id),
    )  # fmt: skip
    if item is None:
        return None
    tx.configuration_items.add(item)
    return item
