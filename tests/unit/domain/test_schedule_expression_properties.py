"""Properties of fire times, checked against a brute-force minute scan over short windows.

The scan uses its own reading of each field (below), written from the EventBridge guide's
definitions, not the module's calendar search.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta

from hypothesis import event, given, settings
from hypothesis import strategies as st

from stockade.domain.schedule_expression import parse_schedule

WINDOW = timedelta(days=3)  # 4,320 minutes per scan: bounded
MINUTE = timedelta(minutes=1)
NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


def _aws_weekday(t: datetime) -> int:  # SUN=1 ... SAT=7, by the guide's table
    return {6: 1, 0: 2, 1: 3, 2: 4, 3: 5, 4: 6, 5: 7}[t.weekday()]


def _in_list(field: str, value: int, low: int, high: int) -> bool:
    span = high - low + 1
    for item in field.split(","):
        base, _, step = item.partition("/")
        if base == "*":
            first, last = low, high
        elif "-" in base:
            first, last = (int(x) for x in base.split("-"))
        else:
            first = int(base)
            last = high if step else first
        # Offsets from `first` going up, round the field's end for a wrapping range (22-2).
        offset, length = (value - first) % span, (last - first) % span
        if offset <= length and offset % int(step or 1) == 0:
            return True
    return False


def _dom_matches(field: str, t: datetime) -> bool:
    length = calendar.monthrange(t.year, t.month)[1]
    if field == "L":
        return t.day == length
    if field == "LW":  # the last Monday-Friday of the month
        return t.weekday() < 5 and all(
            calendar.weekday(t.year, t.month, d) >= 5 for d in range(t.day + 1, length + 1)
        )
    if field.endswith("W"):
        target = int(field[:-1])
        if target > length or t.weekday() >= 5:
            return False
        # The weekday nearest the target day inside the month: scan outwards from it.
        for distance in (0, 1, 2):
            for day in (target - distance, target + distance):
                if 1 <= day <= length and calendar.weekday(t.year, t.month, day) < 5:
                    return t.day == day
        return False
    return _in_list(field, t.day, 1, 31)


def _dow_matches(field: str, t: datetime) -> bool:
    weekday = _aws_weekday(t)
    length = calendar.monthrange(t.year, t.month)[1]
    if field == "L":
        return weekday == 7
    if "#" in field:
        day, nth = field.split("#")
        return weekday == int(day) and (t.day - 1) // 7 + 1 == int(nth)
    if field.endswith("L"):
        return weekday == int(field[:-1]) and t.day + 7 > length
    return _in_list(field, weekday, 1, 7)


def matches(fields: list[str], t: datetime) -> bool:
    minute, hour, dom, month, dow, year = fields
    return (
        _in_list(minute, t.minute, 0, 59)
        and _in_list(hour, t.hour, 0, 23)
        and _in_list(month, t.month, 1, 12)
        and _in_list(year, t.year, 1970, 2199)
        and (dom == "?" or _dom_matches(dom, t))
        and (dow == "?" or _dow_matches(dow, t))
    )


def _list_of(low: int, high: int, steps: bool = True) -> st.SearchStrategy[str]:
    value = st.integers(low, high)
    step = st.integers(1, high - low + 1)
    item = st.one_of(
        st.just("*"),
        value.map(str),
        st.tuples(value, value).map(lambda ab: f"{ab[0]}-{ab[1]}"),  # may wrap (22-2)
        *(
            [
                st.tuples(value, step).map(lambda vs: f"{vs[0]}/{vs[1]}"),
                st.tuples(value, value, step).map(lambda r: f"{r[0]}-{r[1]}/{r[2]}"),
                step.map(lambda n: f"*/{n}"),
            ]
            if steps
            else []
        ),
    )
    return st.lists(item, min_size=1, max_size=3).map(",".join)


_dom_field = st.one_of(
    _list_of(1, 31), st.sampled_from(["L", "LW"]), st.integers(1, 31).map(lambda d: f"{d}W")
)
_dow_field = st.one_of(
    _list_of(1, 7, steps=False),  # `/` is not among day-of-week's wildcards
    st.just("L"),
    st.tuples(st.integers(1, 7), st.integers(1, 5)).map(lambda dn: f"{dn[0]}#{dn[1]}"),
    st.integers(1, 7).map(lambda d: f"{d}L"),
)
_day_fields = st.one_of(st.tuples(_dom_field, st.just("?")), st.tuples(st.just("?"), _dow_field))
cron_fields = st.builds(
    lambda minute, hour, days, month, year: [minute, hour, days[0], month, days[1], year],
    _list_of(0, 59),
    st.one_of(st.just("*"), _list_of(0, 23)),
    _day_fields,
    st.one_of(st.just("*"), st.just("*"), _list_of(1, 12)),  # mostly `*`: more fires to check
    st.one_of(st.just("*"), st.just("*"), st.just("*"), st.integers(2020, 2035).map(str)),
)
moments = st.datetimes(
    min_value=datetime(2021, 1, 1),  # naive bounds; `timezones` makes them UTC
    max_value=datetime(2034, 12, 1),
    timezones=st.just(UTC),
)


def _floor(t: datetime) -> datetime:
    return t.replace(second=0, microsecond=0)


@settings(max_examples=300, deadline=None)
@given(cron_fields, moments, st.integers(-3000, 3000))
def test_cron_next_fire_is_the_first_matching_minute_after(
    fields: list[str], after: datetime, created_offset: int
) -> None:
    schedule = parse_schedule(f"cron({' '.join(fields)})")
    created = after + timedelta(minutes=created_offset, seconds=7)
    fire = schedule.next_fire(after, created)
    # Brute force: every minute after `after` (and from `created` on) in the window.
    candidate = _floor(after) + MINUTE
    expected = None
    while candidate <= after + WINDOW:
        if candidate >= created and matches(fields, candidate):
            expected = candidate
            break
        candidate += MINUTE
    event("fires within the window" if expected is not None else "no fire within the window")
    if expected is not None:
        assert fire == expected
    else:
        assert fire is None or fire > after + WINDOW
    if fire is not None:
        assert fire > after
        assert fire >= created
        assert matches(fields, fire)


@settings(max_examples=300, deadline=None)
@given(cron_fields, moments)
def test_cron_period_of_is_the_last_matching_minute_at_or_before(
    fields: list[str], moment: datetime
) -> None:
    schedule = parse_schedule(f"cron({' '.join(fields)})")
    created = moment - WINDOW
    period = schedule.period_of(moment, created)
    candidate = _floor(moment)
    expected = None
    while candidate >= created:
        if matches(fields, candidate):
            expected = candidate
            break
        candidate -= MINUTE
    event("a period within the window" if expected is not None else "no period in the window")
    assert period == expected
    if period is not None:  # no fire lies between the period's start and the moment
        following = schedule.next_fire(period, created)
        assert following is None or following > moment


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["minute", "hour", "day"]),
    st.integers(1, 400),
    moments,
    st.integers(-5000, 5000),
)
def test_rate_fires_are_whole_periods_after_the_creation_minute(
    unit: str, value: int, created: datetime, after_offset: int
) -> None:
    schedule = parse_schedule(f"rate({value} {unit}{'s' if value > 1 else ''})")
    period = value * {"minute": MINUTE, "hour": 60 * MINUTE, "day": 1440 * MINUTE}[unit]
    after = created + timedelta(minutes=after_offset, seconds=13)
    fire = schedule.next_fire(after, created)
    assert fire is not None
    anchor = _floor(created)
    assert fire > after
    assert fire > anchor
    assert (fire - anchor) % period == timedelta(0)  # a fire time
    assert fire - period <= max(after, anchor)  # nothing between `after` and it
    start = schedule.period_of(after, created)
    if after < anchor + period:
        assert start is None
    else:
        assert start == fire - period


def test_the_independent_matcher_agrees_on_known_dates() -> None:
    # The scan's own reading, pinned on dates checked by hand.
    assert matches(["0", "0", "?", "*", "6L", "*"], datetime(2026, 12, 25, tzinfo=UTC))
    assert not matches(["0", "0", "?", "*", "6L", "*"], datetime(2026, 12, 18, tzinfo=UTC))
    assert matches(["0", "0", "1W", "*", "?", "*"], datetime(2026, 8, 3, tzinfo=UTC))
    assert matches(["0", "0", "?", "*", "2#1", "*"], datetime(2027, 1, 4, tzinfo=UTC))
    assert NAMES[_aws_weekday(datetime(2026, 12, 7, tzinfo=UTC)) - 1] == "MON"
