"""The SQLite adapter of the configuration-history and compliance ports (migrations 5 and 9)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from stockade.domain.compliance_records import (
    ComplianceChange,
    ComplianceState,
    Delivery,
    RuleSetting,
    Webhook,
)
from stockade.domain.configuration_item import RESOURCE_TYPE, ConfigurationItem, ItemStatus
from stockade.store.sqlite_docs import Docs
from stockade.types import AccountId


class ConfigurationItems(Docs):
    def latest(
        self, account_id: AccountId, name: str, resource_type: str = RESOURCE_TYPE
    ) -> ConfigurationItem | None:
        return self.one(
            ConfigurationItem,
            "SELECT doc FROM configuration_items WHERE account_id=? AND resource_type=?"
            " AND resource_id=? ORDER BY state_id DESC LIMIT 1",
            account_id,
            resource_type,
            name,
        )

    def history(
        self, account_id: AccountId, name: str, resource_type: str = RESOURCE_TYPE
    ) -> list[ConfigurationItem]:
        return self.many(
            ConfigurationItem,
            "SELECT doc FROM configuration_items WHERE account_id=? AND resource_type=?"
            " AND resource_id=? ORDER BY state_id",
            account_id,
            resource_type,
            name,
        )

    def add(self, item: ConfigurationItem) -> None:
        self.conn.execute(
            "INSERT INTO configuration_items VALUES (?, ?, ?, ?, ?, ?)",
            (item.account_id, item.resource_type, item.resource_id, item.state_id,
             item.status.value, self.codec.dumps(item)),
        )  # fmt: skip

    def current(
        self, account_id: AccountId, resource_types: Sequence[str] = (RESOURCE_TYPE,)
    ) -> list[ConfigurationItem]:
        marks = ", ".join("?" for _ in resource_types) or "NULL"
        return self.many(
            ConfigurationItem,
            "SELECT i.doc FROM configuration_items i WHERE i.account_id=? AND i.status!=?"  # noqa: S608 - placeholders only
            f" AND i.resource_type IN ({marks}) AND i.state_id=(SELECT max(state_id)"
            " FROM configuration_items j WHERE j.account_id=i.account_id"
            " AND j.resource_type=i.resource_type AND j.resource_id=i.resource_id)"
            " ORDER BY i.resource_type, i.resource_id",
            account_id,
            ItemStatus.DELETED.value,
            *resource_types,
        )

    def added_after(self, position: int, limit: int) -> list[tuple[int, ConfigurationItem]]:
        # Items are only ever added (one writer at a time), so rowids grow in commit order.
        rows = self.conn.execute(
            "SELECT rowid, doc FROM configuration_items WHERE rowid>? ORDER BY rowid LIMIT ?",
            (position, limit),
        )
        return [(row[0], self.codec.loads(ConfigurationItem, row[1])) for row in rows]

    def last_position(self) -> int:
        row = self.conn.execute("SELECT max(rowid) FROM configuration_items").fetchone()
        return int(row[0] or 0)


class Compliance(Docs):
    def rules(self, account_id: AccountId) -> list[RuleSetting]:
        return self.many(
            RuleSetting,
            "SELECT doc FROM compliance_rules WHERE account_id=? ORDER BY rule",
            account_id,
        )

    def put_rule(self, setting: RuleSetting) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO compliance_rules VALUES (?, ?, ?)",
            (setting.account_id, setting.rule, self.codec.dumps(setting)),
        )

    def delete_rule(self, account_id: AccountId, rule: str) -> bool:
        cursor = self.conn.execute(
            "DELETE FROM compliance_rules WHERE account_id=? AND rule=?", (account_id, rule)
        )
        return bool(cursor.rowcount)

    def webhook(self, account_id: AccountId) -> Webhook | None:
        return self.one(
            Webhook, "SELECT doc FROM compliance_webhooks WHERE account_id=?", account_id
        )

    def put_webhook(self, webhook: Webhook) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO compliance_webhooks VALUES (?, ?)",
            (webhook.account_id, self.codec.dumps(webhook)),
        )

    def delete_webhook(self, account_id: AccountId) -> None:
        self.conn.execute("DELETE FROM compliance_webhooks WHERE account_id=?", (account_id,))

    def states(self, account_id: AccountId, function_name: str) -> list[ComplianceState]:
        return self.many(
            ComplianceState,
            "SELECT doc FROM compliance_states WHERE account_id=? AND function_name=?"
            " ORDER BY rule",
            account_id,
            function_name,
        )

    def put_state(self, state: ComplianceState) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO compliance_states VALUES (?, ?, ?, ?)",
            (state.account_id, state.function_name, state.rule, self.codec.dumps(state)),
        )

    def delete_state(self, account_id: AccountId, function_name: str, rule: str) -> None:
        self.conn.execute(
            "DELETE FROM compliance_states WHERE account_id=? AND function_name=? AND rule=?",
            (account_id, function_name, rule),
        )

    def put_change(self, change: ComplianceChange) -> None:
        due = change.next_attempt_at or change.recorded_at
        self.conn.execute(
            "INSERT INTO compliance_changes (change_id, account_id, delivery, due, doc)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (change_id) DO UPDATE SET"
            " delivery=excluded.delivery, due=excluded.due, doc=excluded.doc",
            (change.change_id, change.account_id, change.delivery.value, _instant(due),
             self.codec.dumps(change)),
        )  # fmt: skip

    def changes(self, account_id: AccountId) -> list[ComplianceChange]:
        return self.many(
            ComplianceChange,
            "SELECT doc FROM compliance_changes WHERE account_id=? ORDER BY seq",
            account_id,
        )

    def due_deliveries(self, now: datetime, limit: int) -> list[ComplianceChange]:
        return self.many(
            ComplianceChange,
            "SELECT doc FROM compliance_changes WHERE delivery=? AND due<=? ORDER BY seq LIMIT ?",
            Delivery.PENDING.value,
            _instant(now),
            limit,
        )

    def changes_after(self, seq: int, limit: int) -> list[tuple[int, ComplianceChange]]:
        rows = self.conn.execute(
            "SELECT seq, doc FROM compliance_changes WHERE seq>? ORDER BY seq LIMIT ?",
            (seq, limit),
        )
        return [(row[0], self.codec.loads(ComplianceChange, row[1])) for row in rows]

    def last_change_seq(self) -> int:
        row = self.conn.execute("SELECT max(seq) FROM compliance_changes").fetchone()
        return int(row[0] or 0)


def _instant(moment: datetime) -> str:
    """Fixed-width UTC text, so that `due<=?` compares instants."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
