"""A request's breaches of its model's constraints, as AWS words them.

The kernel finds them (kernel/validation.py); a service decides which error answers them (most
answer all with their ValidationException; Lambda answers an unknown runtime otherwise).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Violation:
    """One broken constraint: where (`path`, in AWS's spelling), what (`constraint`), and the
    value as AWS echoes it (`shown`: quoted, or `null`; empty for a sensitive value, which AWS
    does not echo: "Value at 'plaintext' failed ...")."""

    path: str
    shown: str
    constraint: str
    enum: bool = False  # the constraint is an enum value set

    @property
    def text(self) -> str:
        value = f"Value {self.shown}" if self.shown else "Value"
        return f"{value} at '{self.path}' failed to satisfy constraint: {self.constraint}"


def summarize(errors: Sequence[str]) -> str:
    """`1 validation error detected: ...`, `2 validation errors detected: ...; ...`"""
    noun = "error" if len(errors) == 1 else "errors"
    return f"{len(errors)} validation {noun} detected: " + "; ".join(errors)
