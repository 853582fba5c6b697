"""Errors of the pure domain; no wire identity here (services translate them).

    DomainError
    ├── InvalidArnError          text is not an ARN of the expected kind
    └── ArchiveError             a deployment package is unacceptable (see domain/archive.py)
"""

from __future__ import annotations

from stockade.errors import StockadeError


class DomainError(StockadeError):
    """Root of the domain's errors."""


class InvalidArnError(DomainError):
    """Text is not an ARN of the expected kind."""


class ArchiveError(DomainError):
    """A deployment package (zip) is corrupt, hostile or over a limit.

    The message is safe to return to the caller: it names entries and limits, never content.
    """
