"""Stand-in: the EventBridge pattern matcher's interface, with exact-value matching only.

The full matcher (prefix, suffix, anything-but, numeric, exists, wildcard, `$or`, ...) replaces
this module; until then a pattern is a JSON object whose leaves are lists of exact values.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stockade.errors import StockadeError


class EventPatternError(StockadeError):
    """A pattern EventBridge refuses; `message` is its InvalidEventPatternException text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class EventPattern:
    document: Mapping[str, Any]

    def matches(self, event: Mapping[str, Any]) -> bool:
        return _matches(self.document, event)


def _matches(pattern: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    for key, wanted in pattern.items():
        if key not in event:
            return False
        value = event[key]
        if isinstance(wanted, dict):
            if not isinstance(value, dict) or not _matches(wanted, value):
                return False
        elif isinstance(value, list):
            if not any(v in wanted for v in value):
                return False
        elif value not in wanted:
            return False
    return True


def parse_pattern(text: str) -> EventPattern:
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise EventPatternError("Event pattern is not valid. Reason: not valid JSON") from exc
    if not isinstance(document, dict):
        raise EventPatternError("Event pattern is not valid. Reason: Filter is not an object")
    _check(document)
    return EventPattern(document)


def _check(node: Mapping[str, Any]) -> None:
    for key, value in node.items():
        if isinstance(value, dict):
            _check(value)
        elif not isinstance(value, list):
            raise EventPatternError(
                f'Event pattern is not valid. Reason: "{key}" must be an object or an array'
            )
