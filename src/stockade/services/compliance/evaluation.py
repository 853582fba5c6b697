"""Evaluate a configuration item (a function's, a secret's: any type a rule names) against its
account's rules for that resource type, inside the caller's transaction: results are stored,
and every change of a result is recorded with its cause and queued for the account's webhook
(delivered later; see webhooks.py)."""

from __future__ import annotations

import uuid
from datetime import datetime

from stockade.domain.compliance_records import (
    Cause,
    ComplianceChange,
    ComplianceState,
    Delivery,
    RuleSetting,
)
from stockade.domain.compliance_rules import ALWAYS, RESOURCE_TYPES, evaluate
from stockade.domain.configuration_item import ConfigurationItem, ItemStatus
from stockade.domain.runtimes import RuntimeCatalog
from stockade.store.ports import Transaction


def evaluate_item(
    tx: Transaction,
    item: ConfigurationItem,
    cause: Cause,
    now: datetime,
    catalog: RuntimeCatalog | None = None,
) -> list[ComplianceChange]:
    """The changes of result this item brings (also stored); a deleted resource's results go.
    `catalog`: the runtime schedule, needed for functions' items only."""
    account, name, kind = item.account_id, item.resource_id, item.resource_type
    previous = {state.rule: state for state in tx.compliance.states(account, name)}
    if item.status is ItemStatus.DELETED:
        for rule in previous:
            tx.compliance.delete_state(account, name, rule)
        return []
    enabled = [
        *(s for s in tx.compliance.rules(account) if RESOURCE_TYPES.get(s.rule) == kind),
        *(RuleSetting(account, rule) for rule in ALWAYS.get(kind, ())),
    ]
    queued = Delivery.PENDING if tx.compliance.webhook(account) else Delivery.NOT_CONFIGURED
    recorded = []
    for setting in enabled:
        result = evaluate(setting.rule, setting.parameters, item.configuration, now, catalog)
        old = previous.pop(setting.rule, None)
        if old is not None and (old.compliance, old.reason) == (result.compliance, result.reason):
            continue
        state = ComplianceState(
            account, name, setting.rule, result.compliance, result.reason, now, kind
        )
        tx.compliance.put_state(state)
        if old is not None and old.compliance is result.compliance:
            continue  # the same result for another reason is not a change of compliance
        change = ComplianceChange(
            change_id=str(uuid.uuid4()),
            account_id=account,
            region=item.region,
            function_name=name,
            rule=setting.rule,
            before=old.compliance if old is not None else None,
            after=result.compliance,
            reason=result.reason,
            recorded_at=now,
            cause=cause,
            delivery=queued,
            next_attempt_at=now if queued is Delivery.PENDING else None,
            resource_type=kind,
        )
        tx.compliance.put_change(change)
        recorded.append(change)
    for rule in previous:  # rules disabled since: no result any more
        tx.compliance.delete_state(account, name, rule)
    return recorded
