"""The SQLite adapter of the Parameter Store port (the table of the parameters migration)."""

from __future__ import annotations

from stockade.domain.parameters import Parameter
from stockade.store.sqlite_docs import Docs
from stockade.types import AccountId


def _like(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class ParameterRows(Docs):
    def get(self, account_id: AccountId, name: str) -> Parameter | None:
        return self.one(
            Parameter,
            "SELECT doc FROM ssm_parameters WHERE account_id=? AND name=?",
            account_id,
            name,
        )

    def put(self, parameter: Parameter) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO ssm_parameters VALUES (?, ?, ?)",
            (parameter.account_id, parameter.name, self.codec.dumps(parameter)),
        )

    def delete(self, account_id: AccountId, name: str) -> bool:
        done = self.conn.execute(
            "DELETE FROM ssm_parameters WHERE account_id=? AND name=?", (account_id, name)
        )
        return done.rowcount > 0

    def page(self, account_id: AccountId, prefix: str, after: str, limit: int) -> list[Parameter]:
        return self.many(
            Parameter,
            "SELECT doc FROM ssm_parameters WHERE account_id=? AND name LIKE ? ESCAPE '\\'"
            " AND name > ? ORDER BY name LIMIT ?",
            account_id,
            _like(prefix),
            after,
            limit,
        )
