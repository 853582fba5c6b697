"""The migration that gives configuration items their resource type: a function's items written
before it load after it, as `AWS::Lambda::Function`, and an EC2 resource may share a function's
name without sharing its history."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from stockade.domain.configuration_item import ConfigurationItem, ItemStatus
from stockade.store import codec
from stockade.store.sqlite import SqliteStore
from stockade.store.sqlite_schema import MIGRATIONS
from stockade.types import AccountId

ACCOUNT = AccountId("111122223333")
TYPED = next(i for i, script in enumerate(MIGRATIONS) if "configuration_items_typed" in script)


def item(name: str, resource_type: str, state_id: int = 1) -> ConfigurationItem:
    return ConfigurationItem(ACCOUNT, "us-east-1", name, f"arn:{name}", state_id,
                             datetime(2026, 1, 1, tzinfo=UTC), ItemStatus.DISCOVERED,
                             '{"a":1}', resource_type=resource_type)  # fmt: skip


def test_items_written_before_the_migration_are_functions_after_it(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    old = json.loads(codec.DocCodec().dumps(item("vpc-0a", "AWS::Lambda::Function")))
    old.pop("resource_type")  # as a store before the migration wrote it
    with sqlite3.connect(path) as conn:
        for number, script in enumerate(MIGRATIONS[:TYPED], start=1):
            conn.executescript(f"{script}\nPRAGMA user_version={number};")
        conn.execute("INSERT INTO configuration_items VALUES (?, ?, ?, ?, ?)",
                     (ACCOUNT, "vpc-0a", 1, "ResourceDiscovered", json.dumps(old)))  # fmt: skip
    conn.close()
    store = SqliteStore(path)
    with store.write() as tx:
        [loaded] = tx.configuration_items.history(ACCOUNT, "vpc-0a")
        assert loaded.resource_type == "AWS::Lambda::Function"
        # A VPC named like the function has a history of its own.
        tx.configuration_items.add(item("vpc-0a", "AWS::EC2::VPC"))
    with store.read() as tx:
        assert [i.resource_type for i in tx.configuration_items.history(ACCOUNT, "vpc-0a")] == [
            "AWS::Lambda::Function"
        ]
        vpc = tx.configuration_items.latest(ACCOUNT, "vpc-0a", "AWS::EC2::VPC")
        assert vpc is not None
        assert vpc.resource_type == "AWS::EC2::VPC"
        # Compliance evaluates functions only.
        assert [i.resource_type for i in tx.configuration_items.current(ACCOUNT)] == [
            "AWS::Lambda::Function"
        ]
    store.close()
