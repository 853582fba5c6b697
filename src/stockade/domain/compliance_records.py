"""What compliance keeps: each account's enabled rules, each resource's current result per rule
(a function's by its name, a secret's by its ARN: the item's resourceId, never the same for two
resource types), and every change of a result (with its cause) together with the state of its
webhook delivery."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from stockade.domain.compliance_rules import Compliance
from stockade.domain.configuration_item import RESOURCE_TYPE
from stockade.domain.sealing import SECRET
from stockade.types import AccountId

DELIVERY_ATTEMPTS_MAX = 5


@dataclass(frozen=True)
class RuleSetting:
    """A rule an operator enabled for an account, with its parameters (AWS's names)."""

    account_id: AccountId
    rule: str
    parameters: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Webhook:
    """Where an account's compliance changes are POSTed. A webhook URL often carries a token,
    so it is sealed at rest and never logged or shown whole; so is the signing secret."""

    account_id: AccountId
    url: str = field(metadata=SECRET, repr=False)
    # Signs every delivery (HMAC-SHA256); shown to the operator once, when the webhook is set.
    signing_secret: str = field(metadata=SECRET, repr=False)


@dataclass(frozen=True)
class ComplianceState:
    """The latest result of one rule for one resource."""

    account_id: AccountId
    function_name: str  # the resource's id (kept under its first name: stored rows load)
    rule: str
    compliance: Compliance
    reason: str
    recorded_at: datetime
    resource_type: str = RESOURCE_TYPE


@dataclass(frozen=True)
class Cause:
    """Why a rule was evaluated: an API request (its event name and request id), or an
    operator's action (event name only, e.g. `StockadeComplianceEvaluation`)."""

    event_name: str
    request_id: str | None = None
    configuration_state_id: int | None = None  # the configuration item evaluated


class Delivery(StrEnum):
    """A change's webhook delivery: PENDING -> DELIVERED, or PENDING (retried) -> FAILED after
    DELIVERY_ATTEMPTS_MAX attempts. NOT_CONFIGURED: the account had no webhook when the change
    was recorded. The URL is the account's webhook at delivery time."""

    NOT_CONFIGURED = "NOT_CONFIGURED"
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


_NEXT: Mapping[Delivery, frozenset[Delivery]] = {
    Delivery.NOT_CONFIGURED: frozenset(),
    Delivery.PENDING: frozenset({Delivery.PENDING, Delivery.DELIVERED, Delivery.FAILED}),
    Delivery.DELIVERED: frozenset(),
    Delivery.FAILED: frozenset(),
}


class IllegalDeliveryTransitionError(ValueError):
    pass


@dataclass(frozen=True)
class ComplianceChange:
    """A resource's result for a rule changed (`before` None: first evaluated)."""

    change_id: str
    account_id: AccountId
    region: str
    function_name: str  # the resource's id, as in ComplianceState
    rule: str
    before: Compliance | None
    after: Compliance
    reason: str
    recorded_at: datetime
    cause: Cause
    delivery: Delivery = Delivery.NOT_CONFIGURED
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    resource_type: str = RESOURCE_TYPE

    def _moved(self, to: Delivery, **changes: Any) -> ComplianceChange:
        if to not in _NEXT[self.delivery]:
            raise IllegalDeliveryTransitionError(f"{self.delivery} -> {to}")
        return replace(self, delivery=to, **changes)

    def delivered(self) -> ComplianceChange:
        return self._moved(Delivery.DELIVERED, attempts=self.attempts + 1, next_attempt_at=None,
                           last_error=None)  # fmt: skip

    def failed_attempt(self, error: str, now: datetime, base_delay_s: float) -> ComplianceChange:
        """Retried with exponential backoff until the attempts run out."""
        attempts = self.attempts + 1
        if attempts >= DELIVERY_ATTEMPTS_MAX:
            return self._moved(Delivery.FAILED, attempts=attempts, next_attempt_at=None,
                               last_error=error)  # fmt: skip
        delay = timedelta(seconds=base_delay_s * 2 ** (attempts - 1))
        return self._moved(Delivery.PENDING, attempts=attempts, next_attempt_at=now + delay,
                           last_error=error)  # fmt: skip

    def notification(self) -> dict[str, Any]:
        """The webhook body, shaped as AWS Config's ComplianceChangeNotification."""

        def result(compliance: Compliance | None, annotation: str | None) -> Any:
            if compliance is None:
                return None
            return {
                "evaluationResultIdentifier": {"evaluationResultQualifier": {
                    "configRuleName": self.rule, "resourceType": self.resource_type,
                    "resourceId": self.function_name,
                }},
                "complianceType": compliance.value,
                "resultRecordedTime": self.recorded_at.isoformat(),
                "annotation": annotation,
            }  # fmt: skip

        return {
            "messageType": "ComplianceChangeNotification",
            "notificationCreationTime": self.recorded_at.isoformat(),
            "recordVersion": "1.0",
            "changeId": self.change_id,
            "awsAccountId": self.account_id,
            "awsRegion": self.region,
            "configRuleName": self.rule,
            "resourceType": self.resource_type,
            "resourceId": self.function_name,
            "newEvaluationResult": result(self.after, self.reason),
            "oldEvaluationResult": result(self.before, None),
            "cause": {
                "eventName": self.cause.event_name,
                "requestID": self.cause.request_id,
                "configurationStateId": self.cause.configuration_state_id,
            },
        }
