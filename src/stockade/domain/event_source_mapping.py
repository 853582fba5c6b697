"""An event source mapping: a queue whose messages a function is invoked with, in batches.

Its state follows Lambda's lifecycle (API reference, EventSourceMappingConfiguration.State):
Create answers `Creating`, Update `Updating`, Delete `Deleting`; the pollers' supervisor then
settles each transitional state (the table below) once it has started or stopped polling, so
what Get answers says what is really happening.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from stockade.types import AccountId

BATCH_SIZE_DEFAULT = 10  # SQS (API reference: BatchSize)
BATCH_SIZE_MAX = 10_000
BATCH_SIZE_WITHOUT_WINDOW_MAX = 10  # beyond it, MaximumBatchingWindowInSeconds must be >= 1
WINDOW_S_MAX = 300
FILTERS_MAX = 5  # Lambda quotas: filters per event source mapping
MAX_CONCURRENCY_MIN, MAX_CONCURRENCY_MAX = 2, 1000  # ScalingConfig.MaximumConcurrency
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"
USER_INITIATED = "USER_INITIATED"


class MappingState(StrEnum):
    CREATING = "Creating"
    ENABLING = "Enabling"
    ENABLED = "Enabled"
    DISABLING = "Disabling"
    DISABLED = "Disabled"
    UPDATING = "Updating"
    DELETING = "Deleting"


# The transitional states, each settled by the supervisor into Enabled or Disabled (as the
# mapping's `enabled` asks), or, for Deleting, into the mapping's removal.
TRANSITIONAL = frozenset(
    {MappingState.CREATING, MappingState.UPDATING, MappingState.ENABLING,
     MappingState.DISABLING, MappingState.DELETING}
)  # fmt: skip


@dataclass(frozen=True)
class EventSourceMapping:
    uuid: str
    account_id: AccountId
    function_arn: str  # as resolved from FunctionName (qualified when it named a qualifier)
    event_source_arn: str  # arn:aws:sqs:<region>:<account>:<queue>
    state: MappingState
    last_modified: datetime
    enabled: bool = True  # what the user asked for; `state` is where it is
    batch_size: int = BATCH_SIZE_DEFAULT
    window_s: int = 0
    filters: tuple[str, ...] = ()  # FilterCriteria patterns, as given
    response_types: tuple[str, ...] = ()
    max_concurrency: int | None = None
    state_reason: str = USER_INITIATED
    last_result: str | None = None  # LastProcessingResult
    tags: tuple[tuple[str, str], ...] = field(default=())
    # KMSKeyArn: with it, `filters` is empty and the patterns are only in `sealed_filters`
    # (base64 ciphertext under that key; None when there are no filters).
    kms_key_arn: str | None = None
    sealed_filters: str | None = None
    metrics: tuple[str, ...] | None = None  # MetricsConfig.Metrics, as given (None: not given)

    @property
    def queue_account(self) -> str:
        return self.event_source_arn.split(":")[4]

    @property
    def queue_name(self) -> str:
        return self.event_source_arn.split(":", 5)[5]

    @property
    def polls(self) -> bool:
        """Whether its queue is polled for it (it is, or is becoming, enabled)."""
        return self.state is not MappingState.DELETING and self.enabled

    def settled(self) -> EventSourceMapping | None:
        """The mapping once its transitional state is acted on (None: it is gone)."""
        if self.state is MappingState.DELETING:
            return None
        if self.state not in TRANSITIONAL:
            return self
        target = MappingState.ENABLED if self.enabled else MappingState.DISABLED
        return replace(self, state=target)


def mapping_arn(region: str, account_id: str, uuid: str) -> str:
    return f"arn:aws:lambda:{region}:{account_id}:event-source-mapping:{uuid}"
