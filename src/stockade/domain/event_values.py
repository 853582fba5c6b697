"""JSON values as event patterns compare them: numbers as doubles (refused when their text
loses digits, as event-ruler's ComparableNumber refuses them), never equal across types."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

from stockade.errors import StockadeError


class Number(float):
    """A number read from a pattern, keeping its text for AWS's messages and checks."""

    text: str

    def __new__(cls, text: str) -> Number:
        number = super().__new__(cls, text)
        number.text = text
        return number


class MatcherError(StockadeError):
    """One matcher is refused; event_pattern turns `reason` into AWS's full message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def same_value(expected: Any, actual: Any) -> bool:
    """JSON equality as EventBridge sees it: numbers by value, never across types."""
    if is_number(expected):
        return is_number(actual) and bool(expected == actual)  # int and float compare exactly
    if expected is None or isinstance(expected, bool):
        return actual is expected
    return isinstance(actual, str) and actual == expected


def comparable(number: Any) -> float:
    """The number as EventBridge compares it: a double, refused if the text loses digits."""
    value = float(number)
    text = getattr(number, "text", None) or str(number)
    if Decimal(repr(value)) != Decimal(text):
        raise MatcherError(f"Cannot compare number : {text}")
    return value


def token_text(value: Any) -> str:
    """How the JSON reader shows a token in a message."""
    if isinstance(value, dict):
        return "{"
    if isinstance(value, list):
        return "["
    return value if isinstance(value, str) else getattr(value, "text", None) or json.dumps(value)
