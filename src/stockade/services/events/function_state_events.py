"""Lambda's function state events, in EventBridge's envelope, for the default bus.

AWS Lambda developer guide, monitoring-eventbridge-function-state: Lambda sends an event each
time a function version changes state as a result of a customer action (create, update of code
or configuration, publish, delete, and when one of these fails), to the default bus of the
account that owns the function, in the function's Region; `source` is aws.lambda, `resources`
the function ARN with its version, and rules match on the ARN, the detail-type or the state.

The detail carries the version's state members as GetFunctionConfiguration names them
(State and its reason; LastUpdateStatus and its reason), never the function's environment,
code or anything else of its configuration.

Stockade finishes a deployment within its request (domain/function_lifecycle.py), so the states
a version passes through on AWS while resources are prepared (Pending, InProgress) are never
committed: each change emits the event of the state it commits (see `StateChange`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from stockade.domain.function import FunctionState, FunctionVersion, UpdateStatus

SOURCE = "aws.lambda"
DETAIL_TYPE = "Lambda Function State Change"
# The State Lambda's model has for a version being removed (DeleteFunction).
DELETING = "Deleting"


class StateChange(StrEnum):
    """The customer action that moved the version, and so what its event reports."""

    CREATED = "created"  # CreateFunction: $LATEST Pending -> Active
    UPDATED = "updated"  # UpdateFunctionCode/Configuration: InProgress -> Successful
    PUBLISHED = "published"  # PublishVersion (or Publish=true): a new version Pending -> Active
    DELETED = "deleted"  # DeleteFunction: each version it removes -> Deleting


@dataclass(frozen=True)
class StateEventSource:
    """Where the version lives: the envelope's `account` and `region`."""

    region: str
    when: datetime


def function_state_event(
    version: FunctionVersion, change: StateChange, source: StateEventSource
) -> dict[str, Any]:
    arn = version.arn(source.region)  # with its version ($LATEST included)
    detail: dict[str, Any] = {
        "functionName": version.function_name,
        "functionArn": arn,
        "version": version.version,
        "state": DELETING if change is StateChange.DELETED else _state(version),
    }
    if change is StateChange.UPDATED:
        # A version being created has had no update: Lambda shows LastUpdateStatus only
        # once one happened (domain/function_lifecycle.py).
        detail["lastUpdateStatus"] = _update_status(version)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": DETAIL_TYPE,
        "source": SOURCE,
        "account": version.account_id,
        "time": source.when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": source.region,
        "resources": [arn],
        "detail": detail,
    }


def _state(version: FunctionVersion) -> str:
    return FunctionState(version.state).value


def _update_status(version: FunctionVersion) -> str:
    return UpdateStatus(version.last_update_status).value
