"""A KMS service on a real key store, a real root key and the kernel's real authorizer, with
callers in two accounts; operations are called in the kernel's order (validate, decide every
declared need, run)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from stockade.clock import FakeClock
from stockade.crypto import AesRootKey, EnvelopeCipher
from stockade.domain.account import IamUser
from stockade.domain.iam import InlinePolicy, OwnerKind
from stockade.domain.identity import Principal, PrincipalKind
from stockade.kernel.authorizer import PolicyAuthorizer
from stockade.services.context import RequestContext
from stockade.services.identity import Identities
from stockade.services.kms import KmsService
from stockade.store.sqlite import SqliteStore
from stockade.store.sqlite_keys import SqliteKeyStore
from stockade.types import AccountId, Region, RequestId
from tests.support.tables import call

REGION = Region("us-east-1")


@dataclass
class World:
    kms: KmsService
    authorizer: PolicyAuthorizer
    clock: FakeClock
    admin: RequestContext
    user: RequestContext  # has kms:* in its identity policy
    keys: SqliteKeyStore
    stranger: RequestContext  # the administrator of another account
    nobody: RequestContext  # a user of the first account with no policy at all

    def call(self, ctx: RequestContext, op: str, **params: Any) -> Any:
        return call(self.kms.table(), self.authorizer, fresh(ctx), op, params)

    def new_key(self, **params: Any) -> str:
        key_id: str = self.call(self.admin, "CreateKey", **params)["KeyMetadata"]["KeyId"]
        return key_id


def fresh(ctx: RequestContext) -> RequestContext:
    """`ctx` as a new request (request ids are unique per request, as the edge makes them)."""
    return replace(ctx, request_id=RequestId(str(uuid.uuid4())))


def context_of(principal: Principal) -> RequestContext:
    return RequestContext(RequestId("r"), principal, REGION, "127.0.0.1", "test", True,
                          datetime(2026, 1, 1, tzinfo=UTC), "")  # fmt: skip


def _administrator(store: SqliteStore, identities: Identities, name: str) -> RequestContext:
    account_id = AccountId(identities.create_account(name).account.account_id)
    with store.read() as tx:
        admin = tx.users.all_in(account_id)[0]
    return context_of(
        Principal(PrincipalKind.IAM_USER, account_id, admin.arn, admin.user_id, admin.name)
    )


@contextmanager
def open_world(tmp_path: Path) -> Iterator[World]:
    clock = FakeClock()
    store = SqliteStore(tmp_path / "stockade.db")
    identities = Identities(store, clock)
    admin = _administrator(store, identities, "a")
    account_id = admin.principal.account_id
    user = IamUser(account_id, "bob", "AIDABOB", clock.now())
    nobody = IamUser(account_id, "nobody", "AIDANOBODY", clock.now())
    with store.write() as tx:
        tx.users.put(user)
        tx.users.put(nobody)
        tx.policies.put_inline(InlinePolicy(account_id, OwnerKind.USER, "bob", "kms", json.dumps(
            {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]})))  # fmt: skip
    stranger = _administrator(store, identities, "b")
    keys = SqliteKeyStore(tmp_path / "keys.db")
    kms = KmsService(keys, EnvelopeCipher(AesRootKey(os.urandom(32))), clock)
    bob = context_of(Principal(PrincipalKind.IAM_USER, account_id, user.arn, user.user_id, "bob"))
    try:
        yield World(kms, PolicyAuthorizer(store, cache_ttl_s=0), clock, admin, bob, keys,
                    stranger, context_of(Principal(PrincipalKind.IAM_USER, account_id, nobody.arn,
                                                   nobody.user_id, "nobody")))  # fmt: skip
    finally:
        keys.close()
        store.close()
