"""The SQLite store under a storage fault: the write fails as StorageUnavailableError, changes
nothing, and the same store writes again once the fault clears."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from stockade.domain.account import Account
from stockade.errors import StorageUnavailableError
from stockade.store.sqlite import SqliteStore
from stockade.types import AccountId

ACCOUNT = AccountId("123456789012")
WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_write_while_another_process_holds_the_lock(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.db", busy_timeout_s=0.1)
    with store.write() as tx:
        tx.accounts.put(Account(ACCOUNT, "first", WHEN))
    holder = sqlite3.connect(tmp_path / "store.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StorageUnavailableError) as caught, store.write() as tx:
            tx.accounts.put(Account(ACCOUNT, "second", WHEN))
        assert caught.value.reason == "locked"
        with store.read() as tx:  # reads go on (WAL)
            account = tx.accounts.get(ACCOUNT)
        assert account is not None
        assert account.name == "first"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with store.write() as tx:  # the same connection writes again
        tx.accounts.put(Account(ACCOUNT, "third", WHEN))
    with store.read() as tx:
        account = tx.accounts.get(ACCOUNT)
    assert account is not None
    assert account.name == "third"
    store.close()
