"""Rotation's records in the audit trail: service events, as CloudTrail records a rotation
("Log entries for rotation", Secrets Manager User Guide: RotationStarted, RotationSucceeded,
RotationFailed), made by no one's request: `eventType` AwsServiceEvent, the account and
`invokedBy` secretsmanager.amazonaws.com as the identity. A record names the secret and the
function, and for a failure the step and the function's error type; never a value, nor the
function's error message (it may quote one; the function's own logs have it)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from stockade.audit.events import AuditEvent

SOURCE = "secretsmanager.amazonaws.com"
STARTED, SUCCEEDED, FAILED = "RotationStarted", "RotationSucceeded", "RotationFailed"


@dataclass(frozen=True)
class Failure:
    step: str
    error_type: str  # the function's errorType, or the invocation's error code


def rotation_event(
    name: str, account: str, region: str, secret_arn: str, function_arn: str,
    now: datetime, failure: Failure | None = None,
) -> AuditEvent:  # fmt: skip
    details = {"SecretId": secret_arn, "RotationLambdaARN": function_arn}
    if failure is not None:
        details |= {"RotationStep": failure.step, "FunctionError": failure.error_type}
    return AuditEvent(
        event_id=str(uuid.uuid4()),
        event_time=now,
        event_source=SOURCE,
        event_name=name,
        region=region,
        source_ip=SOURCE,
        user_agent=SOURCE,
        request_id=str(uuid.uuid4()),
        recipient_account_id=account,
        user_identity=None,
        read_only=False,
        error_code=None if failure is None else FAILED,
        error_message=None if failure is None else (
            f"The rotation function failed at step {failure.step}: {failure.error_type}."
        ),
        additional_event_data=details,
        resources=(secret_arn,),
        event_type="AwsServiceEvent",
    )  # fmt: skip
