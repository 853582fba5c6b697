"""What a compliance rule answers for one resource (AWS Config's ComplianceType values)."""

from __future__ import annotations

from enum import StrEnum


class Compliance(StrEnum):
    COMPLIANT = "COMPLIANT"
    NON_COMPLIANT = "NON_COMPLIANT"
    NOT_APPLICABLE = "NOT_APPLICABLE"  # as AWS Config: the rule ignores this resource


Outcome = tuple[Compliance, str]  # the result and its reason (operator-safe, never a value)
