"""Function counters saved to their own small SQLite database (a `CounterSink`)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Mapping
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from stockade.private_files import private_database

_KEY_COLUMNS = ("account_id", "function_name", "version")


class SqliteCounterStore:
    """Saves and loads snapshots of a counters dataclass keyed by (account, function, version).

    The dataclass type is given, not imported: the store knows columns, not services. Column
    names in the SQL come from that dataclass's field names, never from input.
    """

    def __init__(self, path: Path, counters_type: Any) -> None:  # a dataclass type
        self._path = path
        self._type: Any = counters_type
        self._names = [f.name for f in fields(self._type)]
        columns = ", ".join(f"{name} INTEGER NOT NULL DEFAULT 0" for name in self._names)
        with contextlib.closing(sqlite3.connect(private_database(path))) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS counters (account_id TEXT NOT NULL, function_name"
                f" TEXT NOT NULL, version TEXT NOT NULL, {columns},"
                " PRIMARY KEY (account_id, function_name, version))"
            )
            # A counter added since the database was made gets its column (0 for old rows).
            present = {row[1] for row in db.execute("PRAGMA table_info(counters)")}
            for name in self._names:
                if name not in present:
                    db.execute(f"ALTER TABLE counters ADD COLUMN {name} INTEGER NOT NULL DEFAULT 0")
            db.commit()

    def load(self) -> dict[tuple[str, str, str], Any]:
        with contextlib.closing(sqlite3.connect(private_database(self._path))) as db:
            rows = db.execute(
                f"SELECT {', '.join((*_KEY_COLUMNS, *self._names))} FROM counters"  # noqa: S608
            ).fetchall()
        return {tuple(row[:3]): self._type(*row[3:]) for row in rows}

    def save(self, totals: Mapping[tuple[str, str, str], Any]) -> None:
        names = (*_KEY_COLUMNS, *self._names)
        placeholders = ", ".join("?" for _ in names)
        updates = ", ".join(f"{name} = excluded.{name}" for name in self._names)
        rows = [(*key, *asdict(value).values()) for key, value in totals.items()]
        statement = (
            f"INSERT INTO counters ({', '.join(names)}) VALUES ({placeholders})"  # noqa: S608
            f" ON CONFLICT (account_id, function_name, version) DO UPDATE SET {updates}"
        )
        with contextlib.closing(sqlite3.connect(private_database(self._path))) as db, db:
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
