"""Accounts and credentials: creating them, and resolving an access key to its principal."""

from __future__ import annotations

import hashlib
import json
import secrets
import string
from dataclasses import dataclass, field
from datetime import timedelta

from stockade.clock import Clock
from stockade.domain.account import AccessKey, Account, IamUser
from stockade.domain.iam import IamRole, OwnerKind, RoleSession
from stockade.domain.identity import Credential, KeyStatus, Principal, PrincipalKind
from stockade.services.iam.managed import ADMINISTRATOR_ACCESS, LAMBDA_BASIC_EXECUTION
from stockade.services.ttl_cache import TtlCache
from stockade.store.ports import Store
from stockade.types import AccessKeyId, AccountId

_BASE32 = string.ascii_uppercase + "234567"
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"
ADMIN_USER = "stockade-admin"
SESSION_KEY_PREFIX = "ASIA"
# Every account starts with the execution role `stockade deploy` uses by default.
BASIC_EXECUTION_ROLE = "stockade-lambda-basic-execution"
LAMBDA_TRUST_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


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
    def __init__(self, store: Store, clock: Clock, cache_ttl_s: float = 1.0) -> None:
        self._store = store
        self._clock = clock
        self._credentials: TtlCache[Credential | None] = TtlCache(
            cache_ttl_s, monotonic=clock.monotonic
        )

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
            role = IamRole(
                account_id, BASIC_EXECUTION_ROLE, new_unique_id("AROA"), now, LAMBDA_TRUST_POLICY,
                description="Default execution role: writes logs, nothing else",
            )  # fmt: skip
            tx.roles.put(role)
            tx.policies.attach(account_id, OwnerKind.ROLE, role.name, LAMBDA_BASIC_EXECUTION.arn)
        return NewAccount(account, key.access_key_id, key.secret_access_key)

    def resolve(self, access_key_id: str) -> Credential | None:
        """The credential an access key id stands for, or None if unknown (cached briefly)."""
        return self._credentials.get_or_load(access_key_id, lambda: self._load(access_key_id))

    def forget(self) -> None:
        """Drop cached credentials (IAM changed)."""
        self._credentials.clear()

    def _load(self, access_key_id: str) -> Credential | None:
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
            role = None if session is None else tx.roles.get(session.account_id, session.role_name)
        if session is None or not session_of(session, role):
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


def session_of(session: RoleSession, role: IamRole | None) -> bool:
    """Whether `session` was issued for `role`, the role now bearing its name. Sessions bind
    to the role's unique id, as AWS's do: a role deleted and created again under the same name
    is a new role, and the old one's sessions are unknown credentials from then on."""
    return role is not None and role.role_id == session.role_id and role.arn == session.role_arn


@dataclass(frozen=True)
class IssuedSession:
    """Temporary credentials, as handed out once; only a digest of the token is stored."""

    session: RoleSession
    session_token: str = field(repr=False)


def issue_role_session(
    store: Store,
    clock: Clock,
    role: IamRole,
    session_name: str,
    duration_s: int,
    session_policy: str | None = None,
) -> IssuedSession:
    """Store and return a new session of `role`. Callers decide who may assume it."""
    now = clock.now()
    token = secrets.token_urlsafe(96)
    session = RoleSession(
        access_key_id=new_access_key_id(SESSION_KEY_PREFIX),
        account_id=role.account_id,
        role_name=role.name,
        role_arn=role.arn,
        role_id=role.role_id,
        session_name=session_name,
        secret_access_key=new_secret(),
        token_sha256=hashlib.sha256(token.encode()).hexdigest(),
        created=now,
        expires=(now + timedelta(seconds=duration_s)).replace(microsecond=0),
        session_policy=session_policy,
    )
    with store.write() as tx:
        tx.sessions.delete_expired(now.isoformat())
        tx.sessions.put(session)
    return IssuedSession(session, token)
