"""Counters saved to their own small SQLite database (a `CounterSink`): one table per kind of
counter (functions, event source mappings, rules), each keyed by its own columns."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from stockade.private_files import private_database

_KEY_COLUMNS = ("account_id", "function_name", "version")
MAPPING_TABLE, MAPPING_KEYS = "mapping_counters", ("uuid",)
RULE_TABLE, RULE_KEYS = "rule_counters", ("account_id", "event_bus_name", "rule_name")


class SqliteCounterStore:
    """Saves and loads snapshots of a counters dataclass keyed by `keys` in `table`.

    The dataclass type is given, not imported: the store knows columns, not services. Table
    and column names in the SQL come from this module's constants and that dataclass's field
    names, never from input. With `prune`, a save also removes the rows whose key is not in
    the snapshot (the resource was deleted and its counters forgotten).
    """

    def __init__(
        self,
        path: Path,
        counters_type: Any,  # a dataclass type
        table: str = "counters",
        keys: Sequence[str] = _KEY_COLUMNS,
        *,
        prune: bool = False,
    ) -> None:
        self._path = path
        self._type: Any = counters_type
        self._table, self._keys, self._prune = table, tuple(keys), prune
        self._names = [f.name for f in fields(self._type)]
        key_columns = ", ".join(f"{key} TEXT NOT NULL" for key in self._keys)
        columns = ", ".join(f"{name} INTEGER NOT NULL DEFAULT 0" for name in self._names)
        with contextlib.closing(sqlite3.connect(private_database(path))) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                f"CREATE TABLE IF NOT EXISTS {table} ({key_columns}, {columns},"
                f" PRIMARY KEY ({', '.join(self._keys)}))"
            )
            # A counter added since the database was made gets its column (0 for old rows).
            present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            for name in self._names:
                if name not in present:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {name} INTEGER NOT NULL DEFAULT 0")
            db.commit()

    def load(self) -> dict[Any, Any]:  # keys: tuples of the key columns
        width = len(self._keys)
        with contextlib.closing(sqlite3.connect(private_database(self._path))) as db:
            rows = db.execute(
                f"SELECT {', '.join((*self._keys, *self._names))} FROM {self._table}"  # noqa: S608
            ).fetchall()
        return {tuple(row[:width]): self._type(*row[width:]) for row in rows}

    def save(self, totals: Mapping[Any, Any]) -> None:  # keys: tuples of the key columns
        names = (*self._keys, *self._names)
        placeholders = ", ".join("?" for _ in names)
        updates = ", ".join(f"{name} = excluded.{name}" for name in self._names)
        rows = [(*key, *asdict(value).values()) for key, value in totals.items()]
        statement = (
            f"INSERT INTO {self._table} ({', '.join(names)}) VALUES ({placeholders})"  # noqa: S608
            f" ON CONFLICT ({', '.join(self._keys)}) DO UPDATE SET {updates}"
        )
        with contextlib.closing(sqlite3.connect(private_database(self._path))) as db, db:
            if self._prune:
                keys = ", ".join(self._keys)
                saved = db.execute(f"SELECT {keys} FROM {self._table}").fetchall()  # noqa: S608
                gone = [row for row in saved if tuple(row) not in totals]
                match = " AND ".join(f"{key} = ?" for key in self._keys)
                db.executemany(f"DELETE FROM {self._table} WHERE {match}", gone)  # noqa: S608
            db.executemany(statement, rows)


def read_counters(path: Path, account_id: str, function_name: str) -> list[dict[str, Any]]:
    """Rows for one function, for `stockade stats` (read-only)."""
    with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute(
            "SELECT * FROM counters WHERE account_id = ? AND function_name = ? ORDER BY version",
            (account_id, function_name),
        ).fetchall()
    return [dict(row) for row in rows]


def read_mapping_counters(path: Path, uuid: str) -> dict[str, Any] | None:
    """One event source mapping's saved counters (read-only), None when none are saved."""
    return _read_one(path, MAPPING_TABLE, {"uuid": uuid})


def read_rule_counters(path: Path, account_id: str, bus: str, rule: str) -> dict[str, Any] | None:
    """One rule's saved counters (read-only), None when none are saved."""
    key = {"account_id": account_id, "event_bus_name": bus, "rule_name": rule}
    return _read_one(path, RULE_TABLE, key)


def _read_one(path: Path, table: str, key: Mapping[str, str]) -> dict[str, Any] | None:
    match = " AND ".join(f"{column} = ?" for column in key)
    with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
        db.row_factory = sqlite3.Row
        exists = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        if exists is None:
            return None
        row = db.execute(
            f"SELECT * FROM {table} WHERE {match}",  # noqa: S608
            tuple(key.values()),
        ).fetchone()
    return None if row is None else dict(row)
