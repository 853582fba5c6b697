"""AWS's JSONPath subset for target input (eb-transform-target-input): `$`, dot notation,
array indices `[n]` and wildcards (`.*`, `[*]`); at most 256 characters (botocore's
TargetInputPath). A path with a wildcard selects a list, as JSONPath's indefinite paths do."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from stockade.errors import StockadeError

MAX_PATH = 256
_STEP = re.compile(r"\.(\*|[^.\[\]]+)|\[(\*|\d+)\]")


class TargetInputError(StockadeError):
    """A target's input path or transformer is refused, or its output is not deliverable."""

    def __init__(self, message: str, placeholder: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.placeholder = placeholder


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()
WILDCARD: Final = "*"


@dataclass(frozen=True)
class JsonPath:
    steps: tuple[str | int, ...]

    @property
    def definite(self) -> bool:
        return WILDCARD not in self.steps

    def select(self, document: Any) -> Any:
        """The value selected, MISSING when none; a list for a path with wildcards."""
        found = [document]
        for step in self.steps:
            found = [child for node in found for child in _children(node, step)]
        if self.definite:
            return found[0] if found else MISSING
        return found if found else MISSING


def _children(node: Any, step: str | int) -> list[Any]:
    if step == WILDCARD:
        if isinstance(node, Mapping):
            return list(node.values())
        return list(node) if isinstance(node, list) else []
    if isinstance(step, int):
        return [node[step]] if isinstance(node, list) and step < len(node) else []
    return [node[step]] if isinstance(node, Mapping) and step in node else []


def parse_path(text: str) -> JsonPath:
    if not isinstance(text, str) or not text.startswith("$") or len(text) > MAX_PATH:
        raise TargetInputError(f"{text!r} is not a valid JSON path")
    steps: list[str | int] = []
    pos = 1
    while pos < len(text):
        match = _STEP.match(text, pos)
        if match is None:
            raise TargetInputError(f"{text!r} is not a valid JSON path")
        name, index = match.groups()
        if name is not None:
            steps.append(name)
        else:
            steps.append(WILDCARD if index == WILDCARD else int(index))
        pos = match.end()
    return JsonPath(tuple(steps))
