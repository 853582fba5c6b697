"""Authentication of temporary credentials: the token must match and the session be current."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from stockade.api.authn import authenticate
from stockade.api.errors import ExpiredTokenError, UnrecognizedClientError
from stockade.domain.identity import Credential, KeyStatus, Principal, PrincipalKind
from stockade.types import AccessKeyId, AccountId
from tests.unit.api.test_sigv4 import KEY, REGION, SECRET, signed

TOKEN = "session-token-" + "x" * 40
ROLE = "arn:aws:iam::123456789012:role/fn-role"


class Resolver:
    def __init__(self, credential: Credential) -> None:
        self.credential = credential

    def resolve(self, access_key_id: str) -> Credential | None:
        return self.credential if access_key_id == KEY else None


def session(expires_at: datetime, status: KeyStatus = KeyStatus.ACTIVE) -> Credential:
    principal = Principal(
        kind=PrincipalKind.ASSUMED_ROLE,
        account_id=AccountId("123456789012"),
        arn="arn:aws:sts::123456789012:assumed-role/fn-role/fn",
        principal_id="AROAEXAMPLE:fn",
        name="fn",
        access_key_id=AccessKeyId(KEY),
        role_arn=ROLE,
    )
    return Credential(
        access_key_id=AccessKeyId(KEY),
        secret_access_key=SECRET,
        principal=principal,
        status=status,
        session_token_sha256=hashlib.sha256(TOKEN.encode()).hexdigest(),
        expires_at=expires_at,
    )


def test_current_session_credentials_authenticate() -> None:
    request, now = signed(token=TOKEN)
    principal = authenticate(
        request, "lambda", REGION, now, Resolver(session(now + timedelta(hours=1)))
    )
    assert principal.role_arn == ROLE


def test_expired_session_credentials_are_refused() -> None:
    request, now = signed(token=TOKEN)
    expired = session(now - timedelta(seconds=1))
    with pytest.raises(ExpiredTokenError):
        authenticate(request, "lambda", REGION, now, Resolver(expired))


def test_session_credentials_need_their_exact_token() -> None:
    request, now = signed(token=TOKEN + "tampered")
    with pytest.raises(UnrecognizedClientError):
        authenticate(request, "lambda", REGION, now, Resolver(session(now + timedelta(hours=1))))
    missing, now = signed(token=None)
    with pytest.raises(UnrecognizedClientError):
        authenticate(missing, "lambda", REGION, now, Resolver(session(now + timedelta(hours=1))))


def test_inactive_credentials_are_refused() -> None:
    request, now = signed(token=TOKEN)
    inactive = session(datetime.now(UTC) + timedelta(hours=1), KeyStatus.INACTIVE)
    with pytest.raises(UnrecognizedClientError):
        authenticate(request, "lambda", REGION, now, Resolver(inactive))
