"""A rule's `ScheduleExpression`: `rate(value unit)` or `cron(...)`, and when it fires.

AWS's rules (EventBridge user guide, "Rate expressions reference"): the value is a positive
whole number, the unit one of minute|minutes|hour|hours|day|days, singular exactly when the
value is 1 (`rate(1 hours)` and `rate(5 hour)` are refused). Spacing and case are exact:
`rate(10 MINUTES)`, `rate( 10 minutes )` and ` rate(10 minutes)` are refused too (recorded
against AWS in LocalStack's tests/aws/services/events/test_events_schedule.py). Every refusal
carries the same text, "Parameter ScheduleExpression is not valid." The member is at most 256
characters (botocore's events model); longer text is refused here as well.

Fire times are whole UTC minutes ("the minimum precision for a schedule is one minute").

- `rate(n unit)`: the guide says a rate expression "starts when you create the scheduled event
  rule"; it documents no offset, so the first fire is one period after the anchor, then every
  period: anchor + k * period for k >= 1. The anchor is the `created` the caller passes (the
  rule's creation, or its last enabling), truncated to its minute.
- `cron(...)`: the expression's own minutes, counted only from `created` on (a rule does not
  fire for a time before it existed).

`period_of` gives the last fire time at or before a moment: a scheduler that records the
period it last fired can fire once for the current period after a restart, and never replay
the periods it slept through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from stockade.domain import cron_expression
from stockade.domain.cron_expression import Cron
from stockade.domain.errors import ScheduleExpressionError

__all__ = ["Rate", "Schedule", "ScheduleExpressionError", "parse_schedule"]

SCHEDULE_EXPRESSION_MAX = 256
_RATE = re.compile(r"rate\(([0-9]+) (minute|minutes|hour|hours|day|days)\)")
_UNIT_MINUTES = {"minute": 1, "hour": 60, "day": 24 * 60}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Rate:
    minutes: int  # the period, in whole minutes


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule; constructing one validates it (ScheduleExpressionError if AWS would
    refuse it). Only `expression` is a field: it is what is stored and answered back."""

    expression: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "_parsed", _parse(self.expression))

    @property
    def parsed(self) -> Rate | Cron:
        return cast("Rate | Cron", self.__dict__["_parsed"])

    def next_fire(self, after: datetime, created: datetime) -> datetime | None:
        """The first fire time strictly after `after`, or None if it never fires again."""
        after, created = _utc(after), _utc(created)
        spec = self.parsed
        if isinstance(spec, Rate):
            anchor = _minutes_since_epoch(created)
            now = max(_minutes_since_epoch(after), anchor)  # minute of `after`: fires are > it
            return _from_minutes(anchor + ((now - anchor) // spec.minutes + 1) * spec.minutes)
        if after >= created:
            return spec.next_after(after)
        # Fire times are whole minutes, so "at or after created" is "after created - 1 us"
        # (datetime's resolution).
        return spec.next_after(created - timedelta(microseconds=1))

    def period_of(self, moment: datetime, created: datetime) -> datetime | None:
        """The start of the period `moment` falls in: the last fire time at or before it, or
        None before the first fire."""
        moment, created = _utc(moment), _utc(created)
        spec = self.parsed
        if isinstance(spec, Rate):
            anchor = _minutes_since_epoch(created)
            periods = (_minutes_since_epoch(moment) - anchor) // spec.minutes
            return _from_minutes(anchor + periods * spec.minutes) if periods >= 1 else None
        last = spec.last_at_or_before(moment)
        return last if last is not None and last >= created else None


def parse_schedule(text: str) -> Schedule:
    """A `ScheduleExpression` as given to PutRule, parsed strictly."""
    return Schedule(text)


def _parse(text: str) -> Rate | Cron:
    if not isinstance(text, str) or len(text) > SCHEDULE_EXPRESSION_MAX:
        raise ScheduleExpressionError
    if text.startswith("cron("):
        return cron_expression.parse(text)
    match = _RATE.fullmatch(text)
    if match is None:
        raise ScheduleExpressionError
    value, unit = int(match.group(1)), match.group(2)
    if value < 1 or (value == 1) != (not unit.endswith("s")):
        raise ScheduleExpressionError
    return Rate(minutes=value * _UNIT_MINUTES[unit.rstrip("s")])


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("schedule times must be timezone-aware")
    return moment.astimezone(UTC)


def _minutes_since_epoch(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(minutes=1)


def _from_minutes(minutes: int) -> datetime | None:
    try:
        return _EPOCH + timedelta(minutes=minutes)
    except OverflowError:  # a period past datetime's range: the schedule never fires again
        return None
