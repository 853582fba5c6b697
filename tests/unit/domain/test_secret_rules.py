"""AWS Config's managed rules for Secrets Manager secrets, as pure functions of an
AWS::SecretsManager::Secret item's configuration and the instant (AWS Config developer guide:
secretsmanager-rotation-enabled-check, secretsmanager-scheduled-rotation-success-check,
secretsmanager-secret-periodic-rotation)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from stockade.domain.compliance_rules import (
    RESOURCE_TYPES,
    Compliance,
    InvalidRuleError,
    check_parameters,
    evaluate,
)
from stockade.domain.secret_rules import (
    PERIODIC_ROTATION,
    ROTATION_ENABLED,
    SCHEDULED_ROTATION_SUCCESS,
)

NOW = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)
CREATED = NOW - timedelta(days=10)
UNROTATED: dict[str, Any] = {
    "name": "app/db", "rotationEnabled": False, "rotationLambdaARN": None,
    "rotationRules": None, "createdDate": CREATED.isoformat(),
    "lastRotatedDate": None, "nextRotationDate": None,
}  # fmt: skip


def rotating(
    rules: dict[str, Any], last: datetime | None = None, next_: datetime | None = None
) -> dict[str, Any]:
    full = {"automaticallyAfterDays": None, "duration": None, "scheduleExpression": None, **rules}
    return {**UNROTATED, "rotationEnabled": True, "rotationRules": full,
            "rotationLambdaARN": "arn:aws:lambda:us-east-1:111122223333:function:rotate",
            "lastRotatedDate": last.isoformat() if last else None,
            "nextRotationDate": next_.isoformat() if next_ else None}  # fmt: skip


def result(
    rule: str, config: dict[str, Any], params: dict[str, str] | None = None, at: datetime = NOW
) -> tuple[Compliance, str]:
    found = evaluate(rule, params or {}, config, at, None)
    return found.compliance, found.reason


def test_each_rule_evaluates_secrets_and_takes_aws_s_parameters() -> None:
    for rule in (ROTATION_ENABLED, SCHEDULED_ROTATION_SUCCESS, PERIODIC_ROTATION):
        assert RESOURCE_TYPES[rule] == "AWS::SecretsManager::Secret"
    check_parameters(ROTATION_ENABLED, {"maximumAllowedRotationFrequency": "30"})
    check_parameters(ROTATION_ENABLED, {"maximumAllowedRotationFrequencyInHours": "12"})
    check_parameters(PERIODIC_ROTATION, {"maxDaysSinceRotation": "30"})
    with pytest.raises(InvalidRuleError, match="takes no parameter"):
        check_parameters(SCHEDULED_ROTATION_SUCCESS, {"maxDaysSinceRotation": "3"})
    with pytest.raises(InvalidRuleError, match="whole number"):
        check_parameters(PERIODIC_ROTATION, {"maxDaysSinceRotation": "ninety"})


def test_rotation_enabled_check_needs_rotation_within_the_maximum_frequency() -> None:
    assert result(ROTATION_ENABLED, UNROTATED) == (
        Compliance.NON_COMPLIANT, "rotation is not enabled")  # fmt: skip
    monthly = rotating({"automaticallyAfterDays": 30})
    assert result(ROTATION_ENABLED, monthly)[0] is Compliance.COMPLIANT
    days = {"maximumAllowedRotationFrequency": "30"}
    assert result(ROTATION_ENABLED, monthly, days)[0] is Compliance.COMPLIANT
    assert result(ROTATION_ENABLED, rotating({"automaticallyAfterDays": 31}), days)[0] is (
        Compliance.NON_COMPLIANT)  # fmt: skip
    hours = {"maximumAllowedRotationFrequencyInHours": "12"}
    assert result(ROTATION_ENABLED, rotating({"scheduleExpression": "rate(4 hours)"}), hours)[
        0] is Compliance.COMPLIANT  # fmt: skip
    slow, reason = result(ROTATION_ENABLED, rotating({"scheduleExpression": "rate(1 day)"}), hours)
    assert slow is Compliance.NON_COMPLIANT
    assert "every 1 day," in reason
    assert "12 hours" in reason
    # A cron() schedule has no fixed interval to compare: not shown to be within the limit.
    cron = rotating({"scheduleExpression": "cron(0 16 1,15 * ? *)"})
    assert result(ROTATION_ENABLED, cron)[0] is Compliance.COMPLIANT
    assert result(ROTATION_ENABLED, cron, days)[0] is Compliance.NON_COMPLIANT


def test_scheduled_rotation_success_is_non_compliant_once_the_window_passes_unrotated() -> None:
    assert result(SCHEDULED_ROTATION_SUCCESS, UNROTATED)[0] is Compliance.NOT_APPLICABLE
    due = NOW - timedelta(hours=2)
    # A rotation window without Duration, for a schedule in days, closes at the end of the
    # UTC day (RotationRulesType): two hours late is still within it.
    daily = rotating({"automaticallyAfterDays": 7}, last=due - timedelta(days=7), next_=due)
    assert result(SCHEDULED_ROTATION_SUCCESS, daily)[0] is Compliance.COMPLIANT
    next_day = NOW.replace(hour=0) + timedelta(days=1)
    late, reason = result(SCHEDULED_ROTATION_SUCCESS, daily, at=next_day)
    assert late is Compliance.NON_COMPLIANT
    assert due.isoformat() in reason
    assert "did not succeed" in reason
    # With Duration the window is that long.
    windowed = rotating({"scheduleExpression": "rate(7 days)", "duration": "1h"},
                        last=due - timedelta(days=7), next_=due)  # fmt: skip
    assert result(SCHEDULED_ROTATION_SUCCESS, windowed)[0] is Compliance.NON_COMPLIANT
    # Rotated since the date was due: compliant, whatever the clock says.
    rotated = rotating({"automaticallyAfterDays": 7}, last=due + timedelta(minutes=5), next_=due)
    assert result(SCHEDULED_ROTATION_SUCCESS, rotated, at=NOW + timedelta(days=3))[0] is (
        Compliance.COMPLIANT)  # fmt: skip


def test_scheduled_rotation_without_a_next_date_is_due_an_interval_after_the_last() -> None:
    last = NOW - timedelta(days=9)
    weekly = rotating({"automaticallyAfterDays": 7}, last=last)
    late, reason = result(SCHEDULED_ROTATION_SUCCESS, weekly)
    assert late is Compliance.NON_COMPLIANT
    assert (last + timedelta(days=7)).isoformat() in reason
    assert result(SCHEDULED_ROTATION_SUCCESS, rotating({"automaticallyAfterDays": 30}, last))[
        0] is Compliance.COMPLIANT  # fmt: skip


def test_periodic_rotation_counts_from_the_last_rotation_or_else_the_creation() -> None:
    assert result(PERIODIC_ROTATION, UNROTATED)[0] is Compliance.COMPLIANT  # 10 days old
    old = {**UNROTATED, "createdDate": (NOW - timedelta(days=91)).isoformat()}
    stale, reason = result(PERIODIC_ROTATION, old)
    assert stale is Compliance.NON_COMPLIANT
    assert "never rotated" in reason
    assert "90 days" in reason
    assert result(PERIODIC_ROTATION, UNROTATED, {"maxDaysSinceRotation": "7"})[0] is (
        Compliance.NON_COMPLIANT)  # fmt: skip
    recent = {**old, "lastRotatedDate": (NOW - timedelta(days=89)).isoformat()}
    assert result(PERIODIC_ROTATION, recent)[0] is Compliance.COMPLIANT
    # Time alone makes it overdue: exactly 90 days is not "more than", a moment after is.
    exactly = NOW + timedelta(days=1)
    assert result(PERIODIC_ROTATION, recent, at=exactly)[0] is Compliance.COMPLIANT
    assert result(PERIODIC_ROTATION, recent, at=exactly + timedelta(seconds=1))[0] is (
        Compliance.NON_COMPLIANT)  # fmt: skip


def test_a_reason_never_holds_more_than_the_item_s_metadata() -> None:
    config = {**rotating({"automaticallyAfterDays": 7}), "name": "app/db"}
    for rule in (ROTATION_ENABLED, SCHEDULED_ROTATION_SUCCESS, PERIODIC_ROTATION):
        assert "app/db" not in result(rule, config)[1]
