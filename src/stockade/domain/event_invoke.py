"""Asynchronous invocation settings of a function or one of its qualifiers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from stockade.domain.errors import InvalidConfigurationError

RETRY_ATTEMPTS_DEFAULT = 2
EVENT_AGE_S_DEFAULT = 21_600
EVENT_AGE_S_MIN = 60


@dataclass(frozen=True)
class EventInvokeConfig:
    qualifier: str  # "$LATEST", a version number or an alias name
    last_modified: datetime
    maximum_retry_attempts: int | None = None  # None: Lambda's default (2)
    maximum_event_age_s: int | None = None  # None: Lambda's default (6 hours)
    on_success: str | None = None  # destination ARN: a queue or a function
    on_failure: str | None = None

    @property
    def retries(self) -> int:
        return (
            RETRY_ATTEMPTS_DEFAULT
            if self.maximum_retry_attempts is None
            else self.maximum_retry_attempts
        )

    @property
    def max_age_s(self) -> int:
        return EVENT_AGE_S_DEFAULT if self.maximum_event_age_s is None else self.maximum_event_age_s


def check_destination(arn: str, account_id: str, region: str) -> None:
    """Destinations Stockade can deliver to: its own queues and functions, same region."""
    parts = arn.split(":", 6)
    if len(parts) < 6 or parts[0] != "arn" or parts[3] != region:
        raise InvalidConfigurationError(f"The destination ARN {arn[:256]} is invalid.")
    service = parts[2]
    if service == "sqs" and len(parts) == 6:
        return
    if service == "lambda" and parts[5] == "function":
        return
    raise InvalidConfigurationError(
        f"The destination ARN {arn[:256]} is not supported by Stockade: use a queue (sqs) or"
        " a function."
    )
