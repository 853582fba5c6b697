"""The SQLite adapter of the store ports: WAL, one writer at a time, durable commits.

Every `write()` is a single `BEGIN IMMEDIATE` transaction, committed with `synchronous=FULL`, so a
`kill -9` at any instant leaves each record in its old or its new state, never in between.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from stockade.domain.account import AccessKey, Account, IamUser
from stockade.domain.arn import LATEST
from stockade.domain.function import Alias, Function, FunctionVersion
from stockade.domain.iam import (
    IamGroup,
    IamRole,
    InlinePolicy,
    ManagedPolicy,
    OwnerKind,
    PolicyVersion,
    RoleSession,
)
from stockade.domain.layer import Layer, LayerVersion
from stockade.domain.resource_policy import ResourcePolicy
from stockade.store import codec
from stockade.store.sqlite_compliance import Compliance, ConfigurationItems
from stockade.store.sqlite_docs import Docs as _Docs
from stockade.store.sqlite_schema import MIGRATIONS
from stockade.store.sqlite_signing import CodeSigningConfigs, SigningJobs, SigningProfiles
from stockade.types import AccessKeyId, AccountId, Sha256Hex

T = TypeVar("T")

# Entries per thread's memo; it empties whenever anything commits, so this only bounds a
# read-only stretch that touches very many keys.
_MEMO_MAX = 4096
# How often a memo looks for commits by other processes on the same file (operator commands);
# commits through this store are seen at once.
_EXTERNAL_CHECK_S = 0.05


class _Memo:
    """One thread's memoised reads, and the state of the store they were read in."""

    def __init__(self) -> None:
        self.values: dict[Hashable, Any] = {}
        self.generation = -1
        self.data_version: int | None = None
        self.checked = float("-inf")


class SqliteStore:
    def __init__(self, path: Path, sealer: codec.FieldSealer | None = None) -> None:
        self._path = path
        self._codec = codec.DocCodec(sealer)
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._writer = self._connect()
        self._generation = 0  # commits through `write()`; see `read_memo`
        self._migrate()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self._path, isolation_level=None, check_same_thread=False, timeout=30.0
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        with self._connections_lock:
            self._connections.append(conn)
        return conn

    def _migrate(self) -> None:
        with self._write_lock:
            (current,) = self._writer.execute("PRAGMA user_version").fetchone()
            for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
                # executescript commits on its own; the version bump rides in the same script.
                self._writer.executescript(
                    f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version={number};\nCOMMIT;"
                )

    @contextmanager
    def write(self) -> Iterator[SqliteTransaction]:
        with self._write_lock:
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteTransaction(conn, self._codec)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            self._generation += 1  # under the write lock

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            conn.execute("PRAGMA query_only=ON")
            self._local.conn = conn
            self._local.memo = _Memo()
        return conn

    def read_memo(self, key: Hashable, load: Callable[[SqliteTransaction], T]) -> T:
        conn = self._reader()
        if conn.in_transaction:
            # Inside an older snapshot a value could be older than the state it would be
            # filed under: no memo there.
            with self.read() as tx:
                return load(tx)
        memo: _Memo = self._local.memo
        # Both marks are taken before the snapshot below starts, so a value is never older
        # than the marks it is filed under (at worst newer: one needless reload).
        generation = self._generation
        now = time.monotonic()
        if generation != memo.generation or now - memo.checked >= _EXTERNAL_CHECK_S:
            # data_version moves when another connection commits (this thread's reader never
            # writes); a statement costs as much as the reads it saves, hence the interval.
            (version,) = conn.execute("PRAGMA data_version").fetchone()
            if (generation, version) != (memo.generation, memo.data_version):
                memo.values.clear()
                memo.generation, memo.data_version = generation, version
            memo.checked = now
        if key in memo.values:
            return memo.values[key]  # type: ignore[no-any-return]
        with self.read() as tx:
            value = load(tx)
        if len(memo.values) >= _MEMO_MAX:
            memo.values.clear()
        memo.values[key] = value
        return value

    @contextmanager
    def read(self) -> Iterator[SqliteTransaction]:
        conn = self._reader()
        if conn.in_transaction:
            # A read nested in another read of this thread (e.g. authorisation inside a use
            # case's snapshot) shares the outer snapshot; the outer one ends it.
            yield SqliteTransaction(conn, self._codec)
            return
        conn.execute("BEGIN")
        try:
            yield SqliteTransaction(conn, self._codec)
        finally:
            conn.execute("ROLLBACK")

    def referenced_artifacts(self) -> set[Sha256Hex]:
        with self.read() as tx:
            # Functions keep the layer versions they use even after the layer version is deleted.
            rows = tx.conn.execute(
                "SELECT code_sha256 FROM function_versions"
                " UNION SELECT code_sha256 FROM layer_versions"
                " UNION SELECT json_extract(layer.value, '$.code.sha256')"
                " FROM function_versions, json_each(function_versions.doc, '$.config.layers') layer"
            ).fetchall()
        return {Sha256Hex(r[0]) for r in rows}

    def close(self) -> None:
        with self._connections_lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()


class _Accounts(_Docs):
    def get(self, account_id: AccountId) -> Account | None:
        return self.one(Account, "SELECT doc FROM accounts WHERE account_id=?", account_id)

    def all(self) -> list[Account]:
        return self.many(Account, "SELECT doc FROM accounts ORDER BY account_id")

    def put(self, account: Account) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO accounts VALUES (?, ?)",
            (account.account_id, self.codec.dumps(account)),
        )


class _Users(_Docs):
    def get(self, account_id: AccountId, name: str) -> IamUser | None:
        return self.one(
            IamUser, "SELECT doc FROM iam_users WHERE account_id=? AND name=?", account_id, name
        )

    def all_in(self, account_id: AccountId) -> list[IamUser]:
        return self.many(
            IamUser, "SELECT doc FROM iam_users WHERE account_id=? ORDER BY name", account_id
        )

    def put(self, user: IamUser) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO iam_users VALUES (?, ?, ?)",
            (user.account_id, user.name, self.codec.dumps(user)),
        )

    def delete(self, account_id: AccountId, name: str) -> None:
        self.conn.execute("DELETE FROM iam_users WHERE account_id=? AND name=?", (account_id, name))


class _AccessKeys(_Docs):
    def get(self, access_key_id: AccessKeyId) -> AccessKey | None:
        return self.one(
            AccessKey, "SELECT doc FROM access_keys WHERE access_key_id=?", access_key_id
        )

    def list_for_user(self, account_id: AccountId, user_name: str) -> list[AccessKey]:
        return self.many(
            AccessKey,
            "SELECT doc FROM access_keys WHERE account_id=? AND user_name=? ORDER BY access_key_id",
            account_id,
            user_name,
        )

    def put(self, key: AccessKey) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO access_keys VALUES (?, ?, ?, ?)",
            (key.access_key_id, key.account_id, key.user_name, self.codec.dumps(key)),
        )

    def delete(self, access_key_id: AccessKeyId) -> None:
        self.conn.execute("DELETE FROM access_keys WHERE access_key_id=?", (access_key_id,))


class _Functions(_Docs):
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

    def delete(self, account_id: AccountId, name: str) -> None:
        self.conn.execute("DELETE FROM functions WHERE account_id=? AND name=?", (account_id, name))


def _version_order(version: str) -> int:
    return 0 if version == LATEST else int(version)


class _Versions(_Docs):
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


class _Aliases(_Docs):
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


class _Layers(_Docs):
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


class _Roles(_Docs):
    def get(self, account_id: AccountId, name: str) -> IamRole | None:
        return self.one(
            IamRole, "SELECT doc FROM iam_roles WHERE account_id=? AND name=?", account_id, name
        )

    def all_in(self, account_id: AccountId) -> list[IamRole]:
        return self.many(
            IamRole, "SELECT doc FROM iam_roles WHERE account_id=? ORDER BY name", account_id
        )

    def put(self, role: IamRole) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO iam_roles VALUES (?, ?, ?)",
            (role.account_id, role.name, self.codec.dumps(role)),
        )

    def delete(self, account_id: AccountId, name: str) -> None:
        self.conn.execute("DELETE FROM iam_roles WHERE account_id=? AND name=?", (account_id, name))


class _Groups(_Docs):
    def get(self, account_id: AccountId, name: str) -> IamGroup | None:
        return self.one(
            IamGroup, "SELECT doc FROM iam_groups WHERE account_id=? AND name=?", account_id, name
        )

    def all_in(self, account_id: AccountId) -> list[IamGroup]:
        return self.many(
            IamGroup, "SELECT doc FROM iam_groups WHERE account_id=? ORDER BY name", account_id
        )

    def put(self, group: IamGroup) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO iam_groups VALUES (?, ?, ?)",
            (group.account_id, group.name, self.codec.dumps(group)),
        )

    def delete(self, account_id: AccountId, name: str) -> None:
        self.conn.execute(
            "DELETE FROM iam_groups WHERE account_id=? AND name=?", (account_id, name)
        )

    def add_member(self, account_id: AccountId, group: str, user: str) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO iam_group_members VALUES (?, ?, ?)", (account_id, group, user)
        )

    def remove_member(self, account_id: AccountId, group: str, user: str) -> None:
        self.conn.execute(
            "DELETE FROM iam_group_members WHERE account_id=? AND group_name=? AND user_name=?",
            (account_id, group, user),
        )

    def members(self, account_id: AccountId, group: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT user_name FROM iam_group_members WHERE account_id=? AND group_name=?"
            " ORDER BY user_name",
            (account_id, group),
        )
        return [str(r[0]) for r in rows]

    def groups_of(self, account_id: AccountId, user: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT group_name FROM iam_group_members WHERE account_id=? AND user_name=?"
            " ORDER BY group_name",
            (account_id, user),
        )
        return [str(r[0]) for r in rows]


class _Policies(_Docs):
    def get_inline(
        self, account_id: AccountId, kind: OwnerKind, owner: str, name: str
    ) -> InlinePolicy | None:
        return self.one(
            InlinePolicy,
            "SELECT doc FROM iam_inline_policies"
            " WHERE account_id=? AND owner_kind=? AND owner_name=? AND name=?",
            account_id,
            kind.value,
            owner,
            name,
        )

    def list_inline(self, account_id: AccountId, kind: OwnerKind, owner: str) -> list[InlinePolicy]:
        return self.many(
            InlinePolicy,
            "SELECT doc FROM iam_inline_policies WHERE account_id=? AND owner_kind=?"
            " AND owner_name=? ORDER BY name",
            account_id,
            kind.value,
            owner,
        )

    def put_inline(self, policy: InlinePolicy) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO iam_inline_policies VALUES (?, ?, ?, ?, ?)",
            (
                policy.account_id,
                policy.owner_kind.value,
                policy.owner_name,
                policy.name,
                self.codec.dumps(policy),
            ),
        )

    def delete_inline(self, account_id: AccountId, kind: OwnerKind, owner: str, name: str) -> None:
        self.conn.execute(
            "DELETE FROM iam_inline_policies"
            " WHERE account_id=? AND owner_kind=? AND owner_name=? AND name=?",
            (account_id, kind.value, owner, name),
        )

    def get_managed(self, arn: str) -> ManagedPolicy | None:
        return self.one(ManagedPolicy, "SELECT doc FROM iam_managed_policies WHERE arn=?", arn)

    def list_managed(self, account_id: AccountId) -> list[ManagedPolicy]:
        return self.many(
            ManagedPolicy,
            "SELECT doc FROM iam_managed_policies WHERE account_id=? ORDER BY arn",
            account_id,
        )

    def put_managed(self, policy: ManagedPolicy) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO iam_managed_policies VALUES (?, ?, ?)",
            (policy.arn, policy.account_id, self.codec.dumps(policy)),
        )

    def delete_managed(self, arn: str) -> None:
        self.conn.execute("DELETE FROM iam_policy_versions WHERE policy_arn=?", (arn,))
        self.conn.execute("DELETE FROM iam_managed_policies WHERE arn=?", (arn,))

    def get_version(self, arn: str, version_id: str) -> PolicyVersion | None:
        return self.one(
            PolicyVersion,
            "SELECT doc FROM iam_policy_versions WHERE policy_arn=? AND version_id=?",
            arn,
            version_id,
        )

    def list_versions(self, arn: str) -> list[PolicyVersion]:
        return self.many(
            PolicyVersion,
            "SELECT doc FROM iam_policy_versions WHERE policy_arn=?"
            " ORDER BY length(version_id), version_id",
            arn,
        )

    def put_version(self, version: PolicyVersion) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO iam_policy_versions VALUES (?, ?, ?)",
            (version.policy_arn, version.version_id, self.codec.dumps(version)),
        )

    def delete_version(self, arn: str, version_id: str) -> None:
        self.conn.execute(
            "DELETE FROM iam_policy_versions WHERE policy_arn=? AND version_id=?",
            (arn, version_id),
        )

    def attach(self, account_id: AccountId, kind: OwnerKind, owner: str, arn: str) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO iam_attachments VALUES (?, ?, ?, ?)",
            (account_id, kind.value, owner, arn),
        )

    def detach(self, account_id: AccountId, kind: OwnerKind, owner: str, arn: str) -> None:
        self.conn.execute(
            "DELETE FROM iam_attachments"
            " WHERE account_id=? AND owner_kind=? AND owner_name=? AND policy_arn=?",
            (account_id, kind.value, owner, arn),
        )

    def attached(self, account_id: AccountId, kind: OwnerKind, owner: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT policy_arn FROM iam_attachments"
            " WHERE account_id=? AND owner_kind=? AND owner_name=? ORDER BY policy_arn",
            (account_id, kind.value, owner),
        )
        return [str(r[0]) for r in rows]

    def attachment_count(self, arn: str) -> int:
        row = self.conn.execute(
            "SELECT count(*) FROM iam_attachments WHERE policy_arn=?", (arn,)
        ).fetchone()
        return int(row[0])


class _Sessions(_Docs):
    def get(self, access_key_id: AccessKeyId) -> RoleSession | None:
        return self.one(
            RoleSession, "SELECT doc FROM sts_sessions WHERE access_key_id=?", access_key_id
        )

    def put(self, session: RoleSession) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO sts_sessions VALUES (?, ?, ?, ?)",
            (
                session.access_key_id,
                session.account_id,
                session.expires.isoformat(),
                self.codec.dumps(session),
            ),
        )

    def delete_expired(self, before: str) -> int:
        cursor = self.conn.execute("DELETE FROM sts_sessions WHERE expires<?", (before,))
        return int(cursor.rowcount)


class _ResourcePolicies(_Docs):
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


class SqliteTransaction:
    """One transaction; repositories share its connection.

    Repositories are made on first use: most transactions touch two or three of them, and
    hot paths (an invoke, a queued event) open a transaction per request.
    """

    def __init__(self, conn: sqlite3.Connection, doc_codec: codec.DocCodec) -> None:
        self.conn = conn
        self._codec = doc_codec

    @cached_property
    def accounts(self) -> _Accounts:
        return _Accounts(self.conn, self._codec)

    @cached_property
    def users(self) -> _Users:
        return _Users(self.conn, self._codec)

    @cached_property
    def access_keys(self) -> _AccessKeys:
        return _AccessKeys(self.conn, self._codec)

    @cached_property
    def functions(self) -> _Functions:
        return _Functions(self.conn, self._codec)

    @cached_property
    def versions(self) -> _Versions:
        return _Versions(self.conn, self._codec)

    @cached_property
    def aliases(self) -> _Aliases:
        return _Aliases(self.conn, self._codec)

    @cached_property
    def layers(self) -> _Layers:
        return _Layers(self.conn, self._codec)

    @cached_property
    def roles(self) -> _Roles:
        return _Roles(self.conn, self._codec)

    @cached_property
    def groups(self) -> _Groups:
        return _Groups(self.conn, self._codec)

    @cached_property
    def policies(self) -> _Policies:
        return _Policies(self.conn, self._codec)

    @cached_property
    def sessions(self) -> _Sessions:
        return _Sessions(self.conn, self._codec)

    @cached_property
    def resource_policies(self) -> _ResourcePolicies:
        return _ResourcePolicies(self.conn, self._codec)

    @cached_property
    def signing_profiles(self) -> SigningProfiles:
        return SigningProfiles(self.conn, self._codec)

    @cached_property
    def signing_jobs(self) -> SigningJobs:
        return SigningJobs(self.conn, self._codec)

    @cached_property
    def code_signing_configs(self) -> CodeSigningConfigs:
        return CodeSigningConfigs(self.conn, self._codec)

    @cached_property
    def configuration_items(self) -> ConfigurationItems:
        return ConfigurationItems(self.conn, self._codec)

    @cached_property
    def compliance(self) -> Compliance:
        return Compliance(self.conn, self._codec)
