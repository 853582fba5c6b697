"""Who signed an S3 request (botocore's S3 signers), refused with S3's codes."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from stockade.api.http import HttpRequest
from stockade.api.s3_authn import authenticate_s3
from stockade.api.s3_sigv4 import PayloadKind
from stockade.domain.identity import Credential, KeyStatus, Principal, PrincipalKind
from stockade.services.s3.errors import (
    ExpiredTokenError,
    InvalidAccessKeyIdError,
    InvalidTokenError,
    SignatureDoesNotMatchError,
)
from stockade.types import AccessKeyId, AccountId
from tests.unit.api.s3_wire import KEY, REGION, SECRET, to_http

TOKEN = "session-token-" + "y" * 40
PRINCIPAL = Principal(
    kind=PrincipalKind.ASSUMED_ROLE,
    account_id=AccountId("123456789012"),
    arn="arn:aws:sts::123456789012:assumed-role/uploader/s",
    principal_id="AROAEXAMPLE:s",
    name="s",
    access_key_id=AccessKeyId(KEY),
)


class Resolver:
    def __init__(self, credential: Credential) -> None:
        self.credential = credential

    def resolve(self, access_key_id: str) -> Credential | None:
        return self.credential if access_key_id == KEY else None


def credential(
    status: KeyStatus = KeyStatus.ACTIVE, expires_at: datetime | None = None
) -> Credential:
    return Credential(
        access_key_id=AccessKeyId(KEY),
        secret_access_key=SECRET,
        principal=PRINCIPAL,
        status=status,
        session_token_sha256=hashlib.sha256(TOKEN.encode()).hexdigest(),
        expires_at=expires_at,
    )


def header_signed(token: str = TOKEN, key: str = KEY, secret: str = SECRET) -> HttpRequest:
    request = AWSRequest(method="PUT", url="http://127.0.0.1:9000/bucket/k", data=b"body")
    S3SigV4Auth(Credentials(key, secret, token), "s3", REGION).add_auth(request)
    return to_http(request)


def presigned(token: str = TOKEN) -> HttpRequest:
    request = AWSRequest(method="GET", url="http://127.0.0.1:9000/bucket/k")
    S3SigV4QueryAuth(Credentials(KEY, SECRET, token), "s3", REGION, expires=300).add_auth(request)
    parts = urlsplit(request.url)
    return HttpRequest("GET", parts.path, parts.query, {"host": parts.netloc}, b"")


def now() -> datetime:
    """The time each check runs at: botocore signs with the real clock, as each test runs
    (a time taken at import would be minutes old when a long suite reaches the test)."""
    return datetime.now(UTC)


def test_a_signed_request_names_its_principal_and_its_body_plan() -> None:
    caller = authenticate_s3(
        header_signed(), REGION, now(), Resolver(credential(expires_at=now() + timedelta(hours=1)))
    )
    assert caller.principal == PRINCIPAL
    assert caller.plan is not None
    assert caller.plan.kind is PayloadKind.SHA256
    caller = authenticate_s3(
        presigned(), REGION, now(), Resolver(credential(expires_at=now() + timedelta(hours=1)))
    )
    assert caller.principal == PRINCIPAL
    assert caller.plan is not None
    assert caller.plan.kind is PayloadKind.UNSIGNED


def test_an_unsigned_request_is_anonymous() -> None:
    request = HttpRequest("GET", "/bucket/k", "", {"host": "h"}, b"")
    caller = authenticate_s3(request, REGION, now(), Resolver(credential()))
    assert (caller.principal, caller.plan) == (None, None)


def test_an_unknown_key_is_an_invalid_access_key_id() -> None:
    with pytest.raises(InvalidAccessKeyIdError) as caught:
        authenticate_s3(
            header_signed(key="AKIAUNKNOWNUNKNOWN00"), REGION, now(), Resolver(credential())
        )
    assert caught.value.http_status == 403
    assert caught.value.wire_fields() == {"AWSAccessKeyId": "AKIAUNKNOWNUNKNOWN00"}


def test_a_wrong_session_token_is_an_invalid_token() -> None:
    with pytest.raises(InvalidTokenError):
        authenticate_s3(header_signed(token="other"), REGION, now(), Resolver(credential()))
    with pytest.raises(InvalidTokenError):
        authenticate_s3(presigned(token="other"), REGION, now(), Resolver(credential()))


def test_expired_session_credentials_are_an_expired_token() -> None:
    expired = credential(expires_at=now() - timedelta(seconds=1))
    with pytest.raises(ExpiredTokenError, match="The provided token has expired"):
        authenticate_s3(header_signed(), REGION, now(), Resolver(expired))


def test_an_inactive_key_is_only_revealed_to_its_signer() -> None:
    inactive = Resolver(credential(status=KeyStatus.INACTIVE))
    with pytest.raises(SignatureDoesNotMatchError):
        authenticate_s3(header_signed(secret=SECRET + "x"), REGION, now(), inactive)
    with pytest.raises(InvalidTokenError):
        authenticate_s3(header_signed(), REGION, now(), inactive)
