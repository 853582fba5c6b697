"""Resolving an access key id to its credential: role sessions bind to the role's unique id."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from stockade.clock import FakeClock
from stockade.domain.iam import IamRole, RoleSession
from stockade.domain.identity import PrincipalKind
from stockade.services.identity import (
    Identities,
    IssuedSession,
    issue_role_session,
    new_unique_id,
    session_of,
)
from stockade.store.sqlite import SqliteStore
from stockade.types import AccessKeyId, AccountId

TRUST = json.dumps({"Version": "2012-10-17", "Statement": []})


@dataclass
class World:
    store: SqliteStore
    clock: FakeClock
    identities: Identities
    account: AccountId

    def role(self, name: str, path: str = "/") -> IamRole:
        role = IamRole(self.account, name, new_unique_id("AROA"), self.clock.now(), TRUST, path)
        with self.store.write() as tx:
            tx.roles.put(role)
        return role

    def delete(self, role: IamRole) -> None:
        with self.store.write() as tx:
            tx.roles.delete(role.account_id, role.name)

    def session(self, role: IamRole, name: str = "work") -> IssuedSession:
        return issue_role_session(self.store, self.clock, role, name, 900)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    clock = FakeClock()
    store = SqliteStore(tmp_path / "stockade.db")
    # A zero TTL: every resolution reads the store, as after an IAM change drops the cache.
    identities = Identities(store, clock, cache_ttl_s=0)
    account = identities.create_account("a").account.account_id
    try:
        yield World(store, clock, identities, AccountId(account))
    finally:
        store.close()


def test_a_session_of_a_live_role_resolves_to_its_role_id(world: World) -> None:
    role = world.role("app")
    issued = world.session(role)
    credential = world.identities.resolve(issued.session.access_key_id)
    assert credential is not None
    principal = credential.principal
    assert principal.kind is PrincipalKind.ASSUMED_ROLE
    assert principal.principal_id == f"{role.role_id}:work"  # what aws:userid is made of
    assert principal.role_arn == role.arn


def test_a_session_of_a_deleted_role_is_unknown(world: World) -> None:
    role = world.role("app")
    issued = world.session(role)
    world.delete(role)
    assert world.identities.resolve(issued.session.access_key_id) is None


def test_a_role_created_again_under_the_same_name_does_not_revive_old_sessions(
    world: World,
) -> None:
    first = world.role("app")
    old = world.session(first, "old")
    world.delete(first)
    second = world.role("app")
    assert second.arn == first.arn
    assert second.role_id != first.role_id
    assert world.identities.resolve(old.session.access_key_id) is None
    new = world.identities.resolve(world.session(second, "new").session.access_key_id)
    assert new is not None
    assert new.principal.principal_id == f"{second.role_id}:new"


def test_a_session_is_bound_to_the_role_id_and_the_arn() -> None:
    account = AccountId("111122223333")
    role = IamRole(account, "app", "AROAFIRST", FakeClock().now(), TRUST)
    session = RoleSession(
        AccessKeyId("ASIAEXAMPLE"), account, role.name, role.arn, role.role_id, "s", "secret",
        "0" * 64, role.created, role.created + timedelta(hours=1),
    )  # fmt: skip
    assert session_of(session, role)
    assert not session_of(session, None)
    assert not session_of(session, IamRole(account, "app", "AROASECOND", role.created, TRUST))
    moved = IamRole(account, "app", "AROAFIRST", role.created, TRUST, "/moved/")
    assert not session_of(session, moved)
