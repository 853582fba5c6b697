"""The index that finds a function by its URL id: kept by every put and delete of the function,
and built by its migration from URLs configured before it existed."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from stockade.domain.function import Function
from stockade.domain.function_url import FunctionUrlConfig, FunctionUrlOwner, new_url_id
from stockade.store import codec
from stockade.store.sqlite import SqliteStore
from stockade.store.sqlite_schema import MIGRATIONS
from stockade.types import AccountId

ACCOUNT = AccountId("111122223333")
NOW = datetime(2026, 1, 1, tzinfo=UTC)
INDEXED = next(i for i, script in enumerate(MIGRATIONS) if "CREATE TABLE function_urls" in script)


def url(qualifier: str) -> FunctionUrlConfig:
    return FunctionUrlConfig(qualifier, new_url_id(), "NONE", NOW, NOW)


def test_put_and_delete_keep_the_index(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.db")
    own, alias = url("$LATEST"), url("live")
    function = Function(ACCOUNT, "f", NOW, url_configs={"$LATEST": own, "live": alias})
    with store.write() as tx:
        tx.functions.put(function)
    with store.read() as tx:
        assert tx.functions.by_url_id(own.url_id) == FunctionUrlOwner(ACCOUNT, "f", "$LATEST")
        assert tx.functions.by_url_id(alias.url_id) == FunctionUrlOwner(ACCOUNT, "f", "live")
    with store.write() as tx:  # the alias's URL deleted: its id no longer finds anything
        tx.functions.put(replace(function, url_configs={"$LATEST": own}))
    with store.read() as tx:
        assert tx.functions.by_url_id(alias.url_id) is None
        assert tx.functions.by_url_id(own.url_id) is not None
    with store.write() as tx:
        tx.functions.delete(ACCOUNT, "f")
    with store.read() as tx:
        assert tx.functions.by_url_id(own.url_id) is None
    store.close()


def test_urls_configured_before_the_index_are_indexed_by_its_migration(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    own = url("$LATEST")
    doc = codec.DocCodec().dumps(Function(ACCOUNT, "old", NOW, url_configs={"$LATEST": own}))
    with sqlite3.connect(path) as conn:
        for number, script in enumerate(MIGRATIONS[:INDEXED], start=1):
            conn.executescript(f"{script}\nPRAGMA user_version={number};")
        conn.execute("INSERT INTO functions VALUES (?, ?, ?)", (ACCOUNT, "old", doc))
        conn.execute("INSERT INTO functions VALUES (?, ?, ?)", (ACCOUNT, "plain", "{}"))
    conn.close()
    store = SqliteStore(path)
    with store.read() as tx:
        assert tx.functions.by_url_id(own.url_id) == FunctionUrlOwner(ACCOUNT, "old", "$LATEST")
    store.close()
