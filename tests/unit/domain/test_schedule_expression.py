"""Schedule expressions: AWS's accepted and refused forms, and the fire times they give."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from stockade.domain.schedule_expression import (
    Schedule,
    ScheduleExpressionError,
    parse_schedule,
)

T0 = datetime(2026, 12, 7, 23, 54, 57, tzinfo=UTC)  # a Monday
MESSAGE = "Parameter ScheduleExpression is not valid."


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# Accepted by AWS: the guide's examples and LocalStack's AWS-validated PutRule cases
# (tests/aws/services/events/test_events_schedule.py, TestScheduleCron).
ACCEPTED = [
    "rate(1 minute)",
    "rate(5 minutes)",
    "rate(1 hour)",
    "rate(1 day)",
    "rate(7 days)",
    "cron(0 2 ? * SAT *)",
    "cron(0 12 * * ? *)",
    "cron(5,35 14 * * ? *)",
    "cron(15 10 ? * 6L 2002-2005)",
    "cron(0 2 ? * SAT#3 *)",
    "cron(* * ? * SAT#3 *)",
    "cron(0/5 5 ? JAN 1-5 2022)",
    "cron(0 18 ? * MON-FRI *)",
    "cron(0 8 1 * ? *)",
    "cron(0/15 * * * ? *)",
    "cron(0/10 * ? * MON-FRI *)",
    "cron(0/5 8-17 ? * MON-FRI *)",
    "cron(0/30 20-23 ? * MON-FRI *)",
    "cron(0 9 ? * 2#1 *)",
    "cron(0 0 L * ? *)",
    "cron(0 0 3W * ? *)",
    "cron(0 0 ? * L *)",
    "cron(1/10 * * JAN,FEB,MAR ? 1970-2199)",
    "cron(0-15/5 * * * ? *)",
    # Reported accepted by EventBridge (issues of aws_cron_expression_validator #12, #18 and
    # serverless-local-schedule #12): `LW`, names in any case, name + `L`, wrapping ranges.
    "cron(0 21 LW * ? *)",
    "cron(1/5 8-17 ? * Mon-Fri *)",
    "cron(0 18 ? * SATL *)",
    "cron(0 9-5 ? * MON-FRI *)",
    "cron(30-10 * * * ? *)",
]

# Refused by AWS with ValidationException "Parameter ScheduleExpression is not valid." (the
# rate list and the first five crons are LocalStack's AWS-validated cases; the rest break a
# rule of the guide: field ranges, `?` in exactly one day field, `#` alone in its field).
REFUSED = [
    "rate(10 seconds)", "rate(10 years)", "rate(1 minutes)", "rate(1 hours)", "rate(1 days)",
    "rate(10 minute)", "rate(10 hour)", "rate(10 day)", "rate()", "rate(10)",
    "rate(10 minutess)", "rate(foo minutes)", "rate(0 minutes)", "rate(-10 minutes)",
    "rate(10 MINUTES)", "rate( 10 minutes )", " rate(10 minutes)", "rate(\u0661 minute)",
    "cron(0 1 * * * *)", "cron(7 20 * * NOT *)", "cron(INVALID)", "cron(0 dummy ? * MON-FRI *)",
    "cron(71 8 1 * ? *)",
    "cron(0 1 ? * ? *)", "cron(0 24 * * ? *)", "cron(0 0 0 * ? *)", "cron(0 0 32 * ? *)",
    "cron(0 0 * 13 ? *)", "cron(0 0 ? * 8 *)", "cron(0 0 ? * 0 *)", "cron(0 0 * * ? 1969)",
    "cron(0 0 * * ? 2200)", "cron(0 0 ? * 3#1,6#3 *)", "cron(0 0 ? * 3#6 *)",
    "cron(0 0 * * ?)", "cron(0 0 * * ? * *)", "cron(0 0 * * ? *", "cron(0 0 L,1 * ? *)",
    "cron(0 0 32W * ? *)", "cron(0 0 ? * 1/2 *)", "cron(0 0/0 * * ? *)",
    "cron(0 0 * * ? 2199-1970)",
    "cron(0 0 ?W * ? *)", "cron(0 0 * * L *)", "cron(0 0 L * L *)", "", "cron()",
    "rate(1 minute) ", "cron(" + "0," * 200 + "0 0 * * ? *)",
]  # fmt: skip


@pytest.mark.parametrize("text", ACCEPTED)
def test_accepted_expressions_parse_and_keep_their_text(text: str) -> None:
    assert parse_schedule(text).expression == text


@pytest.mark.parametrize("text", REFUSED)
def test_refused_expressions_get_aws_message(text: str) -> None:
    with pytest.raises(ScheduleExpressionError) as caught:
        parse_schedule(text)
    assert caught.value.message == MESSAGE
    assert str(caught.value) == MESSAGE


def test_a_schedule_is_a_value_of_its_text() -> None:
    assert Schedule("rate(5 minutes)") == parse_schedule("rate(5 minutes)")
    assert "rate(5 minutes)" in repr(Schedule("rate(5 minutes)"))
    with pytest.raises(ScheduleExpressionError):
        Schedule("rate(5 minute)")


def test_rate_fires_one_period_after_creation_on_the_minute_then_every_period() -> None:
    s = parse_schedule("rate(5 minutes)")
    created = at(2026, 12, 7, 10, 3, 27)  # anchor 10:03
    assert s.next_fire(created, created) == at(2026, 12, 7, 10, 8)
    assert s.next_fire(at(2026, 12, 7, 10, 8), created) == at(2026, 12, 7, 10, 13)
    assert s.next_fire(at(2026, 12, 7, 10, 7, 59), created) == at(2026, 12, 7, 10, 8)
    assert s.next_fire(at(2026, 12, 7, 9, 0), created) == at(2026, 12, 7, 10, 8)
    assert s.period_of(at(2026, 12, 7, 10, 7, 59), created) is None
    assert s.period_of(at(2026, 12, 7, 10, 8), created) == at(2026, 12, 7, 10, 8)
    assert s.period_of(at(2026, 12, 7, 12, 0, 30), created) == at(2026, 12, 7, 11, 58)


def test_rate_days_and_hours() -> None:
    created = at(2026, 12, 7, 10, 3)
    assert parse_schedule("rate(1 day)").next_fire(created, created) == at(2026, 12, 8, 10, 3)
    assert parse_schedule("rate(2 hours)").period_of(at(2026, 12, 8, 0, 0), created) == at(
        2026, 12, 7, 22, 3
    )


def test_a_rate_past_the_calendar_never_fires() -> None:
    s = parse_schedule("rate(9999999999 days)")
    assert s.next_fire(T0, T0) is None
    assert s.period_of(T0 + timedelta(days=3650), T0) is None


def test_times_in_other_zones_are_read_as_the_instant_and_answered_in_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    s = parse_schedule("cron(0 12 * * ? *)")
    fire = s.next_fire(datetime(2026, 12, 7, 13, 30, tzinfo=plus_two), T0 - timedelta(days=1))
    assert fire == at(2026, 12, 7, 12, 0)  # 13:30+02:00 is 11:30 UTC
    assert fire is not None
    assert fire.tzinfo == UTC


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_schedule("rate(1 minute)").next_fire(datetime(2026, 1, 1), T0)


@pytest.mark.parametrize(
    ("text", "after", "expected"),
    [
        ("cron(0 12 * * ? *)", at(2026, 12, 8, 12, 0), at(2026, 12, 9, 12, 0)),
        ("cron(0 12 * * ? *)", at(2026, 12, 8, 11, 59, 59), at(2026, 12, 8, 12, 0)),
        ("cron(0 18 ? * MON-FRI *)", at(2026, 12, 11, 18, 0), at(2026, 12, 14, 18, 0)),
        ("cron(0 9 ? * 2#1 *)", at(2026, 12, 8), at(2027, 1, 4, 9, 0)),  # first Monday
        ("cron(15 10 ? * 6L *)", at(2026, 12, 1), at(2026, 12, 25, 10, 15)),  # last Friday
        ("cron(0 0 L * ? *)", at(2027, 2, 1), at(2027, 2, 28)),
        ("cron(0 0 L * ? *)", at(2028, 2, 1), at(2028, 2, 29)),
        ("cron(0 0 ? * L *)", at(2026, 12, 8), at(2026, 12, 12)),  # Saturday
        ("cron(0 0 1W * ? *)", at(2026, 7, 15), at(2026, 8, 3)),  # Aug 1 2026 is a Saturday
        ("cron(0 0 31W * ? *)", at(2027, 1, 15), at(2027, 1, 29)),  # Jan 31 2027 is a Sunday
        ("cron(0 0 15W * ? *)", at(2026, 11, 1), at(2026, 11, 16)),  # Nov 15 2026: Sunday
        ("cron(0 0 14W * ? *)", at(2026, 11, 1), at(2026, 11, 13)),  # Nov 14 2026: Saturday
        ("cron(0 0 31 * ? *)", at(2026, 12, 31, 0, 0), at(2027, 1, 31)),
        ("cron(0 0 29 FEB ? *)", at(2026, 1, 1), at(2028, 2, 29)),
        ("cron(1/10 * * * ? *)", at(2026, 12, 7, 10, 52), at(2026, 12, 7, 11, 1)),
        ("cron(0/5 5 ? JAN 1-5 2022)", at(2021, 6, 1), at(2022, 1, 2, 5, 0)),  # Jan 2: Sunday
        ("cron(0 0 1 1 ? 2199)", at(2199, 1, 1), None),
        ("cron(0/5 5 ? JAN 1-5 2022)", T0, None),  # a past year never fires again
        ("cron(0 0 30 FEB ? *)", T0, None),  # a date no month has
        ("cron(0 0 ? * 1#5 *)", at(2026, 12, 1), at(2027, 1, 31)),  # the next fifth Sunday
        ("cron(0 0 LW * ? *)", at(2027, 1, 1), at(2027, 1, 29)),  # Jan 31 2027: Sunday
        ("cron(0 0 LW * ? *)", at(2026, 12, 1), at(2026, 12, 31)),  # a Thursday
        ("cron(0 22-2 * * ? *)", at(2026, 12, 7, 2, 30), at(2026, 12, 7, 22, 0)),
        ("cron(0 22-2/2 * * ? *)", at(2026, 12, 7, 22, 0), at(2026, 12, 8, 0, 0)),
        ("cron(0 22-2/2 * * ? *)", at(2026, 12, 8, 0, 0), at(2026, 12, 8, 2, 0)),
        ("cron(0 0 ? * FRI-MON *)", at(2026, 12, 8), at(2026, 12, 11)),  # Tue -> Fri
        ("cron(0 0 ? * friL *)", at(2026, 12, 1), at(2026, 12, 25)),
    ],
)
def test_cron_next_fire(text: str, after: datetime, expected: datetime | None) -> None:
    assert parse_schedule(text).next_fire(after, at(1970, 1, 1)) == expected


def test_a_cron_that_never_fires_answers_quickly() -> None:
    s = parse_schedule("cron(0 0 31 FEB,APR,JUN,SEP,NOV ? *)")
    started = time.monotonic()
    assert s.next_fire(at(1970, 1, 1), at(1970, 1, 1)) is None
    assert s.period_of(at(2199, 12, 31, 23, 59), at(1970, 1, 1)) is None
    assert time.monotonic() - started < 2.0


def test_cron_fires_only_from_the_rules_creation_on() -> None:
    s = parse_schedule("cron(* * * * ? *)")
    created = at(2026, 12, 7, 10, 0, 30)
    assert s.next_fire(at(2026, 12, 7, 9, 0), created) == at(2026, 12, 7, 10, 1)
    assert s.next_fire(at(2026, 12, 7, 9, 0), at(2026, 12, 7, 10, 0)) == at(2026, 12, 7, 10, 0)
    assert s.period_of(at(2026, 12, 7, 10, 0, 59), created) is None
    assert s.period_of(at(2026, 12, 7, 10, 1, 5), created) == at(2026, 12, 7, 10, 1)


def test_period_of_a_cron_after_downtime_is_the_latest_period_only() -> None:
    s = parse_schedule("cron(0 * * * ? *)")  # hourly
    created = at(2026, 12, 1)
    # Down from 10:30 to 15:20: the scheduler sees one period (15:00), not five.
    assert s.period_of(at(2026, 12, 7, 15, 20), created) == at(2026, 12, 7, 15, 0)
    assert s.period_of(at(2026, 12, 7, 10, 30), created) == at(2026, 12, 7, 10, 0)
