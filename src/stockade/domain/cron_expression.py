"""EventBridge's `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, parsed strictly.

The syntax is AWS's (EventBridge user guide, "Cron expressions reference"): six fields in UTC,
`, - * /` everywhere but day-of-week (`, - * ? L #`), `? L W` in day-of-month, month names
JAN-DEC, weekday names SUN-SAT with SUN=1, years 1970-2199, and exactly one of the two day
fields `?` ("you can't specify the Day-of-month and Day-of-week fields in the same cron
expression"). AWS answers every refusal with the same ValidationException text (recorded
against AWS in LocalStack's tests/aws/services/events/test_events_schedule.snapshot.json).

Beyond the guide, from users' reports of what EventBridge accepts: `LW` (the month's last
weekday), `dL` with a name (`FRIL`), names in any case (`Mon-Fri`), and ranges that wrap
(`FRI-MON`, hours `22-2`), read as Quartz (EventBridge's cron's ancestor) reads them.
Where nothing says, this parser refuses rather than guesses: `L`, `W`, `#` stand alone in their
field; `L-n` and `/` in day-of-week are refused; a step is 1 up to the field's span; years
do not wrap.

Search is by calendar, not by minute: at most one pass over the allowed years (230), their
months and days, so even an expression that never fires again answers in bounded time.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from stockade.domain.errors import ScheduleExpressionError
from stockade.types import ascii_digits

YEAR_MIN, YEAR_MAX = 1970, 2199
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")  # AWS numbers them 1-7
_CRON = re.compile(r"cron\(([^()]*)\)")
_W = re.compile(r"([0-9]{1,2})W")
_NTH = re.compile(r"([0-9A-Za-z]{1,3})#([0-9])")
_LAST_OF = re.compile(r"([0-9A-Za-z]{1,3})L")


@dataclass(frozen=True)
class DaySpec:
    """One of the two day fields: a plain set of days, or one special form."""

    values: frozenset[int] = frozenset()  # day-of-month 1-31, or AWS weekday 1-7
    last: bool = False  # day-of-month `L`
    last_working_day: bool = False  # day-of-month `LW`: the month's last Monday-Friday
    nearest_weekday: int = 0  # day-of-month `nW`
    nth: tuple[int, int] = (0, 0)  # day-of-week `d#n`: weekday, occurrence
    last_weekday: int = 0  # day-of-week `dL`: the month's last such weekday


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    month_days: DaySpec | None  # None: `?`
    months: frozenset[int]
    week_days: DaySpec | None  # None: `?`
    years: frozenset[int]

    def days_of(self, year: int, month: int) -> list[int]:
        """The days of this month the expression fires on, ascending."""
        length = calendar.monthrange(year, month)[1]
        if self.month_days is not None:
            return _month_days(self.month_days, year, month, length)
        if self.week_days is not None:
            return _week_days(self.week_days, year, month, length)
        return []  # parse() never leaves both `?`

    def next_after(self, moment: datetime) -> datetime | None:
        """The first fire time strictly after `moment` (UTC), or None if there is none."""
        floor = _minute(moment)
        if floor.year > YEAR_MAX:  # also keeps the next minute inside datetime's range
            return None
        return self._search(floor + timedelta(minutes=1), forward=True)

    def last_at_or_before(self, moment: datetime) -> datetime | None:
        """The last fire time at or before `moment` (UTC), or None if there is none."""
        return self._search(_minute(moment), forward=False)

    def _search(self, bound: datetime, forward: bool) -> datetime | None:
        # Walk the calendar from `bound` (inclusive) outwards; a unit equal to the bound's keeps
        # the finer units bounded, a unit past it frees them.
        b = (bound.year, bound.month, bound.day, bound.hour, bound.minute)
        for year in _ordered(self.years, b[0], forward, True):
            y_eq = year == b[0]
            for month in _ordered(self.months, b[1], forward, y_eq):
                m_eq = y_eq and month == b[1]
                for day in _ordered(self.days_of(year, month), b[2], forward, m_eq):
                    d_eq = m_eq and day == b[2]
                    for hour in _ordered(self.hours, b[3], forward, d_eq):
                        h_eq = d_eq and hour == b[3]
                        for minute in _ordered(self.minutes, b[4], forward, h_eq):
                            return datetime(year, month, day, hour, minute, tzinfo=UTC)
        return None


def parse(text: str) -> Cron:
    """`cron(...)` into its fields; anything AWS refuses raises ScheduleExpressionError."""
    match = _CRON.fullmatch(text)
    if match is None:
        raise ScheduleExpressionError
    inner = match.group(1)
    fields = inner.split(" ")
    if len(fields) != 6 or not all(fields):
        raise ScheduleExpressionError
    minute_f, hour_f, dom_f, month_f, dow_f, year_f = fields
    if (dom_f == "?") == (dow_f == "?"):  # exactly one of the day fields is `?`
        raise ScheduleExpressionError
    return Cron(
        minutes=_values(minute_f, 0, 59, ()),
        hours=_values(hour_f, 0, 23, ()),
        month_days=None if dom_f == "?" else _month_day_spec(dom_f),
        months=_values(month_f, 1, 12, MONTHS),
        week_days=None if dow_f == "?" else _week_day_spec(dow_f),
        years=_values(year_f, YEAR_MIN, YEAR_MAX, (), wraps=False),
    )


def _month_day_spec(field: str) -> DaySpec:
    if field == "L":
        return DaySpec(last=True)
    if field == "LW":
        return DaySpec(last_working_day=True)
    if (w := _W.fullmatch(field)) is not None:
        return DaySpec(nearest_weekday=_number(w.group(1), 1, 31, ()))
    return DaySpec(values=_values(field, 1, 31, ()))


def _week_day_spec(field: str) -> DaySpec:
    if field == "L":  # the last day of the week: Saturday
        return DaySpec(values=frozenset({7}))
    if (nth := _NTH.fullmatch(field)) is not None:
        return DaySpec(nth=(_number(nth.group(1), 1, 7, WEEKDAYS), _number(nth.group(2), 1, 5, ())))
    if (last := _LAST_OF.fullmatch(field)) is not None:
        return DaySpec(last_weekday=_number(last.group(1), 1, 7, WEEKDAYS))
    if "/" in field:  # not among day-of-week's wildcards in the guide
        raise ScheduleExpressionError
    return DaySpec(values=_values(field, 1, 7, WEEKDAYS))


def _values(
    field: str, low: int, high: int, names: Sequence[str], wraps: bool = True
) -> frozenset[int]:
    """A comma list of `*`, `v`, `a-b`, each optionally `/step`."""
    span = high - low + 1
    chosen: set[int] = set()
    for item in field.split(","):
        base, slash, step_text = item.partition("/")
        if base == "*":
            start, end = low, high
        elif "-" in base:
            first, _, second = base.partition("-")
            start, end = _number(first, low, high, names), _number(second, low, high, names)
            if end < start:  # Quartz's reading: hours 22-2 are 22, 23, 0, 1, 2
                if not wraps:
                    raise ScheduleExpressionError
                end += span
        else:
            start = _number(base, low, high, names)
            end = high if slash else start  # `a/step` runs from a to the field's end
        step = _number(step_text, 1, span, ()) if slash else 1
        chosen.update(low + (v - low) % span for v in range(start, end + 1, step))
    return frozenset(chosen)


def _number(text: str, low: int, high: int, names: Sequence[str]) -> int:
    upper = text.upper()
    if upper in names:
        return names.index(upper) + low
    if not ascii_digits(text) or len(text) > 4:
        raise ScheduleExpressionError
    value = int(text)
    if not low <= value <= high:
        raise ScheduleExpressionError
    return value


def _month_days(spec: DaySpec, year: int, month: int, length: int) -> list[int]:
    if spec.last:
        return [length]
    if spec.last_working_day:  # back from the last day over a weekend (Sat=5, Sun=6)
        return [length - max(0, calendar.weekday(year, month, length) - 4)]
    if spec.nearest_weekday:
        return _nearest_weekday(spec.nearest_weekday, year, month, length)
    return sorted(d for d in spec.values if d <= length)


def _nearest_weekday(day: int, year: int, month: int, length: int) -> list[int]:
    # `nW`: the weekday (Mon-Fri) nearest day n, never leaving the month (Quartz's rule,
    # which EventBridge's cron follows: 1W on a Saturday is Monday the 3rd).
    if day > length:
        return []
    weekday = calendar.weekday(year, month, day)  # Monday=0 ... Sunday=6
    if weekday == 5:
        return [day - 1] if day > 1 else [day + 2]
    if weekday == 6:
        return [day + 1] if day < length else [day - 2]
    return [day]


def _week_days(spec: DaySpec, year: int, month: int, length: int) -> list[int]:
    days = [(d, aws_weekday(year, month, d)) for d in range(1, length + 1)]
    if spec.nth != (0, 0):
        weekday, nth = spec.nth
        matching = [d for d, w in days if w == weekday]
        return [matching[nth - 1]] if nth <= len(matching) else []
    if spec.last_weekday:
        return [max(d for d, w in days if w == spec.last_weekday)]
    return [d for d, w in days if w in spec.values]


def aws_weekday(year: int, month: int, day: int) -> int:
    """AWS's weekday number: SUN=1 ... SAT=7."""
    return (calendar.weekday(year, month, day) + 1) % 7 + 1


def _ordered(values: Iterable[int], bound: int, forward: bool, bounded: bool) -> list[int]:
    if forward:
        return sorted(v for v in values if not bounded or v >= bound)
    return sorted((v for v in values if not bounded or v <= bound), reverse=True)


def _minute(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)
