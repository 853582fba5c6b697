"""RotationRules and their windows (pure): RotationRulesType's rules and the user guide's
"Schedule expressions in Secrets Manager rotation" (windows start at midnight for rates; a
schedule within a day has one-hour windows, one of days closes at the end of its UTC day;
Duration sets the length)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from stockade.domain.secrets import RotationRules
from stockade.services.secretsmanager.errors import InvalidParameterError
from stockade.services.secretsmanager.rotation_rules import next_window, parse_rules

NOW = datetime(2026, 3, 2, 13, 25, 7, tzinfo=UTC)
END_OF_DAY = timedelta(hours=23, minutes=59, seconds=59)


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def test_rules_are_kept_as_given() -> None:
    given = {"ScheduleExpression": "rate(10 days)", "Duration": "3h"}
    assert parse_rules(given) == RotationRules(None, "3h", "rate(10 days)")
    assert parse_rules({"AutomaticallyAfterDays": 30}) == RotationRules(30, None, None)


@pytest.mark.parametrize(
    "given",
    [
        {},
        {"Duration": "2h"},
        {"AutomaticallyAfterDays": 1001},
        {"ScheduleExpression": "rate(3 hours)"},
        {"ScheduleExpression": "rate(24 hours)"},
        {"ScheduleExpression": "rate(0 days)"},
        {"ScheduleExpression": "rate(1 week)"},
        {"ScheduleExpression": "cron(0 */2 * * ? *)"},
        {"ScheduleExpression": "cron(0 8 * * * *)"},  # both day fields
        {"ScheduleExpression": "rate(4 hours)", "Duration": "5h"},  # into the next window
        {"ScheduleExpression": "cron(0 22 * * ? *)", "Duration": "3h"},  # into the next day
        {"AutomaticallyAfterDays": 1, "Duration": "0h"},
    ],
)
def test_rules_aws_refuses(given: dict[str, object]) -> None:
    with pytest.raises(InvalidParameterError):
        parse_rules(given)


def test_automatically_after_days_opens_the_whole_day_that_many_days_after_the_last() -> None:
    rules = RotationRules(automatically_after_days=3)
    window = next_window(rules, NOW, at(1, 9))
    assert (window.opens, window.closes) == (at(4), at(4) + END_OF_DAY)
    never_rotated = next_window(rules, NOW, None)
    assert never_rotated.opens == at(5)


def test_a_rate_in_hours_opens_every_n_hours_from_midnight_for_one_hour() -> None:
    window = next_window(RotationRules(schedule_expression="rate(6 hours)"), NOW, None)
    assert (window.opens, window.closes) == (at(2, 18), at(2, 19))
    late = next_window(RotationRules(schedule_expression="rate(6 hours)"), at(2, 23), None)
    assert late.opens == at(3)


def test_a_rate_in_days_opens_at_midnight_and_a_duration_shortens_it() -> None:
    rules = RotationRules(schedule_expression="rate(2 days)", duration="4h")
    window = next_window(rules, NOW, None)
    assert (window.opens, window.closes) == (at(4), at(4, 4))


def test_a_cron_opens_at_its_time_until_the_end_of_the_day_or_for_its_duration() -> None:
    daily = next_window(RotationRules(schedule_expression="cron(30 16 * * ? *)"), NOW, None)
    assert (daily.opens, daily.closes) == (at(2, 16, 30), at(2) + END_OF_DAY)
    hourly = RotationRules(schedule_expression="cron(0 4,10,16,22 * * ? *)")
    assert next_window(hourly, NOW, None).closes == at(2, 17)
    sized = RotationRules(schedule_expression="cron(0 9 ? * MON *)", duration="2h")
    window = next_window(sized, NOW, None)  # 2026-03-02 is a Monday, past 09:00
    assert (window.opens, window.closes) == (at(9, 9), at(9, 11))
