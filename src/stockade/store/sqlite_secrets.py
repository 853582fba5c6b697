"""The SQLite adapter of the Secrets Manager port (the table of the secrets migration)."""

from __future__ import annotations

from stockade.domain.secrets import Secret
from stockade.store.sqlite_docs import Docs
from stockade.types import AccountId


def _like(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class SecretRows(Docs):
    def get(self, account_id: AccountId, name: str) -> Secret | None:
        return self.one(
            Secret, "SELECT doc FROM secrets WHERE account_id=? AND name=?", account_id, name
        )

    def by_arn(self, arn: str) -> Secret | None:
        return self.one(Secret, "SELECT doc FROM secrets WHERE arn=?", arn)

    def by_arn_prefix(self, account_id: AccountId, prefix: str) -> list[Secret]:
        return self.many(
            Secret,
            "SELECT doc FROM secrets WHERE account_id=? AND arn LIKE ? ESCAPE '\\' ORDER BY arn",
            account_id,
            _like(prefix),
        )

    def all(self, account_id: AccountId) -> list[Secret]:
        return self.many(
            Secret, "SELECT doc FROM secrets WHERE account_id=? ORDER BY name", account_id
        )

    def put(self, secret: Secret) -> None:
        deletion = None if secret.deletion_date is None else secret.deletion_date.isoformat()
        due = None if secret.rotation_due is None else secret.rotation_due.isoformat()
        self.conn.execute(
            "INSERT OR REPLACE INTO secrets (account_id, name, arn, deletion_date, doc,"
            " rotation_due) VALUES (?, ?, ?, ?, ?, ?)",
            (secret.account_id, secret.name, secret.arn, deletion, self.codec.dumps(secret), due),
        )

    def delete(self, account_id: AccountId, name: str) -> None:
        self.conn.execute("DELETE FROM secrets WHERE account_id=? AND name=?", (account_id, name))

    def due_for_deletion(self, instant: str, limit: int) -> list[Secret]:
        return self.many(
            Secret,
            "SELECT doc FROM secrets WHERE deletion_date IS NOT NULL AND deletion_date <= ?"
            " ORDER BY deletion_date LIMIT ?",
            instant,
            limit,
        )

    def due_for_rotation(self, instant: str, limit: int) -> list[Secret]:
        return self.many(
            Secret,
            "SELECT doc FROM secrets WHERE rotation_due IS NOT NULL AND rotation_due <= ?"
            " ORDER BY rotation_due LIMIT ?",
            instant,
            limit,
        )
