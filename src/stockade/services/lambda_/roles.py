"""Execution roles: checked when given to a function, assumed for it when it runs.

Giving a role to a function needs `iam:PassRole` on the role (with `iam:PassedToService`
= lambda.amazonaws.com; the operations declare it), and the role must exist in the function's
account and trust `lambda.amazonaws.com`. At invocation the Lambda service principal assumes the
role (the trust policy is evaluated again: a role whose trust was withdrawn stops working) and
the temporary credentials are handed to the environment as AWS_ACCESS_KEY_ID /
AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN. Sessions are cached per role and renewed well before
they expire; an environment never outlives the credentials it was started with.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from stockade import policy
from stockade.clock import Clock
from stockade.domain.iam import IamRole
from stockade.domain.identity import Principal, PrincipalKind
from stockade.policy import (
    AttachedPolicy,
    AuthorizationRequest,
    PolicyKind,
    PolicySet,
    RequestPrincipal,
)
from stockade.services.declaration import Need
from stockade.services.identity import issue_role_session
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import InvalidParameterValueError
from stockade.store.ports import Store, Transaction
from stockade.types import AccountId

LAMBDA_SERVICE = "lambda.amazonaws.com"
CANNOT_ASSUME = "The role defined for the function cannot be assumed by Lambda."
SESSION_S = 6 * 3600
RENEW_BEFORE_S = 2 * 3600  # a cached session is used only while this much of it is left
LIFETIME_MARGIN_S = 300  # environments stop this long before their credentials expire


@dataclass(frozen=True)
class RoleCredentials:
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expires: datetime
    principal: Principal  # the role session the function acts as

    def environment(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_SESSION_TOKEN": self.session_token,
        }


def pass_role_need(role_arn: str) -> Need:
    """What giving `role_arn` to a function needs of the caller."""
    return Need("iam:PassRole", role_arn, context={"iam:PassedToService": (LAMBDA_SERVICE,)})


def check_role(deps: LambdaDeps, account_id: AccountId, role_arn: str) -> None:
    """Refuse a role Lambda could not assume (passing it was authorized: `pass_role_need`)."""
    with deps.store.read() as tx:
        role = _load(tx.roles.get, account_id, role_arn)
    if role is None or not trusts_lambda(role, deps.clock):
        raise InvalidParameterValueError(CANNOT_ASSUME)


def trusts_lambda(role: IamRole, clock: Clock) -> bool:
    try:
        trust = policy.parse_policy(role.trust_policy, PolicyKind.TRUST)
    except policy.MalformedPolicyDocumentError:
        return False
    principal = RequestPrincipal.service(LAMBDA_SERVICE)
    request = AuthorizationRequest(
        principal=principal,
        action="sts:AssumeRole",
        resource=role.arn,
        resource_account=role.account_id,
        context=policy.global_context(principal, now=clock.now(), secure_transport=True),
    )
    return policy.evaluate(request, PolicySet(resource=AttachedPolicy(role.arn, trust))).allowed


class RoleSessions:
    """Lambda's sessions of execution roles, cached per role."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], RoleCredentials] = {}

    def cached(self, role_arn: str, session_name: str) -> RoleCredentials | None:
        """The cached session if it is still fresh enough; never touches the store."""
        with self._lock:
            found = self._cache.get((role_arn, session_name))
        if found is not None and found.expires - self._clock.now() > timedelta(
            seconds=RENEW_BEFORE_S
        ):
            return found
        return None

    def credentials(
        self, account_id: AccountId, role_arn: str, session_name: str
    ) -> RoleCredentials:
        key = (role_arn, session_name)
        cached = self.cached(role_arn, session_name)
        if cached is not None:
            return cached
        with self._store.read() as tx:
            role = _load(tx.roles.get, account_id, role_arn)
        if role is None or not trusts_lambda(role, self._clock):
            raise InvalidParameterValueError(CANNOT_ASSUME)
        issued = issue_role_session(self._store, self._clock, role, session_name, SESSION_S)
        session = issued.session
        fresh = RoleCredentials(
            session.access_key_id,
            session.secret_access_key,
            issued.session_token,
            session.expires,
            Principal(
                kind=PrincipalKind.ASSUMED_ROLE,
                account_id=session.account_id,
                arn=session.arn,
                principal_id=f"{session.role_id}:{session.session_name}",
                name=session.session_name,
                access_key_id=session.access_key_id,
                role_arn=session.role_arn,
            ),
        )
        with self._lock:
            self._cache[key] = fresh
        return fresh

    def forget(self) -> None:
        """Drop every cached session (IAM changed): a role deleted and created again under the
        same name is a new role, and its predecessor's sessions no longer authenticate."""
        with self._lock:
            self._cache.clear()

    def lifetime_s(self, credentials: RoleCredentials) -> float:
        """How long an environment started now with `credentials` may live."""
        left = (credentials.expires - self._clock.now()).total_seconds()
        return max(60.0, left - LIFETIME_MARGIN_S)


def _load(
    get: Callable[[AccountId, str], IamRole | None], account_id: AccountId, role_arn: str
) -> IamRole | None:
    """The role an ARN names, if it is in `account_id` (Lambda assumes same-account roles)."""
    parts = role_arn.split(":", 5)
    if len(parts) != 6 or parts[4] != account_id or not parts[5].startswith("role/"):
        return None
    role = get(account_id, parts[5].rsplit("/", 1)[-1])
    if role is None or role.arn != role_arn:
        return None
    return role


def role_named(tx: Transaction, account_id: AccountId, role_arn: str) -> IamRole | None:
    """The role `role_arn` names in `account_id`, read in `tx`."""
    return _load(tx.roles.get, account_id, role_arn)
