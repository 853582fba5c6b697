"""Saved function counters: a database made before a counter existed still loads and saves."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from stockade.store.function_stats import SqliteCounterStore, read_counters


@dataclass(frozen=True)
class Before:
    invocations: int = 0


@dataclass(frozen=True)
class After:
    invocations: int = 0
    recursive_invocations_dropped: int = 0


def test_a_counter_added_later_gets_its_column_and_old_rows_read_zero(tmp_path: Path) -> None:
    path = tmp_path / "stats.db"
    SqliteCounterStore(path, Before).save({("111122223333", "f", "$LATEST"): Before(7)})

    store = SqliteCounterStore(path, After)
    assert store.load() == {("111122223333", "f", "$LATEST"): After(7, 0)}
    store.save({("111122223333", "f", "$LATEST"): After(8, 2)})
    assert store.load() == {("111122223333", "f", "$LATEST"): After(8, 2)}
    rows = read_counters(path, "111122223333", "f")
    assert rows[0]["recursive_invocations_dropped"] == 2
    with sqlite3.connect(path) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(counters)")]
    assert columns.count("recursive_invocations_dropped") == 1
    SqliteCounterStore(path, After)  # opening again adds nothing twice
