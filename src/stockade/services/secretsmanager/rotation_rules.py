"""RotationRules, parsed strictly, and the rotation windows they define (pure).

From the API reference (RotationRulesType) and the user guide ("Schedule expressions in Secrets
Manager rotation"): AutomaticallyAfterDays 1-1000 or a ScheduleExpression, never both;
`rate(N hours)` (at least 4) or `rate(N days)` (1-1000), windows starting at midnight UTC;
`cron(...)` with EventBridge's six fields (the same parser); `Duration` `Nh`, the window's
length. Without a Duration a window of hours closes after one hour and a window of days at the
end of its UTC day; a window may reach neither into the next UTC day nor into the next window.
AutomaticallyAfterDays counts from the last rotation ("calculates the next rotation date based
on the previous rotation"), its window the whole UTC day (or Duration from midnight).

NextRotationDate is shown as the end of the next window: "the next rotation is scheduled to
occur on or before this date". The runner starts a rotation when its window opens.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from stockade.domain import cron_expression
from stockade.domain.errors import ScheduleExpressionError
from stockade.domain.secrets import RotationRules
from stockade.services.secretsmanager.errors import InvalidParameterError

DAYS_MIN, DAYS_MAX = 1, 1000
RATE_HOURS_MIN = 4  # "You can rotate a secret as often as every four hours."
_RATE = re.compile(r"rate\(([0-9]{1,4}) (hour|hours|day|days)\)")
_DURATION = re.compile(r"([0-9]{1,2})h")
_DAY = timedelta(days=1)
_HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Window:
    """One rotation window: rotation starts at `opens`; NextRotationDate shows `closes`."""

    opens: datetime
    closes: datetime


def _midnight(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def parse_rules(given: object) -> RotationRules:
    """The request's RotationRules as stored, or InvalidParameterException."""
    if not isinstance(given, dict):
        raise InvalidParameterError("RotationRules must be a structure.")
    days, expression, duration = (
        given.get("AutomaticallyAfterDays"),
        given.get("ScheduleExpression"),
        given.get("Duration"),
    )
    if days is not None and expression is not None:
        raise InvalidParameterError(
            "You can't specify both AutomaticallyAfterDays and ScheduleExpression."
        )
    if days is None and expression is None:
        raise InvalidParameterError(
            "You must specify either AutomaticallyAfterDays or ScheduleExpression."
        )
    if days is not None and (not isinstance(days, int) or not DAYS_MIN <= days <= DAYS_MAX):
        raise InvalidParameterError(
            f"AutomaticallyAfterDays must be between {DAYS_MIN} and {DAYS_MAX}."
        )
    rules = RotationRules(days, duration, expression)
    if expression is not None:
        _check_expression(str(expression))
    if duration is not None:
        hours = _duration_hours(str(duration))
        if hours > _window_limit_hours(rules):
            raise InvalidParameterError(
                "The rotation window must not extend into the next UTC day or into the next"
                " rotation window."
            )
    return rules


def _check_expression(text: str) -> None:
    if text.startswith("rate("):
        _rate(text)
        return
    try:
        cron = cron_expression.parse(text)
    except ScheduleExpressionError:
        raise InvalidParameterError(f"Invalid ScheduleExpression: {text}") from None
    if len(cron.minutes) > 1 or _cron_gap_hours(cron) < RATE_HOURS_MIN:
        raise InvalidParameterError("A secret can be rotated at most every four hours.")


def _rate(text: str) -> timedelta:
    match = _RATE.fullmatch(text)
    if match is None:
        raise InvalidParameterError(f"Invalid ScheduleExpression: {text}")
    count, unit = int(match.group(1)), match.group(2)
    if unit.startswith("hour"):
        if not RATE_HOURS_MIN <= count <= 23:
            raise InvalidParameterError(
                "A rate in hours must be between 4 and 23 hours; use a rate in days for more."
            )
        return timedelta(hours=count)
    if not DAYS_MIN <= count <= DAYS_MAX:
        raise InvalidParameterError(f"A rate in days must be between {DAYS_MIN} and {DAYS_MAX}.")
    return timedelta(days=count)


def _duration_hours(text: str) -> int:
    match = _DURATION.fullmatch(text)
    if match is None or not 1 <= int(match.group(1)) <= 24:
        raise InvalidParameterError(f"Invalid Duration: {text}. Specify it in hours, as 3h.")
    return int(match.group(1))


def _cron_gap_hours(cron: cron_expression.Cron) -> int:
    """The shortest gap in hours between two of the cron's hours in one day (24 if one)."""
    hours = sorted(cron.hours)
    if len(hours) < 2:
        return 24
    gaps = [b - a for a, b in itertools.pairwise(hours)]
    return min([*gaps, 24 - hours[-1] + hours[0]])


def _in_hours(rules: RotationRules) -> bool:
    """The schedule repeats within a day (its default window is one hour)."""
    text = rules.schedule_expression
    if text is None:
        return False
    if text.startswith("rate("):
        return _rate(text) < _DAY
    return len(cron_expression.parse(text).hours) > 1


def _window_limit_hours(rules: RotationRules) -> int:
    text = rules.schedule_expression
    if text is not None and _in_hours(rules):
        if text.startswith("rate("):
            return int(_rate(text) / _HOUR)
        return _cron_gap_hours(cron_expression.parse(text))
    if text is not None and not text.startswith("rate("):
        start = min(cron_expression.parse(text).hours)
        return 24 - start  # not into the next UTC day
    return 24


def _length(rules: RotationRules, opens: datetime) -> timedelta:
    if rules.duration is not None:
        return timedelta(hours=_duration_hours(rules.duration))
    if _in_hours(rules):
        return _HOUR
    return _midnight(opens) + _DAY - timedelta(seconds=1) - opens  # to the end of its day


def next_window(rules: RotationRules, after: datetime, last_rotated: datetime | None) -> Window:
    """The first window that opens after `after` (AutomaticallyAfterDays: the day that many
    days after the last rotation, or after `after` if it never rotated)."""
    text = rules.schedule_expression
    if text is None:
        days = rules.automatically_after_days or DAYS_MIN
        opens = _midnight((last_rotated or after) + timedelta(days=days))
    elif text.startswith("rate("):
        opens = _next_rate_start(_rate(text), after)
    else:
        found = cron_expression.parse(text).next_after(after)
        if found is None:  # a cron with no future fire time: never again
            found = datetime.max.replace(tzinfo=UTC) - _DAY * 2
        opens = found
    return Window(opens, opens + _length(rules, opens))


def _next_rate_start(period: timedelta, after: datetime) -> datetime:
    if period >= _DAY:  # windows start at midnight, `period` after the day of `after`
        return _midnight(after) + period
    day = _midnight(after)
    for _ in range(2):  # today's windows, else tomorrow's first
        start = day
        while start < day + _DAY:
            if start > after:
                return start
            start += period
        day += _DAY
    return day
