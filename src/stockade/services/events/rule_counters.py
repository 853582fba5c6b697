"""Counters per rule, named after EventBridge's rule metrics (EventBridge user guide,
eb-monitoring, "EventBridge metrics"):

  MatchedEvents                   events that matched the rule's pattern
  TriggeredRules                  times the rule ran: a matched event or a schedule's fire
  Invocations                     targets invoked for an event, successful or failed for good
                                  (a delivery being retried counts once it ends)
  FailedInvocations               invocations that failed for good (refused, or past the
                                  target's retry policy)
  InvocationsSentToDlq            failed invocations moved to the target's dead-letter queue
  InvocationsFailedToBeSentToDlq  failed invocations whose dead-letter queue did not exist or
                                  did not take them
  RetryInvocationAttempts         retries of a delivery that failed for now (retries.py)

DeadLetterInvocations (a target not invoked because it would run the same rule again) is not
kept: Stockade stops such loops at the function (Lambda's recursion guard), not at the rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from stockade.services.keyed_counters import KeyedCounters

RuleKey = tuple[str, str, str]  # (account id, event bus name, rule name)


@dataclass(frozen=True)
class RuleCounters:
    matched_events: int = 0
    triggered_rules: int = 0
    invocations: int = 0
    failed_invocations: int = 0
    invocations_sent_to_dlq: int = 0
    invocations_failed_to_be_sent_to_dlq: int = 0
    retry_invocation_attempts: int = 0


def rule_counters(
    base: dict[RuleKey, RuleCounters] | None = None,
) -> KeyedCounters[RuleKey, RuleCounters]:
    return KeyedCounters(RuleCounters, base)
