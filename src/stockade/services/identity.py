"""Accounts and credentials: creating them, and resolving an access key to its principal."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field

from stockade.clock import Clock
from stockade.domain.account import AccessKey, Account, IamUser
from stockade.domain.iam import OwnerKind
from stockade.domain.identity import Credential, KeyStatus, Principal, PrincipalKind
from stockade.services.iam.managed import ADMINISTRATOR_ACCESS
from stockade.store.ports import Store
from stockade.types import AccessKeyId, AccountId

_BASE32 = string.ascii_uppercase + "234567"
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"
ADMIN_USER = "stockade-admin"
SESSION_KEY_PREFIX = "ASIA"


def new_account_id() -> AccountId:
    return AccountId(str(secrets.randbelow(9 * 10**11) + 10**11))


def _unique(prefix: str, length: int) -> str:
    return prefix + "".join(secrets.choice(_BASE32) for _ in range(length))


def new_access_key_id(prefix: str = "AKIA") -> AccessKeyId:
    return AccessKeyId(_unique(prefix, 16))


def new_secret() -> str:
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))


def new_user_id() -> str:
    return _unique("AIDA", 17)


def new_unique_id(prefix: str) -> str:
    """An IAM unique id: AROA (role), AGPA (group), ANPA (policy), ..."""
    return _unique(prefix, 17)


@dataclass(frozen=True)
class NewAccount:
    account: Account
    access_key_id: AccessKeyId
    secret_access_key: str = field(repr=False)


class Identities:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def create_account(self, name: str) -> NewAccount:
        """A new account with an administrator user (AdministratorAccess) and an access key."""
        now = self._clock.now()
        with self._store.write() as tx:
            account_id = new_account_id()
            while tx.accounts.get(account_id) is not None:
                account_id = new_account_id()
            account = Account(account_id, name, now)
            user = IamUser(account_id, ADMIN_USER, new_user_id(), now)
            key = AccessKey(new_access_key_id(), account_id, user.name, new_secret(), now)
            tx.accounts.put(account)
            tx.users.put(user)
            tx.access_keys.put(key)
            tx.policies.attach(account_id, OwnerKind.USER, user.name, ADMINISTRATOR_ACCESS.arn)
        return NewAccount(account, key.access_key_id, key.secret_access_key)

    def resolve(self, access_key_id: str) -> Credential | None:
        """The credential an access key id stands for, or None if unknown."""
        if access_key_id.startswith(SESSION_KEY_PREFIX):
            return self._resolve_session(access_key_id)
        with self._store.read() as tx:
            key = tx.access_keys.get(AccessKeyId(access_key_id))
            if key is None:
                return None
            user = tx.users.get(key.account_id, key.user_name)
        if user is None:
            return None
        principal = Principal(
            kind=PrincipalKind.IAM_USER,
            account_id=key.account_id,
            arn=user.arn,
            principal_id=user.user_id,
            name=user.name,
            access_key_id=key.access_key_id,
        )
        return Credential(
            access_key_id=key.access_key_id,
            secret_access_key=key.secret_access_key,
            principal=principal,
            status=KeyStatus(key.status),
        )

    def _resolve_session(self, access_key_id: str) -> Credential | None:
        with self._store.read() as tx:
            session = tx.sessions.get(AccessKeyId(access_key_id))
        if session is None:
            return None
        principal = Principal(
            kind=PrincipalKind.ASSUMED_ROLE,
            account_id=session.account_id,
            arn=session.arn,
            principal_id=f"{session.role_id}:{session.session_name}",
            name=session.session_name,
            access_key_id=session.access_key_id,
            role_arn=session.role_arn,
            session_policy=session.session_policy,
        )
        return Credential(
            access_key_id=session.access_key_id,
            secret_access_key=session.secret_access_key,
            principal=principal,
            session_token_sha256=session.token_sha256,
            expires_at=session.expires,
        )
