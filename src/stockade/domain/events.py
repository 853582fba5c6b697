"""EventBridge's control-plane records: event buses, rules and their targets.

Every account has the `default` bus without creating it; it is stored only once something
(a policy, tags) is set on it. Targets live in their rule's record: they are only ever read,
written and limited (5 per rule) together with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from stockade.types import AccountId

DEFAULT_BUS = "default"
TARGETS_PER_RULE_MAX = 5  # "Targets per rule", EventBridge quotas


class RuleState(Enum):
    ENABLED = "ENABLED"
    DISABLED = "DISABLED"
    ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"


@dataclass(frozen=True)
class EventBus:
    account_id: AccountId
    name: str
    created: datetime | None = None  # None: the default bus, never created by anyone
    last_modified: datetime | None = None
    description: str | None = None
    policy: str | None = None  # the resource policy document, as JSON text
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TargetTransformer:
    paths: Mapping[str, str]
    template: str


@dataclass(frozen=True)
class TargetRetry:
    maximum_retry_attempts: int | None = None
    maximum_event_age_s: int | None = None


@dataclass(frozen=True)
class RuleTarget:
    target_id: str
    arn: str
    role_arn: str | None = None
    input: str | None = None
    input_path: str | None = None
    input_transformer: TargetTransformer | None = None
    retry: TargetRetry | None = None
    dead_letter_arn: str | None = None
    message_group_id: str | None = None  # SqsParameters.MessageGroupId (FIFO queues)


@dataclass(frozen=True)
class Rule:
    account_id: AccountId
    bus: str
    name: str
    state: RuleState = RuleState.ENABLED
    event_pattern: str | None = None
    schedule_expression: str | None = None
    description: str | None = None
    role_arn: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    targets: tuple[RuleTarget, ...] = ()
    created: datetime | None = None
    # A schedule's state (scheduler.py): when it started (the rule's creation, the last change
    # of its expression or its last enabling; None: `created`) and the period it fired last.
    schedule_anchor: datetime | None = None
    schedule_fired: datetime | None = None
