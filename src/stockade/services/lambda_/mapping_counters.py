"""Counters per event source mapping, named after Lambda's event source mapping metrics
(Lambda developer guide, monitoring-metrics-types, "Event source mapping metrics"):

  PolledEventCount        events read successfully from the queue
  FilteredOutEventCount   events the mapping's FilterCriteria filtered out (deleted, as Lambda
                          does)
  InvokedEventCount       events the function was invoked with, throttled attempts included
                          (as Lambda's: an event that fails or is throttled counts again each
                          time it is retried)
  FailedInvokeEventCount  events Lambda tried to invoke the function with that failed: a
                          function error, a throttle, a deleted function, or an item a
                          ReportBatchItemFailures answer named (or a malformed answer's whole
                          batch)
  DeletedEventCount       events deleted from the queue after the function processed them

DroppedEventCount and OnFailureDestinationDeliveredEventCount are not kept: they count records
past MaximumRecordAgeInSeconds / MaximumRetryAttempts and on-failure destinations, settings of
stream sources, not of queues (a queue's redrive policy moves what keeps failing). Stockade
keeps these counters whatever the mapping's MetricsConfig says.
"""

from __future__ import annotations

from dataclasses import dataclass

from stockade.services.keyed_counters import KeyedCounters

MappingKey = tuple[str]  # (mapping UUID,)


@dataclass(frozen=True)
class MappingCounters:
    polled_event_count: int = 0
    filtered_out_event_count: int = 0
    invoked_event_count: int = 0
    failed_invoke_event_count: int = 0
    deleted_event_count: int = 0


def mapping_counters(
    base: dict[MappingKey, MappingCounters] | None = None,
) -> KeyedCounters[MappingKey, MappingCounters]:
    return KeyedCounters(MappingCounters, base)
