"""Store.read_memo: a value is reused only while nothing has been committed since."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from stockade.domain.account import Account
from stockade.store.sqlite import SqliteStore, SqliteTransaction
from stockade.types import AccountId

ACCOUNT = AccountId("111122223333")


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    made = SqliteStore(tmp_path / "store.db")
    with made.write() as tx:
        tx.accounts.put(Account(ACCOUNT, "first", datetime(2026, 1, 1, tzinfo=UTC)))
    return made


def alias_of(store: SqliteStore, loads: list[str]) -> str:
    """The account's name through the memo; `loads` records every real read."""

    def load(tx: SqliteTransaction) -> str:
        account = tx.accounts.get(ACCOUNT)
        assert account is not None
        loads.append(account.name)
        return account.name

    return store.read_memo(("name", ACCOUNT), load)


def test_a_value_is_reused_until_a_commit_then_read_again(store: SqliteStore) -> None:
    loads: list[str] = []
    assert alias_of(store, loads) == "first"
    assert alias_of(store, loads) == "first"
    assert loads == ["first"]
    with store.write() as tx:
        tx.accounts.put(Account(ACCOUNT, "second", datetime(2026, 1, 1, tzinfo=UTC)))
    assert alias_of(store, loads) == "second"
    assert loads == ["first", "second"]


def test_a_commit_by_another_process_connection_is_seen(store: SqliteStore, tmp_path: Path) -> None:
    loads: list[str] = []
    assert alias_of(store, loads) == "first"
    # Another connection to the same file, as another process (e.g. an operator command) has.
    other = sqlite3.connect(tmp_path / "store.db", isolation_level=None)
    try:
        other.execute("UPDATE accounts SET doc = replace(doc, '\"first\"', '\"third\"')")
    finally:
        other.close()
    # Seen within the store's 50 ms check interval (polled, bounded in time).
    deadline = time.monotonic() + 1.0
    while alias_of(store, loads) != "third" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert alias_of(store, loads) == "third"
    assert loads[-1] == "third"


def test_no_memo_inside_an_open_read(store: SqliteStore) -> None:
    loads: list[str] = []
    with store.read():
        alias_of(store, loads)
        alias_of(store, loads)
    assert loads == ["first", "first"]


def test_each_thread_has_its_own_memo(store: SqliteStore) -> None:
    loads: list[str] = []
    alias_of(store, loads)
    thread = threading.Thread(target=alias_of, args=(store, loads))
    thread.start()
    thread.join()
    assert loads == ["first", "first"]
