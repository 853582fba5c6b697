"""Stockade's own events, in the shapes AWS services put on an account's default bus.

- An audit record of a successful write management event -> "AWS API Call via CloudTrail",
  `source` aws.<service>, `detail` the CloudTrail record exactly as the trail journalled it
  (already redacted). EventBridge user guide, eb-service-event-cloudtrail: write management
  events reach rules by default; read-only ones only rules in the state
  ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS, which Stockade does not publish.
- A change of a function's compliance -> "Config Rules Compliance Change" (AWS Config
  developer guide, monitor-config-with-cloudwatchevents: ComplianceChangeNotification).
- A configuration item -> "Config Configuration Item Change" (ConfigurationItemChangeNotification,
  with configurationItemDiff against the resource's previous item).

Each builder answers the envelope (`version`, `id`, `detail-type`, `source`, `account`, `time`,
`region`, `resources`, `detail`) or None for what AWS would not deliver.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from stockade.domain.compliance_records import ComplianceChange
from stockade.domain.configuration_item import ConfigurationItem, ItemStatus

API_CALL = "AWS API Call via CloudTrail"
COMPLIANCE_CHANGE = "Config Rules Compliance Change"
ITEM_CHANGE = "Config Configuration Item Change"
CONFIG_SOURCE = "aws.config"
# EventBridge's own PutEvents never comes back as an event (no loop through the bus).
_NOT_PUBLISHED = frozenset({("events.amazonaws.com", "PutEvents")})


def api_call_event(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """The event for a journalled CloudTrail record, or None (read-only, failed, a data event,
    Stockade's operator API, EventBridge's PutEvents)."""
    source = str(record.get("eventSource", ""))
    if (
        record.get("readOnly") is not False
        or record.get("managementEvent") is not True
        or "errorCode" in record
        or not source.endswith(".amazonaws.com")
        or (source, record.get("eventName")) in _NOT_PUBLISHED
    ):
        return None
    return _envelope(
        detail_type=API_CALL,
        source="aws." + source.removesuffix(".amazonaws.com"),
        account=str(record["recipientAccountId"]),
        time=str(record["eventTime"]),
        region=str(record["awsRegion"]),
        resources=[],  # as AWS delivers CloudTrail events: the ARNs are in the detail
        detail=dict(record),
    )


def config_rule_arn(region: str, account: str, rule: str) -> str:
    # Stockade's rules are named per account, not numbered: the name stands for AWS's id.
    return f"arn:aws:config:{region}:{account}:config-rule/{rule}"


def compliance_change_event(change: ComplianceChange) -> dict[str, Any]:
    rule_arn = config_rule_arn(change.region, change.account_id, change.rule)
    notification = change.notification()
    detail = {
        "resourceId": change.function_name,
        "awsRegion": change.region,
        "awsAccountId": change.account_id,
        "configRuleName": change.rule,
        "recordVersion": notification["recordVersion"],
        "configRuleARN": rule_arn,
        "messageType": notification["messageType"],
        "newEvaluationResult": _evaluation(notification["newEvaluationResult"], change),
        "oldEvaluationResult": _evaluation(notification["oldEvaluationResult"], change),
        "notificationCreationTime": _time(change.recorded_at),
        "resourceType": notification["resourceType"],
    }
    return _envelope(
        detail_type=COMPLIANCE_CHANGE,
        source=CONFIG_SOURCE,
        account=change.account_id,
        time=_time(change.recorded_at),
        region=change.region,
        resources=[rule_arn],
        detail={k: v for k, v in detail.items() if v is not None},
    )


def _evaluation(result: Mapping[str, Any] | None, change: ComplianceChange) -> Any:
    if result is None:
        return None
    found = dict(result)
    found["evaluationResultIdentifier"] = {
        **result["evaluationResultIdentifier"],
        "orderingTimestamp": _time(change.recorded_at),
    }
    found["resultRecordedTime"] = found["configRuleInvokedTime"] = _time(change.recorded_at)
    return {k: v for k, v in found.items() if v is not None}


def configuration_item_event(
    item: ConfigurationItem, previous: ConfigurationItem | None
) -> dict[str, Any]:
    aws = item.as_aws()
    return _envelope(
        detail_type=ITEM_CHANGE,
        source=CONFIG_SOURCE,
        account=item.account_id,
        time=_time(item.captured_at),
        region=item.region,
        resources=[item.arn],
        detail={
            "recordVersion": aws["version"],
            "messageType": "ConfigurationItemChangeNotification",
            "configurationItemDiff": _diff(item, previous),
            "notificationCreationTime": _time(item.captured_at),
            "configurationItem": aws,
        },
    )


def _diff(item: ConfigurationItem, previous: ConfigurationItem | None) -> dict[str, Any]:
    """AWS Config's diff: changeType, and each top-level configuration member that changed."""
    if item.status is ItemStatus.DELETED:
        change_type, before, after = "DELETE", _configuration(previous), {}
    elif previous is None or previous.status is ItemStatus.DELETED:
        change_type, before, after = "CREATE", {}, item.configuration
    else:
        change_type, before, after = "UPDATE", previous.configuration, item.configuration
    changed: dict[str, Any] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        kind = "CREATE" if key not in before else "DELETE" if key not in after else "UPDATE"
        entry: dict[str, Any] = {"changeType": kind}
        if key in before:
            entry["previousValue"] = old
        if key in after:
            entry["updatedValue"] = new
        changed[f"Configuration.{key}"] = entry
    return {"changedProperties": changed, "changeType": change_type}


def _configuration(item: ConfigurationItem | None) -> dict[str, Any]:
    return item.configuration if item is not None else {}


def _envelope(
    *,
    detail_type: str,
    source: str,
    account: str,
    time: str,
    region: str,
    resources: list[str],
    detail: dict[str, Any],
) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": time,
        "region": region,
        "resources": resources,
        "detail": detail,
    }


def _time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
