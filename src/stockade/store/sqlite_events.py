"""The SQLite adapter of the EventBridge port (tables of migration 12)."""

from __future__ import annotations

from stockade.domain.events import EventBus, Rule
from stockade.store.sqlite_docs import Docs
from stockade.types import AccountId


def _like(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class EventRows(Docs):
    def get_bus(self, account_id: AccountId, name: str) -> EventBus | None:
        return self.one(
            EventBus,
            "SELECT doc FROM events_buses WHERE account_id=? AND name=?",
            account_id,
            name,
        )

    def buses(self, account_id: AccountId, prefix: str, after: str, limit: int) -> list[EventBus]:
        return self.many(
            EventBus,
            "SELECT doc FROM events_buses WHERE account_id=? AND name LIKE ? ESCAPE '\\'"
            " AND name > ? ORDER BY name LIMIT ?",
            account_id,
            _like(prefix),
            after,
            limit,
        )

    def put_bus(self, bus: EventBus) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO events_buses VALUES (?, ?, ?)",
            (bus.account_id, bus.name, self.codec.dumps(bus)),
        )

    def delete_bus(self, account_id: AccountId, name: str) -> None:
        self.conn.execute(
            "DELETE FROM events_rules WHERE account_id=? AND bus=?", (account_id, name)
        )
        self.conn.execute(
            "DELETE FROM events_buses WHERE account_id=? AND name=?", (account_id, name)
        )

    def get_rule(self, account_id: AccountId, bus: str, name: str) -> Rule | None:
        return self.one(
            Rule,
            "SELECT doc FROM events_rules WHERE account_id=? AND bus=? AND name=?",
            account_id,
            bus,
            name,
        )

    def rules(
        self, account_id: AccountId, bus: str, prefix: str, after: str, limit: int
    ) -> list[Rule]:
        return self.many(
            Rule,
            "SELECT doc FROM events_rules WHERE account_id=? AND bus=?"
            " AND name LIKE ? ESCAPE '\\' AND name > ? ORDER BY name LIMIT ?",
            account_id,
            bus,
            _like(prefix),
            after,
            limit,
        )

    def put_rule(self, rule: Rule) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO events_rules VALUES (?, ?, ?, ?)",
            (rule.account_id, rule.bus, rule.name, self.codec.dumps(rule)),
        )

    def delete_rule(self, account_id: AccountId, bus: str, name: str) -> None:
        self.conn.execute(
            "DELETE FROM events_rules WHERE account_id=? AND bus=? AND name=?",
            (account_id, bus, name),
        )

    def rules_of_every_account(self, bus: str, after: tuple[str, str], limit: int) -> list[Rule]:
        return self.many(
            Rule,
            "SELECT doc FROM events_rules WHERE bus=? AND (account_id, name) > (?, ?)"
            " ORDER BY account_id, name LIMIT ?",
            bus,
            after[0],
            after[1],
            limit,
        )
