"""AWS Config's managed rules for Secrets Manager secrets, over an AWS::SecretsManager::Secret
configuration item (metadata only: rotation settings and dates, never a value). Pure: a rule
sees the item's configuration, its parameters and the instant of evaluation.

AWS Config developer guide, managed rules:
- secretsmanager-rotation-enabled-check: NON_COMPLIANT if the secret is not scheduled for
  rotation, or its rotation frequency is higher than maximumAllowedRotationFrequency (days) /
  maximumAllowedRotationFrequencyInHours (trigger: configuration changes).
- secretsmanager-scheduled-rotation-success-check: NON_COMPLIANT if the date Secrets Manager
  calculated for the rotation passes and the secret is not rotated (configuration changes).
- secretsmanager-secret-periodic-rotation: NON_COMPLIANT if the secret has not been rotated
  for more than maxDaysSinceRotation days (default 90) (trigger: periodic).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from stockade.domain.compliance_result import Compliance, Outcome

SECRET_RESOURCE_TYPE = "AWS::SecretsManager::Secret"  # noqa: S105 - a resource type

ROTATION_ENABLED = "secretsmanager-rotation-enabled-check"
SCHEDULED_ROTATION_SUCCESS = "secretsmanager-scheduled-rotation-success-check"
PERIODIC_ROTATION = "secretsmanager-secret-periodic-rotation"

_FREQUENCY_DAYS = "maximumAllowedRotationFrequency"
_FREQUENCY_HOURS = "maximumAllowedRotationFrequencyInHours"
_MAX_DAYS = "maxDaysSinceRotation"
MAX_DAYS_DEFAULT = 90

SECRET_PARAMETERS: Mapping[str, frozenset[str]] = {
    ROTATION_ENABLED: frozenset({_FREQUENCY_DAYS, _FREQUENCY_HOURS}),
    SCHEDULED_ROTATION_SUCCESS: frozenset(),
    PERIODIC_ROTATION: frozenset({_MAX_DAYS}),
}
SECRET_INTEGERS = frozenset({_FREQUENCY_DAYS, _FREQUENCY_HOURS, _MAX_DAYS})

# Secrets Manager's rate() expressions: rate(N hours) or rate(N days) (User Guide, "Schedule
# expressions in Secrets Manager rotation").
_RATE = re.compile(r"rate\((\d+) (hour|hours|day|days)\)")


def _instant(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _interval(rules: Mapping[str, Any]) -> timedelta | None:
    """The time between rotations the rules set, when it can be known (None for cron())."""
    days = rules.get("automaticallyAfterDays")
    if isinstance(days, int) and days > 0:
        return timedelta(days=days)
    matched = _RATE.fullmatch(str(rules.get("scheduleExpression") or "").strip())
    if matched is None:
        return None
    count = int(matched.group(1))
    return timedelta(hours=count) if matched.group(2).startswith("hour") else timedelta(days=count)


def _hours(span: timedelta) -> str:
    hours = int(span.total_seconds() // 3600)
    count, unit = (hours // 24, "day") if hours % 24 == 0 else (hours, "hour")
    return f"{count} {unit}" + ("" if count == 1 else "s")


def _rotation_enabled(
    parameters: Mapping[str, str], config: Mapping[str, Any], _: datetime
) -> Outcome:
    if not config.get("rotationEnabled"):
        return Compliance.NON_COMPLIANT, "rotation is not enabled"
    rules = config.get("rotationRules") or {}
    limits = []
    if _FREQUENCY_DAYS in parameters:
        limits.append(timedelta(days=int(parameters[_FREQUENCY_DAYS])))
    if _FREQUENCY_HOURS in parameters:
        limits.append(timedelta(hours=int(parameters[_FREQUENCY_HOURS])))
    if not limits:
        return Compliance.COMPLIANT, "rotation is enabled"
    interval = _interval(rules)
    if interval is None:  # fail closed: a frequency that cannot be read is not within limits
        return Compliance.NON_COMPLIANT, (
            f"the rotation schedule {rules.get('scheduleExpression')} has no fixed interval to"
            f" compare with the maximum of {_hours(min(limits))}"
        )
    if interval > min(limits):
        return Compliance.NON_COMPLIANT, (
            f"rotates every {_hours(interval)}, less often than every {_hours(min(limits))}"
        )
    return Compliance.COMPLIANT, f"rotation is enabled, every {_hours(interval)}"


def _window_end(due: datetime, rules: Mapping[str, Any]) -> datetime:
    """When the rotation window opened at `due` closes: after Duration (e.g. "3h"); without
    one, after an hour for a schedule in hours, else at the end of the UTC day (Secrets
    Manager's RotationRulesType)."""
    duration = str(rules.get("duration") or "")
    if duration.endswith("h") and duration[:-1].isdigit():
        return due + timedelta(hours=int(duration[:-1]))
    matched = _RATE.fullmatch(str(rules.get("scheduleExpression") or "").strip())
    if matched is not None and matched.group(2).startswith("hour"):
        return due + timedelta(hours=1)
    day = due.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day + timedelta(days=1)


def _scheduled_rotation_success(
    _: Mapping[str, str], config: Mapping[str, Any], now: datetime
) -> Outcome:
    if not config.get("rotationEnabled"):
        return Compliance.NOT_APPLICABLE, "rotation is not enabled; no rotation is scheduled"
    rules = config.get("rotationRules") or {}
    last = _instant(config.get("lastRotatedDate"))
    due = _instant(config.get("nextRotationDate"))
    interval = _interval(rules)
    if due is None and interval is not None:  # the date Secrets Manager would calculate
        due = (last or _instant(config.get("createdDate")) or now) + interval
    if due is None:
        return Compliance.COMPLIANT, "no rotation date is scheduled yet"
    if last is not None and last >= due:
        return Compliance.COMPLIANT, f"rotated {last.isoformat()}, as scheduled"
    closes = _window_end(due, rules)
    if now >= closes:
        return Compliance.NON_COMPLIANT, (
            f"the rotation scheduled for {due.isoformat()} did not succeed by {closes.isoformat()}"
            + (f"; last rotated {last.isoformat()}" if last else "; never rotated")
        )
    return Compliance.COMPLIANT, f"next rotation scheduled for {due.isoformat()}"


def _periodic_rotation(
    parameters: Mapping[str, str], config: Mapping[str, Any], now: datetime
) -> Outcome:
    days = int(parameters.get(_MAX_DAYS, MAX_DAYS_DEFAULT))
    last = _instant(config.get("lastRotatedDate"))
    since = last or _instant(config.get("createdDate"))
    what = f"last rotated {last.isoformat()}" if last else "never rotated"
    if since is None:  # an item recorded before its creation date was: fail closed
        return Compliance.NON_COMPLIANT, f"{what}; its age is not known"
    if now - since > timedelta(days=days):
        return Compliance.NON_COMPLIANT, (
            f"{what}{'' if last else f' since its creation {since.isoformat()}'}: more than"
            f" {days} days (maxDaysSinceRotation) ago"
        )
    return Compliance.COMPLIANT, f"{what}; within {days} days"


SECRET_RULES: Mapping[str, Callable[[Mapping[str, str], Mapping[str, Any], datetime], Outcome]] = {
    ROTATION_ENABLED: _rotation_enabled,
    SCHEDULED_ROTATION_SUCCESS: _scheduled_rotation_success,
    PERIODIC_ROTATION: _periodic_rotation,
}
