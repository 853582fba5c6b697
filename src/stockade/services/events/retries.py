"""A target's retry policy: when a failed delivery is tried again, and when it is given up.

EventBridge user guide (eb-rule-event-delivery, rule-dlq): a delivery that failed for a
retriable reason is retried with exponential back-off and jitter, by default for 24 hours and
up to 185 times; the target's RetryPolicy (MaximumRetryAttempts 0-185,
MaximumEventAgeInSeconds 60-86,400) lowers either, and the first limit reached ends it. A
failure for good (a missing permission, a target that no longer exists) is not retried. What
is given up goes to the target's dead-letter queue, whose message says RETRY_ATTEMPTS and, when
a limit ended the retries, EXHAUSTED_RETRY_CONDITION.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from stockade.domain.events import TargetRetry

DEFAULT_ATTEMPTS = 185
DEFAULT_AGE_S = 86_400
FIRST_DELAY_S = 1.0
MAX_DELAY_S = 900  # the longest delay a queued message can have (SQS DelaySeconds)
ATTEMPTS_EXHAUSTED = "MaximumRetryAttempts"
AGE_EXCEEDED = "MaximumEventAgeInSeconds"


@dataclass(frozen=True)
class RetryLater:
    delay_s: int


@dataclass(frozen=True)
class GiveUp:
    condition: str  # ATTEMPTS_EXHAUSTED or AGE_EXCEEDED


def after_failure(
    policy: TargetRetry | None,
    retries_done: int,
    first_attempt: datetime,
    now: datetime,
    jitter: Callable[[], float],
) -> RetryLater | GiveUp:
    """What to do after a retriable failure, `retries_done` retries after the first attempt.
    The event's age is counted from the first attempt to deliver it (its `time` may be any
    time the caller of PutEvents chose). `jitter` draws from [0, 1): each delay is between
    half and all of the doubled one."""
    attempts = DEFAULT_ATTEMPTS
    age_s = DEFAULT_AGE_S
    if policy is not None:
        if policy.maximum_retry_attempts is not None:
            attempts = policy.maximum_retry_attempts
        if policy.maximum_event_age_s is not None:
            age_s = policy.maximum_event_age_s
    if retries_done >= attempts:
        return GiveUp(ATTEMPTS_EXHAUSTED)
    delay = min(FIRST_DELAY_S * 2.0**retries_done, MAX_DELAY_S) * (0.5 + jitter() / 2)
    if (now - first_attempt).total_seconds() + delay > age_s:
        return GiveUp(AGE_EXCEEDED)  # the retry would come too late
    return RetryLater(min(math.ceil(delay), MAX_DELAY_S))
