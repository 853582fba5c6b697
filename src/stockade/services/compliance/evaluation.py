"""Evaluate a function's configuration item against its account's rules, inside the caller's
transaction: results are stored, and every change of a result is recorded with its cause and
queued for the account's webhook (delivered later; see webhooks.py)."""

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
from stockade.domain.compliance_rules import RUNTIME_DEPRECATION, evaluate
from stockade.domain.configuration_item import ConfigurationItem, ItemStatus
from stockade.domain.runtimes import RuntimeCatalog
from stockade.store.ports import Transaction


def evaluate_item(
    tx: Transaction,
    item: ConfigurationItem,
    cause: Cause,
    now: datetime,
    catalog: RuntimeCatalog,
) -> list[ComplianceChange]:
    """The changes of result this item brings (also stored); a deleted function's results go."""
    account, name = item.account_id, item.resource_id
    previous = {state.rule: state for state in tx.compliance.states(account, name)}
    if item.status is ItemStatus.DELETED:
        for rule in previous:
            tx.compliance.delete_state(account, name, rule)
        return []
    enabled = [*tx.compliance.rules(account), RuleSetting(account, RUNTIME_DEPRECATION)]
    queued = Delivery.PENDING if tx.compliance.webhook(account) else Delivery.NOT_CONFIGURED
    recorded = []
    for setting in enabled:
        result = evaluate(setting.rule, setting.parameters, item.configuration, now.date(),
                          catalog)  # fmt: skip
        old = previous.pop(setting.rule, None)
        if old is not None and (old.compliance, old.reason) == (result.compliance, result.reason):
            continue
        tx.compliance.put_state(
            ComplianceState(account, name, setting.rule, result.compliance, result.reason, now)
        )
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
        )
        tx.compliance.put_change(change)
        recorded.append(change)
    for rule in previous:  # rules disabled since: no result any more
        tx.compliance.delete_state(account, name, rule)
    return recorded
