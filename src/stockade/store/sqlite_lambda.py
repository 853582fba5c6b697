"""SQLite repositories for Lambda's records: functions, versions, aliases, layers, policies."""

from __future__ import annotations

from stockade.domain.arn import LATEST
from stockade.domain.event_source_mapping import EventSourceMapping
from stockade.domain.function import Alias, Function, FunctionVersion
from stockade.domain.function_url import FunctionUrlOwner
from stockade.domain.layer import Layer, LayerVersion
from stockade.domain.resource_policy import ResourcePolicy
from stockade.store.sqlite_docs import Docs
from stockade.types import AccountId


class Functions(Docs):
    def get(self, account_id: AccountId, name: str) -> Function | None:
        return self.one(
            Function, "SELECT doc FROM functions WHERE account_id=? AND name=?", account_id, name
        )

    def page(self, account_id: AccountId, after: str | None, limit: int) -> list[Function]:
        return self.many(
            Function,
            "SELECT doc FROM functions WHERE account_id=? AND name>? ORDER BY name LIMIT ?",
            account_id,
            after or "",
            limit,
        )

    def count(self, account_id: AccountId) -> int:
        row = self.conn.execute(
            "SELECT count(*) FROM functions WHERE account_id=?", (account_id,)
        ).fetchone()
        return int(row[0])

    def put(self, function: Function) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO functions VALUES (?, ?, ?)",
            (function.account_id, function.name, self.codec.dumps(function)),
        )
        # (REPLACE fires no delete trigger: the old index rows go here.)
        self.conn.execute(
            "DELETE FROM function_urls WHERE account_id=? AND function_name=?",
            (function.account_id, function.name),
        )
        self.conn.executemany(
            "INSERT INTO function_urls VALUES (?, ?, ?, ?)",
            [
                (config.url_id, function.account_id, function.name, qualifier)
                for qualifier, config in function.url_configs.items()
            ],
        )

    def by_url_id(self, url_id: str) -> FunctionUrlOwner | None:
        row = self.conn.execute(
            "SELECT account_id, function_name, qualifier FROM function_urls WHERE url_id=?",
            (url_id,),
        ).fetchone()
        return None if row is None else FunctionUrlOwner(AccountId(row[0]), row[1], row[2])

    def delete(self, account_id: AccountId, name: str) -> None:
        self.conn.execute("DELETE FROM functions WHERE account_id=? AND name=?", (account_id, name))


class EventSourceMappings(Docs):
    def get(self, uuid: str) -> EventSourceMapping | None:
        return self.one(
            EventSourceMapping, "SELECT doc FROM event_source_mappings WHERE uuid=?", uuid
        )

    def put(self, mapping: EventSourceMapping) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO event_source_mappings VALUES (?, ?, ?, ?, ?)",
            (mapping.uuid, mapping.account_id, mapping.function_arn, mapping.event_source_arn,
             self.codec.dumps(mapping)),
        )  # fmt: skip

    def delete(self, uuid: str) -> None:
        self.conn.execute("DELETE FROM event_source_mappings WHERE uuid=?", (uuid,))

    def page(
        self,
        account_id: AccountId,
        after: str | None,
        limit: int,
        *,
        function_arn: str | None = None,
        event_source_arn: str | None = None,
    ) -> list[EventSourceMapping]:
        query = "SELECT doc FROM event_source_mappings WHERE account_id=? AND uuid>?"
        args: list[object] = [account_id, after or ""]
        if function_arn is not None:  # the function's own mappings and its qualifiers'
            query += " AND (function_arn=? OR function_arn LIKE ? ESCAPE '\\')"
            args += [function_arn, _like_prefix(function_arn + ":")]
        if event_source_arn is not None:
            query += " AND event_source_arn=?"
            args.append(event_source_arn)
        return self.many(EventSourceMapping, query + " ORDER BY uuid LIMIT ?", *args, limit)

    def all(self) -> list[EventSourceMapping]:
        return self.many(EventSourceMapping, "SELECT doc FROM event_source_mappings ORDER BY uuid")


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _version_order(version: str) -> int:
    return 0 if version == LATEST else int(version)


class Versions(Docs):
    def get(self, account_id: AccountId, function: str, version: str) -> FunctionVersion | None:
        return self.one(
            FunctionVersion,
            "SELECT doc FROM function_versions"
            " WHERE account_id=? AND function_name=? AND version=?",
            account_id,
            function,
            version,
        )

    def page(
        self, account_id: AccountId, function: str, after: str | None, limit: int
    ) -> list[FunctionVersion]:
        start = -1 if after is None else _version_order(after)
        return self.many(
            FunctionVersion,
            "SELECT doc FROM function_versions WHERE account_id=? AND function_name=?"
            " AND version_order>? ORDER BY version_order LIMIT ?",
            account_id,
            function,
            start,
            limit,
        )

    def page_all(
        self, account_id: AccountId, after: tuple[str, str] | None, limit: int
    ) -> list[FunctionVersion]:
        name, order = ("", -1) if after is None else (after[0], _version_order(after[1]))
        return self.many(
            FunctionVersion,
            "SELECT doc FROM function_versions WHERE account_id=?"
            " AND (function_name>? OR (function_name=? AND version_order>?))"
            " ORDER BY function_name, version_order LIMIT ?",
            account_id,
            name,
            name,
            order,
            limit,
        )

    def put(self, version: FunctionVersion) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO function_versions VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                version.account_id,
                version.function_name,
                version.version,
                _version_order(version.version),
                version.code.sha256,
                version.code.size,
                self.codec.dumps(version),
            ),
        )

    def delete(self, account_id: AccountId, function: str, version: str) -> None:
        self.conn.execute(
            "DELETE FROM function_versions WHERE account_id=? AND function_name=? AND version=?",
            (account_id, function, version),
        )

    def delete_function(self, account_id: AccountId, function: str) -> None:
        self.conn.execute(
            "DELETE FROM function_versions WHERE account_id=? AND function_name=?",
            (account_id, function),
        )

    def total_code_size(self, account_id: AccountId) -> int:
        row = self.conn.execute(
            "SELECT coalesce(sum(code_size), 0) FROM function_versions WHERE account_id=?",
            (account_id,),
        ).fetchone()
        return int(row[0])


class Aliases(Docs):
    def get(self, account_id: AccountId, function: str, name: str) -> Alias | None:
        return self.one(
            Alias,
            "SELECT doc FROM aliases WHERE account_id=? AND function_name=? AND name=?",
            account_id,
            function,
            name,
        )

    def page(
        self, account_id: AccountId, function: str, after: str | None, limit: int
    ) -> list[Alias]:
        return self.many(
            Alias,
            "SELECT doc FROM aliases WHERE account_id=? AND function_name=? AND name>?"
            " ORDER BY name LIMIT ?",
            account_id,
            function,
            after or "",
            limit,
        )

    def put(self, alias: Alias) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO aliases VALUES (?, ?, ?, ?)",
            (alias.account_id, alias.function_name, alias.name, self.codec.dumps(alias)),
        )

    def delete(self, account_id: AccountId, function: str, name: str) -> None:
        self.conn.execute(
            "DELETE FROM aliases WHERE account_id=? AND function_name=? AND name=?",
            (account_id, function, name),
        )

    def delete_function(self, account_id: AccountId, function: str) -> None:
        self.conn.execute(
            "DELETE FROM aliases WHERE account_id=? AND function_name=?", (account_id, function)
        )


class Layers(Docs):
    def get(self, account_id: AccountId, name: str) -> Layer | None:
        return self.one(
            Layer, "SELECT doc FROM layers WHERE account_id=? AND name=?", account_id, name
        )

    def put(self, layer: Layer) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO layers VALUES (?, ?, ?)",
            (layer.account_id, layer.name, self.codec.dumps(layer)),
        )

    def get_version(self, account_id: AccountId, name: str, version: int) -> LayerVersion | None:
        return self.one(
            LayerVersion,
            "SELECT doc FROM layer_versions WHERE account_id=? AND name=? AND version=?",
            account_id,
            name,
            version,
        )

    def put_version(self, version: LayerVersion) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO layer_versions VALUES (?, ?, ?, ?, ?, ?)",
            (
                version.account_id,
                version.name,
                version.version,
                version.code.sha256,
                version.code.size,
                self.codec.dumps(version),
            ),
        )

    def delete_version(self, account_id: AccountId, name: str, version: int) -> None:
        self.conn.execute(
            "DELETE FROM layer_versions WHERE account_id=? AND name=? AND version=?",
            (account_id, name, version),
        )

    def list_versions(
        self, account_id: AccountId, name: str, after: int | None, limit: int
    ) -> list[LayerVersion]:
        return self.many(
            LayerVersion,
            "SELECT doc FROM layer_versions WHERE account_id=? AND name=? AND version<?"
            " ORDER BY version DESC LIMIT ?",
            account_id,
            name,
            after if after is not None else 2**62,
            limit,
        )

    def list_latest(
        self, account_id: AccountId, after: str | None, limit: int
    ) -> list[LayerVersion]:
        return self.many(
            LayerVersion,
            "SELECT v.doc FROM layer_versions v WHERE v.account_id=? AND v.name>?"
            " AND v.version=(SELECT max(version) FROM layer_versions w"
            " WHERE w.account_id=v.account_id AND w.name=v.name)"
            " ORDER BY v.name LIMIT ?",
            account_id,
            after or "",
            limit,
        )

    def list_every_version(self, account_id: AccountId) -> list[LayerVersion]:
        return self.many(
            LayerVersion,
            "SELECT doc FROM layer_versions WHERE account_id=? ORDER BY name, version DESC",
            account_id,
        )

    def total_code_size(self, account_id: AccountId) -> int:
        row = self.conn.execute(
            "SELECT coalesce(sum(code_size), 0) FROM layer_versions WHERE account_id=?",
            (account_id,),
        ).fetchone()
        return int(row[0])


class ResourcePolicies(Docs):
    def get_function_policy(
        self, account_id: AccountId, function: str, qualifier: str
    ) -> ResourcePolicy | None:
        return self.one(
            ResourcePolicy,
            "SELECT doc FROM function_policies"
            " WHERE account_id=? AND function_name=? AND qualifier=?",
            account_id,
            function,
            qualifier,
        )

    def put_function_policy(
        self, account_id: AccountId, function: str, qualifier: str, policy: ResourcePolicy
    ) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO function_policies VALUES (?, ?, ?, ?)",
            (account_id, function, qualifier, self.codec.dumps(policy)),
        )

    def delete_function_policy(self, account_id: AccountId, function: str, qualifier: str) -> None:
        self.conn.execute(
            "DELETE FROM function_policies WHERE account_id=? AND function_name=? AND qualifier=?",
            (account_id, function, qualifier),
        )

    def function_policies(self, account_id: AccountId, function: str) -> dict[str, ResourcePolicy]:
        rows = self.conn.execute(
            "SELECT qualifier, doc FROM function_policies WHERE account_id=? AND function_name=?"
            " ORDER BY qualifier",
            (account_id, function),
        )
        return {str(q): self.codec.loads(ResourcePolicy, doc) for q, doc in rows}

    def get_layer_policy(
        self, account_id: AccountId, name: str, version: int
    ) -> ResourcePolicy | None:
        return self.one(
            ResourcePolicy,
            "SELECT doc FROM layer_version_policies WHERE account_id=? AND name=? AND version=?",
            account_id,
            name,
            version,
        )

    def put_layer_policy(
        self, account_id: AccountId, name: str, version: int, policy: ResourcePolicy
    ) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO layer_version_policies VALUES (?, ?, ?, ?)",
            (account_id, name, version, self.codec.dumps(policy)),
        )

    def delete_layer_policy(self, account_id: AccountId, name: str, version: int) -> None:
        self.conn.execute(
            "DELETE FROM layer_version_policies WHERE account_id=? AND name=? AND version=?",
            (account_id, name, version),
        )
