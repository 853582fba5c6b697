"""Resource policies in the store: deleted with their resource, kept across its updates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from stockade.domain.arn import layer_arn
from stockade.domain.function import Alias, Code, Function, FunctionConfig, FunctionVersion
from stockade.domain.layer import LayerVersion
from stockade.domain.resource_policy import (
    FunctionGrant,
    ResourcePolicy,
    function_statement,
    layer_statement,
)
from stockade.store.sqlite import SqliteStore
from stockade.types import AccountId, Region, Sha256Hex

ACCOUNT = AccountId("111122223333")
REGION = Region("us-east-1")
NOW = datetime(2024, 1, 1, tzinfo=UTC)
CODE = Code(Sha256Hex("00" * 32), 1, 1)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore(tmp_path / "stockade.db")
    yield opened
    opened.close()


def version(number: str, revision: str = "r") -> FunctionVersion:
    return FunctionVersion(ACCOUNT, "f", number, FunctionConfig("python3.11", "a.h", "role"), CODE,
                           revision, NOW)  # fmt: skip


def policy_for(resource: str, principal: str = "444455556666") -> ResourcePolicy:
    grant = FunctionGrant("s", "lambda:InvokeFunction", principal, resource)
    return ResourcePolicy("rev", (function_statement(grant),))


def test_policies_die_with_their_version_alias_function_and_layer_version(
    store: SqliteStore,
) -> None:
    with store.write() as tx:
        tx.functions.put(Function(ACCOUNT, "f", NOW))
        for number in ("$LATEST", "1"):
            tx.versions.put(version(number))
        tx.aliases.put(Alias(ACCOUNT, "f", "live", "1", "r"))
        tx.layers.put_version(LayerVersion(ACCOUNT, "l", 1, CODE, NOW))
        for qualifier in ("", "1", "live"):
            tx.resource_policies.put_function_policy(ACCOUNT, "f", qualifier, policy_for("x"))
        statement = layer_statement(
            "s", "lambda:GetLayerVersion", "*", layer_arn(REGION, ACCOUNT, "l", 2), None
        )
        tx.resource_policies.put_layer_policy(ACCOUNT, "l", 1, ResourcePolicy("r", (statement,)))
    with store.write() as tx:  # replacing a resource keeps its policy
        tx.versions.put(version("$LATEST", "r2"))
        tx.aliases.put(Alias(ACCOUNT, "f", "live", "1", "r2"))
    with store.read() as tx:
        for qualifier in ("", "1", "live"):
            assert tx.resource_policies.get_function_policy(ACCOUNT, "f", qualifier) is not None
    with store.write() as tx:
        tx.aliases.delete(ACCOUNT, "f", "live")
        tx.versions.delete(ACCOUNT, "f", "1")
        tx.layers.delete_version(ACCOUNT, "l", 1)
    with store.read() as tx:
        assert tx.resource_policies.get_function_policy(ACCOUNT, "f", "live") is None
        assert tx.resource_policies.get_function_policy(ACCOUNT, "f", "1") is None
        assert tx.resource_policies.get_function_policy(ACCOUNT, "f", "") is not None
        assert tx.resource_policies.get_layer_policy(ACCOUNT, "l", 1) is None
    with store.write() as tx:
        tx.functions.delete(ACCOUNT, "f")
    with store.read() as tx:
        assert tx.resource_policies.get_function_policy(ACCOUNT, "f", "") is None
