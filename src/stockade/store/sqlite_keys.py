"""The key service's store on SQLite: its own database file (0600), separate from the main one.

One connection guarded by a lock serves both reads and writes: key operations are small and
short, and a single connection makes every transaction trivially serialisable.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from stockade.private_files import private_database
from stockade.storage_faults import rollback, translated
from stockade.store.key_ports import AliasRecord, KeyManager, KeyRecord, KeyState, MaterialRecord
from stockade.types import AccountId

_SCHEMA = """
CREATE TABLE IF NOT EXISTS keys (
    key_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    arn TEXT NOT NULL,
    description TEXT NOT NULL,
    manager TEXT NOT NULL,
    state TEXT NOT NULL,
    created TEXT NOT NULL,
    policy TEXT NOT NULL,
    current_version INTEGER NOT NULL,
    rotation_enabled INTEGER NOT NULL,
    rotation_period_days INTEGER NOT NULL,
    next_rotation TEXT,
    deletion_date TEXT,
    state_before_deletion TEXT,
    tags TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS keys_by_account ON keys (account_id, region, key_id);
CREATE TABLE IF NOT EXISTS key_material (
    key_id TEXT NOT NULL REFERENCES keys (key_id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    wrapped BLOB NOT NULL,
    created TEXT NOT NULL,
    on_demand INTEGER NOT NULL,
    PRIMARY KEY (key_id, version)
);
CREATE TABLE IF NOT EXISTS aliases (
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    target_key_id TEXT NOT NULL REFERENCES keys (key_id) ON DELETE CASCADE,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    PRIMARY KEY (account_id, region, name)
);
"""
_KEY_COLUMNS = (
    "key_id, account_id, region, arn, description, manager, state, created, policy,"
    " current_version, rotation_enabled, rotation_period_days, next_rotation, deletion_date,"
    " state_before_deletion, tags"
)

_UPDATE = ", ".join(f"{c.strip()} = excluded.{c.strip()}" for c in _KEY_COLUMNS.split(",")[1:])


def _key(row: tuple[Any, ...]) -> KeyRecord:
    (key_id, account, region, arn, description, manager, state, created, policy, version,
     rotation, period, next_rotation, deletion, before, tags) = row  # fmt: skip
    return KeyRecord(
        account_id=AccountId(account),
        key_id=key_id,
        arn=arn,
        region=region,
        description=description,
        manager=KeyManager(manager),
        state=KeyState(state),
        created=created,
        policy=policy,
        current_version=version,
        rotation_enabled=bool(rotation),
        rotation_period_days=period,
        next_rotation=next_rotation,
        deletion_date=deletion,
        state_before_deletion=None if before is None else KeyState(before),
        tags=tuple((str(k), str(v)) for k, v in json.loads(tags)),
    )


class _Keys:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def get(self, key_id: str) -> KeyRecord | None:
        row = self._db.execute(
            f"SELECT {_KEY_COLUMNS} FROM keys WHERE key_id = ?",  # noqa: S608 - fixed columns
            (key_id,),
        ).fetchone()
        return None if row is None else _key(row)

    def page(
        self, account_id: AccountId, region: str, after: str | None, limit: int
    ) -> list[KeyRecord]:
        rows = self._db.execute(
            f"SELECT {_KEY_COLUMNS} FROM keys WHERE account_id = ? AND region = ?"  # noqa: S608 - fixed column list
            " AND key_id > ? ORDER BY key_id LIMIT ?",
            (account_id, region, after or "", limit),
        ).fetchall()
        return [_key(r) for r in rows]

    def put(self, key: KeyRecord) -> None:
        self._db.execute(
            f"INSERT INTO keys ({_KEY_COLUMNS})"  # noqa: S608 - fixed columns
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            # An upsert, not REPLACE: replacing the row would cascade to its key material.
            f" ON CONFLICT (key_id) DO UPDATE SET {_UPDATE}",
            (key.key_id, key.account_id, key.region, key.arn, key.description,
             key.manager.value, key.state.value, key.created, key.policy, key.current_version,
             int(key.rotation_enabled), key.rotation_period_days, key.next_rotation,
             key.deletion_date,
             None if key.state_before_deletion is None else key.state_before_deletion.value,
             json.dumps([list(t) for t in key.tags])),
        )  # fmt: skip

    def delete(self, key_id: str) -> None:
        self._db.execute("DELETE FROM aliases WHERE target_key_id = ?", (key_id,))
        self._db.execute("DELETE FROM key_material WHERE key_id = ?", (key_id,))
        self._db.execute("DELETE FROM keys WHERE key_id = ?", (key_id,))

    def due_for_deletion(self, before: str) -> list[KeyRecord]:
        rows = self._db.execute(
            f"SELECT {_KEY_COLUMNS} FROM keys WHERE state = ? AND deletion_date <= ?",  # noqa: S608 - fixed column list
            (KeyState.PENDING_DELETION.value, before),
        ).fetchall()
        return [_key(r) for r in rows]

    def due_for_rotation(self, before: str) -> list[KeyRecord]:
        rows = self._db.execute(
            f"SELECT {_KEY_COLUMNS} FROM keys WHERE rotation_enabled = 1 AND next_rotation <= ?",  # noqa: S608 - fixed column list
            (before,),
        ).fetchall()
        return [_key(r) for r in rows]


class _Materials:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def get(self, key_id: str, version: int) -> MaterialRecord | None:
        row = self._db.execute(
            "SELECT key_id, version, wrapped, created, on_demand FROM key_material"
            " WHERE key_id = ? AND version = ?",
            (key_id, version),
        ).fetchone()
        return None if row is None else MaterialRecord(row[0], row[1], row[2], row[3], bool(row[4]))

    def all_of(self, key_id: str) -> list[MaterialRecord]:
        rows = self._db.execute(
            "SELECT key_id, version, wrapped, created, on_demand FROM key_material"
            " WHERE key_id = ? ORDER BY version",
            (key_id,),
        ).fetchall()
        return [MaterialRecord(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows]

    def put(self, material: MaterialRecord) -> None:
        self._db.execute(
            "INSERT INTO key_material (key_id, version, wrapped, created, on_demand)"
            " VALUES (?, ?, ?, ?, ?)",
            (material.key_id, material.version, material.wrapped, material.created,
             int(material.on_demand)),
        )  # fmt: skip


class _Aliases:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def get(self, account_id: AccountId, region: str, name: str) -> AliasRecord | None:
        row = self._db.execute(
            "SELECT account_id, region, name, target_key_id, created, updated FROM aliases"
            " WHERE account_id = ? AND region = ? AND name = ?",
            (account_id, region, name),
        ).fetchone()
        return None if row is None else _alias(row)

    def page(
        self,
        account_id: AccountId,
        region: str,
        key_id: str | None,
        after: str | None,
        limit: int,
    ) -> list[AliasRecord]:
        sql = (
            "SELECT account_id, region, name, target_key_id, created, updated FROM aliases"
            " WHERE account_id = ? AND region = ? AND name > ?"
        )
        args: list[object] = [account_id, region, after or ""]
        if key_id is not None:
            sql += " AND target_key_id = ?"
            args.append(key_id)
        rows = self._db.execute(sql + " ORDER BY name LIMIT ?", (*args, limit)).fetchall()
        return [_alias(r) for r in rows]

    def put(self, alias: AliasRecord) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO aliases (account_id, region, name, target_key_id, created,"
            " updated) VALUES (?, ?, ?, ?, ?, ?)",
            (alias.account_id, alias.region, alias.name, alias.target_key_id, alias.created,
             alias.updated),
        )  # fmt: skip

    def delete(self, account_id: AccountId, region: str, name: str) -> None:
        self._db.execute(
            "DELETE FROM aliases WHERE account_id = ? AND region = ? AND name = ?",
            (account_id, region, name),
        )


def _alias(row: tuple[Any, ...]) -> AliasRecord:
    return AliasRecord(AccountId(row[0]), row[1], row[2], row[3], row[4], row[5])


class SqliteKeyTransaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.keys = _Keys(db)
        self.materials = _Materials(db)
        self.aliases = _Aliases(db)


def _add_tags_column(db: sqlite3.Connection) -> None:
    """Key stores made before keys had tags gain the column (every key untagged)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(keys)")}
    if "tags" not in columns:
        db.execute("ALTER TABLE keys ADD COLUMN tags TEXT NOT NULL DEFAULT '[]'")


class SqliteKeyStore:
    def __init__(self, path: Path, busy_timeout_s: float = 10.0) -> None:
        self._db = sqlite3.connect(private_database(path), isolation_level=None,
                                   check_same_thread=False, timeout=busy_timeout_s)  # fmt: skip
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)
        _add_tags_column(self._db)
        self._lock = threading.RLock()

    @contextmanager
    def write(self) -> Iterator[SqliteKeyTransaction]:
        with self._lock:
            if self._db.in_transaction:  # nested in this thread's own transaction
                yield SqliteKeyTransaction(self._db)
                return
            with translated():
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield SqliteKeyTransaction(self._db)
                    self._db.execute("COMMIT")
                except BaseException:
                    # Also after a failed COMMIT (SQLite may already have rolled back).
                    rollback(self._db)
                    raise

    @contextmanager
    def read(self) -> Iterator[SqliteKeyTransaction]:
        with self._lock:
            if self._db.in_transaction:
                yield SqliteKeyTransaction(self._db)
                return
            with translated():
                self._db.execute("BEGIN")
                try:
                    yield SqliteKeyTransaction(self._db)
                finally:
                    rollback(self._db)

    def close(self) -> None:
        with self._lock:
            self._db.close()
