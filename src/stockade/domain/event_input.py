"""Stand-in: the target input checks' interface (InputPath, InputTransformer).

The full implementation (JSONPath subset, template placeholders inside and outside strings)
replaces this module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from stockade.errors import StockadeError

_PLACEHOLDER = re.compile(r"<([^<>\s]+)>")
_PREDEFINED = frozenset({
    "aws.events.rule-arn", "aws.events.rule-name", "aws.events.event.ingestion-time",
    "aws.events.event", "aws.events.event.json",
})  # fmt: skip


class TargetInputError(StockadeError):
    """Input EventBridge refuses; `message` is its ValidationException text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class InputTransformer:
    paths: Mapping[str, str]
    template: str


def check_input_path(path: str) -> None:
    if not path.startswith("$"):
        raise TargetInputError(f"InputPath {path} is not a valid JSONPath.")


def parse_input_transformer(paths: Mapping[str, str], template: str) -> InputTransformer:
    for path in paths.values():
        check_input_path(path)
    for name in _PLACEHOLDER.findall(template):
        if name not in paths and name not in _PREDEFINED:
            raise TargetInputError(f"InputTemplate contains invalid placeholder {name}.")
    return InputTransformer(dict(paths), template)
