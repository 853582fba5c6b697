"""Stand-in: the schedule expression parser's interface, `rate(...)` only plus cron's shape.

The full parser (cron fields, UTC firing times) replaces this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stockade.errors import StockadeError

_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_CRON = re.compile(r"cron\(\S+( \S+){5}\)")
_INVALID = "Parameter ScheduleExpression is not valid."


class ScheduleExpressionError(StockadeError):
    """A schedule EventBridge refuses; `message` is its ValidationException text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Schedule:
    expression: str


def parse_schedule(text: str) -> Schedule:
    rate = _RATE.fullmatch(text)
    if rate is not None:
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1 or (value == 1) != (not unit.endswith("s")):
            raise ScheduleExpressionError(_INVALID)
        return Schedule(text)
    if _CRON.fullmatch(text) is not None:
        return Schedule(text)
    raise ScheduleExpressionError(_INVALID)
