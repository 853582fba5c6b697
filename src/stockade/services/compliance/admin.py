"""Operator use cases (the `stockade compliance` and `stockade config` commands): enable and
disable rules per account, set the webhook, evaluate on demand, read the history and results.

Evaluating on demand re-evaluates the latest configuration item of each function and secret
(every resource type a rule evaluates) at the clock's instant with the account's rules as they
are now: a rule enabled or re-parameterised, a runtime that became deprecated or a secret whose
rotation became overdue since the last change, shows up as a recorded (and delivered) change."""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

from stockade.clock import Clock
from stockade.crypto import webhook_signature
from stockade.domain.compliance_records import (
    Cause,
    ComplianceChange,
    ComplianceState,
    RuleSetting,
    Webhook,
)
from stockade.domain.compliance_rules import EVALUATED_TYPES, InvalidRuleError, check_parameters
from stockade.domain.configuration_item import RESOURCE_TYPE, ConfigurationItem
from stockade.domain.runtimes import RuntimeCatalog
from stockade.errors import StockadeError
from stockade.services.compliance.evaluation import evaluate_item
from stockade.store.ports import Store, Transaction
from stockade.types import AccountId

EVALUATION = "StockadeComplianceEvaluation"
RULE_ENABLED = "StockadeComplianceRuleEnabled"
RULE_DISABLED = "StockadeComplianceRuleDisabled"
SCHEDULED = "StockadeScheduledEvaluation"


class ComplianceAdminError(StockadeError):
    """An operator's request that cannot be done; the message says why."""


class UnknownAccountError(ComplianceAdminError):
    """The account named is not in this data dir."""


@dataclass(frozen=True)
class ResourceReport:
    resource_type: str
    resource_id: str  # a function's name, a secret's ARN
    configuration_state_id: int
    results: tuple[ComplianceState, ...]


class ComplianceAdmin:
    def __init__(self, store: Store, clock: Clock, catalog: RuntimeCatalog) -> None:
        self._store, self._clock, self._catalog = store, clock, catalog

    def enable(self, account: AccountId, rule: str, parameters: Mapping[str, str]) -> RuleSetting:
        try:
            check_parameters(rule, parameters)
        except InvalidRuleError as exc:
            raise ComplianceAdminError(str(exc)) from exc
        setting = RuleSetting(account, rule, dict(parameters))
        with self._store.write() as tx:
            _account(tx, account)
            tx.compliance.put_rule(setting)
            self._evaluate_all(tx, account, RULE_ENABLED)
        return setting

    def disable(self, account: AccountId, rule: str) -> bool:
        with self._store.write() as tx:
            _account(tx, account)
            removed = tx.compliance.delete_rule(account, rule)
            self._evaluate_all(tx, account, RULE_DISABLED)
        return removed

    def rules(self, account: AccountId) -> list[RuleSetting]:
        with self._store.read() as tx:
            _account(tx, account)
            return tx.compliance.rules(account)

    def set_webhook(self, account: AccountId, url: str | None) -> str | None:
        """Set (or with None, remove) the account's webhook. Returns the new signing secret:
        setting the webhook again replaces it, so that is also how it is rotated."""
        if url is not None:
            parts = urllib.parse.urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ComplianceAdminError("The webhook must be an http:// or https:// URL.")
        with self._store.write() as tx:
            _account(tx, account)
            if url is None:
                tx.compliance.delete_webhook(account)
                return None
            secret = webhook_signature.new_secret()
            tx.compliance.put_webhook(Webhook(account, url, secret))
            return secret

    def webhook_origin(self, account: AccountId) -> str | None:
        """Scheme, host and port of the webhook: enough to recognise it, no path or token."""
        with self._store.read() as tx:
            webhook = tx.compliance.webhook(account)
        if webhook is None:
            return None
        parts = urllib.parse.urlsplit(webhook.url)
        return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")

    def evaluate(self, account: AccountId) -> list[ResourceReport]:
        """Evaluate every function and secret now (changes recorded and queued), then report."""
        with self._store.write() as tx:
            _account(tx, account)
            items = self._evaluate_all(tx, account, EVALUATION)
            return [
                ResourceReport(item.resource_type, item.resource_id, item.state_id,
                               tuple(tx.compliance.states(account, item.resource_id)))
                for item in items
            ]  # fmt: skip

    def evaluate_scheduled(self) -> int:
        """Evaluate every account's functions and secrets, as the server does at start and then
        hourly: what depends on the date (a runtime's deprecation, a secret's rotation falling
        due) changes without any request.
        Returns how many changes of compliance were recorded."""
        with self._store.read() as tx:
            accounts = [account.account_id for account in tx.accounts.all()]
        recorded = 0
        for account in accounts:  # one transaction per account: the write lock is shared
            with self._store.write() as tx:
                now = self._clock.now()
                for item in tx.configuration_items.current(account, EVALUATED_TYPES):
                    cause = Cause(SCHEDULED, None, item.state_id)
                    recorded += len(evaluate_item(tx, item, cause, now, self._catalog))
        return recorded

    def history(
        self, account: AccountId, resource_id: str, resource_type: str = RESOURCE_TYPE
    ) -> list[ConfigurationItem]:
        """A function's items (by name), or a VPC's, subnet's or security group's (by id)."""
        with self._store.read() as tx:
            _account(tx, account)
            return tx.configuration_items.history(account, resource_id, resource_type)

    def changes(self, account: AccountId) -> list[ComplianceChange]:
        with self._store.read() as tx:
            _account(tx, account)
            return tx.compliance.changes(account)

    def _evaluate_all(
        self, tx: Transaction, account: AccountId, event_name: str
    ) -> list[ConfigurationItem]:
        now = self._clock.now()
        items = tx.configuration_items.current(account, EVALUATED_TYPES)
        for item in items:
            evaluate_item(tx, item, Cause(event_name, None, item.state_id), now, self._catalog)
        return items


def _account(tx: Transaction, account: AccountId) -> None:
    if tx.accounts.get(account) is None:
        raise UnknownAccountError(f"No account {account} in this data dir.")
