"""Keys' tags persist, and a key store made before keys had tags still opens, every key
untagged (the column is added in place)."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

from stockade.store.key_ports import KeyManager, KeyRecord, KeyState
from stockade.store.sqlite_keys import SqliteKeyStore
from stockade.types import AccountId

_OLD_SCHEMA = """
CREATE TABLE keys (
    key_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, region TEXT NOT NULL, arn TEXT NOT NULL,
    description TEXT NOT NULL, manager TEXT NOT NULL, state TEXT NOT NULL, created TEXT NOT NULL,
    policy TEXT NOT NULL, current_version INTEGER NOT NULL, rotation_enabled INTEGER NOT NULL,
    rotation_period_days INTEGER NOT NULL, next_rotation TEXT, deletion_date TEXT,
    state_before_deletion TEXT
);
INSERT INTO keys VALUES ('k-old', '111122223333', 'us-east-1', 'arn:aws:kms:us-east-1:111122223333:key/k-old',
    '', 'CUSTOMER', 'Enabled', '2026-01-01T00:00:00+00:00', '{}', 1, 0, 365, NULL, NULL, NULL);
"""  # noqa: E501 - one row of an old store


def record(key_id: str) -> KeyRecord:
    return KeyRecord(
        account_id=AccountId("111122223333"), key_id=key_id,
        arn=f"arn:aws:kms:us-east-1:111122223333:key/{key_id}", region="us-east-1",
        description="", manager=KeyManager.CUSTOMER, state=KeyState.ENABLED,
        created="2026-01-01T00:00:00+00:00", policy="{}", current_version=1,
    )  # fmt: skip


def test_tags_round_trip(tmp_path: Path) -> None:
    store = SqliteKeyStore(tmp_path / "keys.db")
    try:
        tagged = dataclasses.replace(record("k1"), tags=(("env", ""), ("team", "a b")))
        with store.write() as tx:
            tx.keys.put(tagged)
        with store.read() as tx:
            assert tx.keys.get("k1") == tagged
    finally:
        store.close()


def test_a_store_from_before_tags_opens_with_untagged_keys(tmp_path: Path) -> None:
    path = tmp_path / "keys.db"
    db = sqlite3.connect(path)
    db.executescript(_OLD_SCHEMA)
    db.close()
    store = SqliteKeyStore(path)
    try:
        with store.read() as tx:
            old = tx.keys.get("k-old")
        assert old is not None
        assert old.tags == ()
        with store.write() as tx:
            tx.keys.put(dataclasses.replace(old, tags=(("team", "a"),)))
        with store.read() as tx:
            found = tx.keys.get("k-old")
        assert found is not None
        assert found.tags == (("team", "a"),)
    finally:
        store.close()
