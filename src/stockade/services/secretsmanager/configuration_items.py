"""The configuration recorder of secrets: every use case that changes a secret's metadata calls
`record` inside its write transaction, so a committed change always has its configuration item
(AWS::SecretsManager::Secret, named by the secret's ARN as AWS Config names it), linked to the
request's audit record by request id and event name, as functions' and VPCs' are, and evaluated
against the account's secret compliance rules in the same transaction. The item is metadata
only (never a value, nor a version's key material); recorded only when it differs from the last
one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from stockade.domain.compliance_records import Cause
from stockade.domain.configuration_item import (
    ConfigurationItem,
    RelatedEvent,
    next_item,
)
from stockade.domain.secrets import Secret
from stockade.services.compliance.evaluation import evaluate_item
from stockade.services.context import RequestContext
from stockade.store.ports import Transaction
from stockade.types import AccountId

RESOURCE_TYPE = "AWS::SecretsManager::Secret"
NOTE = "configurationItem"  # in the audit record's additionalEventData
RECOVERY_WINDOW_ENDED = "StockadeRecoveryWindowEnded"  # the sweep's event (no API request)


def secret_configuration(secret: Secret) -> dict[str, Any]:
    rules = secret.rotation_rules
    return {
        "name": secret.name,
        "description": secret.description,
        "kmsKeyId": secret.kms_key_id,
        "rotationEnabled": secret.rotation_enabled,
        "rotationLambdaARN": secret.rotation_lambda_arn,
        "rotationRules": None if rules is None else {
            "automaticallyAfterDays": rules.automatically_after_days,
            "duration": rules.duration,
            "scheduleExpression": rules.schedule_expression,
        },
        "tags": [{"key": k, "value": v} for k, v in secret.tags],
        "hasResourcePolicy": secret.policy is not None,
        "deletionDate": None if secret.deletion_date is None else secret.deletion_date.isoformat(),
        # What the rotation compliance rules read (dates only: DescribeSecret's fields).
        "createdDate": secret.created.isoformat(),
        "lastRotatedDate": _instant(secret.last_rotated),
        "nextRotationDate": _instant(secret.next_rotation),
    }  # fmt: skip


def _instant(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def saved(ctx: RequestContext, tx: Transaction, secret: Secret) -> None:
    """Store the secret's new state and record its configuration if that changed."""
    tx.secrets.put(secret)
    record(ctx, tx, secret.arn, secret)


def removed(ctx: RequestContext, tx: Transaction, secret: Secret) -> None:
    tx.secrets.delete(secret.account_id, secret.name)
    record(ctx, tx, secret.arn, None)


def record(ctx: RequestContext, tx: Transaction, arn: str, secret: Secret | None) -> None:
    """Record the secret `arn` as it now stands (None: it is gone)."""
    region = arn.split(":")[3]
    event = RelatedEvent(ctx.recorded_as, ctx.request_id)
    account = AccountId(ctx.principal.account_id)
    item = record_item(tx, region, account, arn, secret, event, ctx.received_at)
    if item is not None:
        ctx.notes.add(NOTE, {"resourceType": RESOURCE_TYPE,
                             "configurationStateId": str(item.state_id),
                             "configurationItemStatus": item.status.value})  # fmt: skip


def record_item(
    tx: Transaction,
    region: str,
    account: AccountId,
    arn: str,
    secret: Secret | None,
    event: RelatedEvent,
    now: datetime,
) -> ConfigurationItem | None:
    item = next_item(
        tx.configuration_items.latest(account, arn, RESOURCE_TYPE),
        None if secret is None else secret_configuration(secret),
        account_id=account, region=region, resource_type=RESOURCE_TYPE, resource_id=arn,
        arn=arn, captured_at=now, event=event,
    )  # fmt: skip
    if item is None:
        return None
    tx.configuration_items.add(item)
    evaluate_item(tx, item, Cause(event.event_name, event.request_id, item.state_id), now)
    return item
