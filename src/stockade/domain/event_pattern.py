"""(interim: replaced by the full matcher) EventBridge event patterns: exact values only."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stockade.errors import StockadeError


class EventPatternError(StockadeError):
    pass


@dataclass(frozen=True)
class EventPattern:
    tree: Mapping[str, Any]

    def matches(self, event: Mapping[str, Any]) -> bool:
        return _matches(self.tree, event)


def _matches(tree: Mapping[str, Any], event: Any) -> bool:
    if not isinstance(event, Mapping):
        return False
    for key, want in tree.items():
        value = event.get(key)
        if isinstance(want, Mapping):
            if not _matches(want, value):
                return False
        elif value not in want and not (isinstance(value, list) and set(value) & set(want)):
            return False
    return True


def parse_pattern(text: str) -> EventPattern:
    try:
        tree = json.loads(text)
    except ValueError:
        raise EventPatternError("Event pattern is not valid JSON") from None
    if not isinstance(tree, dict) or not _leaves_are_lists(tree):
        raise EventPatternError("Event pattern is not valid")
    return EventPattern(tree)


def _leaves_are_lists(tree: Mapping[str, Any]) -> bool:
    return all(
        _leaves_are_lists(v) if isinstance(v, dict) else isinstance(v, list) for v in tree.values()
    )
