"""Configuration items: a function's configuration as it stood after each change, modelled on
AWS Config's (`configurationItemStatus`, `configurationStateId`, `configurationItemMD5Hash`,
`relatedEvents`). The configuration is JSON with no secret in it: environment variable names
at most, never their values; digests of code, never code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from stockade.types import AccountId

RESOURCE_TYPE = "AWS::Lambda::Function"


class ItemStatus(StrEnum):
    DISCOVERED = "ResourceDiscovered"  # the first item of a function
    OK = "OK"  # the configuration changed
    DELETED = "ResourceDeleted"  # the last item: the function is gone


@dataclass(frozen=True)
class RelatedEvent:
    """The API request that caused the change: the audit record with this `requestID` and
    `eventName` (the record is written when the request completes, so its eventID is not yet
    known to the use case; the request id is, and it is unique per record)."""

    event_name: str
    request_id: str


@dataclass(frozen=True)
class ConfigurationItem:
    account_id: AccountId
    region: str
    resource_id: str  # the function name, as AWS Config names Lambda functions; an EC2 id
    arn: str
    state_id: int  # configurationStateId: 1, 2, ... per resource
    captured_at: datetime
    status: ItemStatus
    configuration_json: str  # canonical JSON (sorted keys); {} once deleted
    related_events: tuple[RelatedEvent, ...] = ()
    resource_type: str = RESOURCE_TYPE  # AWS Config's: AWS::Lambda::Function, AWS::EC2::VPC, ...

    @property
    def configuration(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.configuration_json)
        return parsed

    @property
    def md5(self) -> str:
        """configurationItemMD5Hash: a fingerprint of the configuration, not a security hash."""
        digest = hashlib.md5(self.configuration_json.encode(), usedforsecurity=False)
        return digest.hexdigest()

    def as_aws(self) -> dict[str, Any]:
        """The item in AWS Config's field names (ConfigurationItem of GetResourceConfigHistory)."""
        return {
            "version": "1.3",
            "accountId": self.account_id,
            "configurationItemCaptureTime": self.captured_at.isoformat(),
            "configurationItemStatus": self.status.value,
            "configurationStateId": str(self.state_id),
            "configurationItemMD5Hash": self.md5,
            "arn": self.arn,
            "resourceType": self.resource_type,
            "resourceId": self.resource_id,
            # AWS Config names a function by its name; EC2 resources by their Name tag, if any.
            **({"resourceName": self.resource_id} if self.resource_type == RESOURCE_TYPE else {}),
            "awsRegion": self.region,
            "configuration": self.configuration,
            "relatedEvents": [
                {"eventName": e.event_name, "requestID": e.request_id} for e in self.related_events
            ],
        }


def canonical(configuration: Mapping[str, Any]) -> str:
    return json.dumps(configuration, sort_keys=True, separators=(",", ":"))


def next_item(
    previous: ConfigurationItem | None,
    configuration: Mapping[str, Any] | None,
    *,
    account_id: AccountId,
    region: str,
    resource_type: str,
    resource_id: str,
    arn: str,
    captured_at: datetime,
    event: RelatedEvent,
) -> ConfigurationItem | None:
    """The item a resource's new state makes after `previous` (its latest item), or None
    when nothing recorded changed: the configuration is the live one's, or the resource
    (`configuration` None) is gone and was already recorded gone. AWS Config's statuses:
    ResourceDiscovered first (and after a deletion), then OK, ResourceDeleted once gone."""
    live = previous is not None and previous.status is not ItemStatus.DELETED
    if configuration is None:
        if not live:
            return None
        status, text = ItemStatus.DELETED, "{}"
    else:
        text = canonical(configuration)
        if previous is not None and live and previous.configuration_json == text:
            return None
        status = ItemStatus.OK if live else ItemStatus.DISCOVERED
    return ConfigurationItem(
        account_id=account_id,
        region=region,
        resource_id=resource_id,
        arn=arn,
        state_id=previous.state_id + 1 if previous is not None else 1,
        captured_at=captured_at,
        status=status,
        configuration_json=text,
        related_events=(event,),
        resource_type=resource_type,
    )


@dataclass(frozen=True)
class Change:
    """One leaf that differs between two configurations (dotted path; None: absent)."""

    path: str
    before: Any
    after: Any


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    """What changed from `before` to `after`, leaf by leaf, in path order."""
    old, new = _leaves(before), _leaves(after)
    return [
        Change(path, old.get(path), new.get(path))
        for path in sorted(old.keys() | new.keys())
        if old.get(path) != new.get(path)
    ]


def _leaves(value: Any, prefix: str = "") -> dict[str, Any]:
    # Mappings are walked into (an empty one has no leaves, so a first entry reads as added);
    # lists stay whole (layers, names) so that a change reads as one.
    if isinstance(value, Mapping):
        found: dict[str, Any] = {}
        for key, item in value.items():
            found.update(_leaves(item, f"{prefix}.{key}" if prefix else str(key)))
        return found
    return {prefix: value}
