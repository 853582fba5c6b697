"""Resource policies in the store (deleted with their resource) and in every authorisation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from stockade.domain.arn import function_arn, layer_arn
from stockade.domain.function import Alias, Code, Function, FunctionConfig, FunctionVersion
from stockade.domain.identity import Principal, PrincipalKind
from stockade.domain.layer import LayerVersion
from stockade.domain.resource_policy import (
    FunctionGrant,
    ResourcePolicy,
    function_statement,
    layer_statement,
)
from stockade.errors import ApiError
from stockade.policy import AttachedPolicy
from stockade.services.authz import ContextKeys, Decision
from stockade.services.context import RequestContext
from stockade.services.lambda_ import names
from stockade.services.lambda_.code_urls import CodeUrlSigner
from stockade.services.lambda_.deps import LambdaDeps
from stockade.store.sqlite import SqliteStore
from stockade.types import AccountId, Region, RequestId, Sha256Hex

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


@dataclass
class RecordingAuthorizer:
    seen: list[tuple[str, AttachedPolicy | None]] = field(default_factory=list)

    def authorize(
        self,
        ctx: RequestContext,
        action: str,
        resource: str,
        denied: Callable[[str], ApiError],
        *,
        resource_policy: AttachedPolicy | None = None,
        context: ContextKeys | None = None,
        resource_policy_required: bool = False,
    ) -> Decision:
        self.seen.append((resource, resource_policy))
        return Decision(True, "recorded", action, resource)


def context() -> RequestContext:
    principal = Principal(PrincipalKind.IAM_USER, ACCOUNT, f"arn:aws:iam::{ACCOUNT}:user/u", "AIDA",
                          "u")  # fmt: skip
    return RequestContext(RequestId("r"), principal, REGION, "127.0.0.1", "test", False, NOW, "")


def deps(store: SqliteStore, authorizer: RecordingAuthorizer) -> LambdaDeps:
    unused = cast(Any, None)
    return LambdaDeps(store, unused, unused, authorizer, unused, REGION, "x86_64",
                      CodeUrlSigner(b"k"), unused)  # fmt: skip


def test_authorisation_passes_the_policy_of_the_named_resource(store: SqliteStore) -> None:
    alias_arn = function_arn(REGION, ACCOUNT, "f", "live")
    with store.write() as tx:
        tx.resource_policies.put_function_policy(ACCOUNT, "f", "live", policy_for(alias_arn, "*"))
        tx.resource_policies.put_function_policy(
            ACCOUNT, "f", "", policy_for(function_arn(REGION, ACCOUNT, "f"))
        )
        statement = layer_statement(
            "s", "lambda:GetLayerVersion", "*", layer_arn(REGION, ACCOUNT, "l", 2), None
        )
        tx.resource_policies.put_layer_policy(ACCOUNT, "l", 2, ResourcePolicy("r", (statement,)))
    recorder = RecordingAuthorizer()
    lambda_deps = deps(store, recorder)
    ctx = context()

    public = names.authorize(lambda_deps, ctx, "lambda:InvokeFunction", alias_arn)
    assert public.public_resource
    assert recorder.seen[-1][1] is not None
    assert recorder.seen[-1][1].policy_id == alias_arn

    latest = function_arn(REGION, ACCOUNT, "f", "$LATEST")
    assert not names.authorize(lambda_deps, ctx, "lambda:GetFunction", latest).public_resource
    assert recorder.seen[-1][1] is not None  # $LATEST shares the function's own policy

    assert names.authorize(lambda_deps, ctx, "lambda:GetLayerVersion",
                           layer_arn(REGION, ACCOUNT, "l", 2)).public_resource  # fmt: skip
    for resource in (
        "*",
        function_arn(REGION, ACCOUNT, "f", "1"),
        function_arn("eu-west-1", ACCOUNT, "f"),
        layer_arn(REGION, ACCOUNT, "l"),
        f"arn:aws:iam::{ACCOUNT}:role/r",
        "arn:broken",
    ):
        names.authorize(lambda_deps, ctx, "lambda:GetFunction", resource)
        assert recorder.seen[-1] == (resource, None)
