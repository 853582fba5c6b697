"""Errors of the pure domain; no wire identity here (services translate them).

DomainError
├── InvalidArnError          text is not an ARN of the expected kind
├── InvalidConfigurationError  a function configuration breaks one of Lambda's rules
├── SignedPackageError       a signature manifest inside a package is malformed
├── ArchiveError             a deployment package is unacceptable (see domain/archive.py)
│   ├── CorruptArchiveError   not a readable zip
│   ├── HostileArchiveError   paths, links, duplicates or overlaps that could escape or bomb
│   └── ArchiveTooLargeError  over a size, ratio or entry-count limit
└── ScheduleExpressionError  a ScheduleExpression EventBridge refuses (schedule_expression.py)
"""

from __future__ import annotations

from stockade.errors import StockadeError


class DomainError(StockadeError):
    """Root of the domain's errors."""


class InvalidArnError(DomainError):
    """Text is not an ARN of the expected kind."""


class InvalidConfigurationError(DomainError):
    """A function configuration breaks one of Lambda's rules; the message is caller-safe."""


class SignedPackageError(DomainError):
    """A package's signature manifest is unreadable or malformed (see domain/signed_package.py)."""


class ArchiveError(DomainError):
    """A deployment package (zip) is corrupt, hostile or over a limit.

    The message is safe to return to the caller: it names entries and limits, never content.
    """


class CorruptArchiveError(ArchiveError):
    """Not a readable zip archive."""


class HostileArchiveError(ArchiveError):
    """An entry could escape the extraction root, alias another, or bomb the extractor."""


class ArchiveTooLargeError(ArchiveError):
    """Over the unzipped-size or entry-count limit."""


# --- schedule expressions (EventBridge rules) ---
class ScheduleExpressionError(DomainError):
    """A rule's `ScheduleExpression` that EventBridge refuses; `message` is AWS's
    ValidationException text, the same for every refusal (it names no part of the expression)."""

    MESSAGE = "Parameter ScheduleExpression is not valid."

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)
        self.message = self.MESSAGE
