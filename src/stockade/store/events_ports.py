"""Persistence port of the EventBridge control plane: buses and rules (with their targets).
Part of the same transactional store as functions."""

from __future__ import annotations

from typing import Protocol

from stockade.domain.events import EventBus, Rule
from stockade.types import AccountId


class EventsRepository(Protocol):
    def get_bus(self, account_id: AccountId, name: str) -> EventBus | None: ...
    def buses(self, account_id: AccountId, prefix: str, after: str, limit: int) -> list[EventBus]:
        """Stored buses named `prefix...` after `after`, by name, at most `limit`."""
        ...

    def put_bus(self, bus: EventBus) -> None: ...
    def delete_bus(self, account_id: AccountId, name: str) -> None:
        """The bus and every rule on it."""
        ...

    def get_rule(self, account_id: AccountId, bus: str, name: str) -> Rule | None: ...
    def rules(
        self, account_id: AccountId, bus: str, prefix: str, after: str, limit: int
    ) -> list[Rule]:
        """The bus's rules named `prefix...` after `after`, by name, at most `limit`."""
        ...

    def put_rule(self, rule: Rule) -> None: ...
    def delete_rule(self, account_id: AccountId, bus: str, name: str) -> None: ...
    def rules_of_every_account(self, bus: str, after: tuple[str, str], limit: int) -> list[Rule]:
        """Every account's rules on `bus` after (account, name), in that order, at most
        `limit` (the scheduler's walk)."""
        ...
