"""The configuration recorder of Parameter Store: every use case that changes a parameter calls
`record` inside its write transaction, so a committed change always has its configuration item
(AWS::SSM::Parameter, by parameter name), linked to the request's audit record by request id
and event name, as functions' are. The configuration is AWS Config's for the type (name, type,
version, tier, data type, description, allowed pattern, key, tags): never a value.
"""

from __future__ import annotations

from typing import Any

from stockade.domain.configuration_item import (
    ConfigurationItem,
    RelatedEvent,
    next_item,
)
from stockade.domain.parameters import Parameter
from stockade.services.context import RequestContext
from stockade.services.ssm.names import parameter_arn
from stockade.store.ports import Transaction

RESOURCE_TYPE = "AWS::SSM::Parameter"
NOTE = "configurationItem"


def configuration(parameter: Parameter) -> dict[str, Any]:
    current = parameter.current
    found: dict[str, Any] = {
        "Name": parameter.name,
        "Type": current.type.value,
        "Version": current.version,
        "Tier": current.tier.value,
        "DataType": current.data_type,
        "Tags": dict(parameter.tags),
    }
    if current.description is not None:
        found["Description"] = current.description
    if current.allowed_pattern is not None:
        found["AllowedPattern"] = current.allowed_pattern
    if current.key_id is not None:
        found["KeyId"] = current.key_id
    return found


def record(
    ctx: RequestContext, tx: Transaction, region: str, name: str, parameter: Parameter | None
) -> ConfigurationItem | None:
    """An item if the parameter's configuration differs from its last item (or it is gone)."""
    account = ctx.principal.account_id
    item = next_item(
        tx.configuration_items.latest(account, name, RESOURCE_TYPE),
        None if parameter is None else configuration(parameter),
        account_id=account, region=region, resource_type=RESOURCE_TYPE, resource_id=name,
        arn=parameter_arn(region, account, name), captured_at=ctx.received_at,
        event=RelatedEvent(ctx.recorded_as, ctx.request_id),
    )  # fmt: skip
    if item is None:
        return None
    tx.configuration_items.add(item)
    noted = {"resourceType": RESOURCE_TYPE, "resourceId": name,
             "configurationStateId": str(item.state_id),
             "configurationItemStatus": item.status.value}  # fmt: skip
    ctx.notes.add(NOTE, noted)
    return item
