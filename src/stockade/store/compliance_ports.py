"""Persistence ports for configuration history and compliance: part of the same transactional
store as functions, so a committed change always has its configuration item and results."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from stockade.domain.compliance_records import (
    ComplianceChange,
    ComplianceState,
    RuleSetting,
    Webhook,
)
from stockade.domain.configuration_item import RESOURCE_TYPE, ConfigurationItem
from stockade.types import AccountId


class ConfigurationItemRepository(Protocol):
    def latest(
        self, account_id: AccountId, name: str, resource_type: str = RESOURCE_TYPE
    ) -> ConfigurationItem | None: ...
    def history(
        self, account_id: AccountId, name: str, resource_type: str = RESOURCE_TYPE
    ) -> list[ConfigurationItem]:
        """Oldest first (a function's, unless another AWS Config resource type is named)."""
        ...

    def add(self, item: ConfigurationItem) -> None: ...
    def current(
        self, account_id: AccountId, resource_types: Sequence[str] = (RESOURCE_TYPE,)
    ) -> list[ConfigurationItem]:
        """The latest item of each resource of these types (functions unless named) of the
        account that is not deleted, by type and id."""
        ...

    # Stockade's own events follow the items in the order they were added (every account's).
    def added_after(self, position: int, limit: int) -> list[tuple[int, ConfigurationItem]]:
        """Items added after `position`, oldest first, each with its own position."""
        ...

    def last_position(self) -> int:
        """The position of the newest item (0: none)."""
        ...


class ComplianceRepository(Protocol):
    def rules(self, account_id: AccountId) -> list[RuleSetting]: ...
    def put_rule(self, setting: RuleSetting) -> None: ...
    def delete_rule(self, account_id: AccountId, rule: str) -> bool: ...
    def webhook(self, account_id: AccountId) -> Webhook | None: ...
    def put_webhook(self, webhook: Webhook) -> None: ...
    def delete_webhook(self, account_id: AccountId) -> None: ...
    def states(self, account_id: AccountId, function_name: str) -> list[ComplianceState]: ...
    def put_state(self, state: ComplianceState) -> None: ...
    def delete_state(self, account_id: AccountId, function_name: str, rule: str) -> None: ...
    def put_change(self, change: ComplianceChange) -> None:
        """Add the change, or replace it (same change_id) as its delivery moves on."""
        ...

    def changes(self, account_id: AccountId) -> list[ComplianceChange]:
        """Oldest first."""
        ...

    def due_deliveries(self, now: datetime, limit: int) -> list[ComplianceChange]:
        """Pending deliveries of every account whose next attempt is due, oldest first."""
        ...

    # Stockade's own events follow the changes in the order they were recorded.
    def changes_after(self, seq: int, limit: int) -> list[tuple[int, ComplianceChange]]:
        """Every account's changes recorded after `seq`, oldest first, each with its seq."""
        ...

    def last_change_seq(self) -> int:
        """The seq of the newest change (0: none)."""
        ...
