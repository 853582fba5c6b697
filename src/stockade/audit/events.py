"""Audit events in CloudTrail's record format (eventVersion 1.09).

An `AuditEvent` is built by the API edge for every request it answers, allowed or denied, and
by a service for what it does on a user's behalf (Lambda using KMS for a function); it holds
request parameters and response elements already redacted (the edge knows which members its
service model marks sensitive). `record()` is the CloudTrail JSON object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from stockade.domain.identity import Principal, PrincipalKind

EVENT_VERSION = "1.09"
HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"  # CloudTrail's own placeholder


@dataclass(frozen=True)
class UserIdentity:
    """CloudTrail's userIdentity: who signed the request (type IAMUser, AssumedRole, ...)."""

    type: str
    principal_id: str
    arn: str
    account_id: str
    access_key_id: str | None = None
    user_name: str | None = None
    role_arn: str | None = None  # the role behind an AssumedRole session
    invoked_by: str | None = None  # the service that acted for this identity

    @classmethod
    def of(cls, principal: Principal, invoked_by: str | None = None) -> UserIdentity:
        return cls(
            type=principal.kind.value,
            principal_id=principal.principal_id,
            arn=principal.arn,
            account_id=principal.account_id,
            access_key_id=principal.access_key_id,
            user_name=principal.name,
            role_arn=principal.role_arn,
            invoked_by=invoked_by,
        )

    def record(self) -> dict[str, Any]:
        if self.type == PrincipalKind.ANONYMOUS.value:  # as CloudTrail records unsigned calls
            return {"type": self.type, "principalId": "", "accountId": "anonymous"}
        found: dict[str, Any] = {
            "type": self.type,
            "principalId": self.principal_id,
            "arn": self.arn,
            "accountId": self.account_id,
        }
        if self.access_key_id:
            found["accessKeyId"] = self.access_key_id
        if self.user_name and self.type in ("IAMUser", "StockadeOperator"):
            found["userName"] = self.user_name
        if self.role_arn:
            role_name = self.role_arn.rsplit("/", 1)[-1]
            found["sessionContext"] = {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": self.principal_id.split(":", 1)[0],
                    "arn": self.role_arn,
                    "accountId": self.account_id,
                    "userName": role_name,
                },
            }
        if self.invoked_by:
            found["invokedBy"] = self.invoked_by
        return found


@dataclass(frozen=True)
class AuditEvent:
    event_id: str
    event_time: datetime
    event_source: str  # e.g. lambda.amazonaws.com
    event_name: str  # the operation, e.g. CreateFunction20150331
    region: str
    source_ip: str
    user_agent: str
    request_id: str
    recipient_account_id: str
    user_identity: UserIdentity | None  # None: the request could not be authenticated
    read_only: bool
    management_event: bool = True
    error_code: str | None = None
    error_message: str | None = None
    request_parameters: Mapping[str, Any] | None = field(default=None, repr=False)
    response_elements: Mapping[str, Any] | None = field(default=None, repr=False)
    additional_event_data: Mapping[str, Any] | None = field(default=None, repr=False)
    resources: tuple[str, ...] = ()  # ARNs of the resources the request named
    # AwsServiceEvent: what a service did on its own (a scheduled secret rotation), no request
    # of anyone's; CloudTrail names the service as invokedBy.
    event_type: str = "AwsApiCall"

    def record(self) -> dict[str, Any]:
        identity = (
            self.user_identity.record()
            if self.user_identity is not None
            else {"type": "Unknown", "accountId": self.recipient_account_id}
        )
        if self.event_type == "AwsServiceEvent" and self.user_identity is None:
            identity = {"accountId": self.recipient_account_id, "invokedBy": self.source_ip}
        found: dict[str, Any] = {
            "eventVersion": EVENT_VERSION,
            "userIdentity": identity,
            "eventTime": self.event_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventSource": self.event_source,
            "eventName": self.event_name,
            "awsRegion": self.region,
            "sourceIPAddress": self.source_ip,
            "userAgent": self.user_agent,
            "requestParameters": self.request_parameters,
            "responseElements": self.response_elements,
            "requestID": self.request_id,
            "eventID": self.event_id,
            "readOnly": self.read_only,
            "eventType": self.event_type,
            "managementEvent": self.management_event,
            "recipientAccountId": self.recipient_account_id,
            "eventCategory": "Management" if self.management_event else "Data",
        }
        if self.resources:
            found["resources"] = [_resource(arn) for arn in self.resources]
        if self.additional_event_data:
            found["additionalEventData"] = dict(self.additional_event_data)
        if self.error_code is not None:
            found["errorCode"] = self.error_code
            found["errorMessage"] = self.error_message or ""
        return found


def _resource(arn: str) -> dict[str, str]:
    """CloudTrail's resource entry: the ARN, its account and type (`AWS::Lambda::Function`)."""
    parts = arn.split(":", 5)
    found = {"ARN": arn}
    if len(parts) == 6:
        if parts[4]:
            found["accountId"] = parts[4]
        # An SQS queue's ARN ends in its bare name; other ARNs start with the resource type.
        kind = "queue" if parts[2] == "sqs" else parts[5].split("/", 1)[0].split(":", 1)[0]
        words = "".join(word.title() for word in kind.split("-"))
        found["type"] = f"AWS::{_SERVICE_NAMES.get(parts[2], parts[2].upper())}::{words}"
    return found


_SERVICE_NAMES = {
    "lambda": "Lambda", "iam": "IAM", "kms": "KMS", "sqs": "SQS", "logs": "Logs",
    "cloudtrail": "CloudTrail", "signer": "Signer", "sts": "STS",
}  # fmt: skip
