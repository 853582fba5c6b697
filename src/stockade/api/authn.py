"""Authenticate a request: SigV4 over the exact bytes received, against a known credential."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Protocol

from stockade.api import sigv4
from stockade.api.errors import ExpiredTokenError, UnrecognizedClientError
from stockade.api.http import HttpRequest
from stockade.domain.identity import Credential, KeyStatus, Principal

GLOBAL_SERVICES = frozenset({"iam"})
GLOBAL_SIGNING_REGION = "us-east-1"
_INVALID_TOKEN = "The security token included in the request is invalid."  # noqa: S105 (a message)


class CredentialResolver(Protocol):
    def resolve(self, access_key_id: str) -> Credential | None: ...


def authenticate(
    request: HttpRequest,
    service: str,
    region: str,
    now: datetime,
    resolver: CredentialResolver,
) -> Principal:
    """The principal that signed `request`, or an AuthenticationError. Order matters: nothing
    about a key's status is revealed to a caller who cannot sign with it."""
    claim = sigv4.parse_claim(request)
    # IAM is a global service: AWS tools sign it for us-east-1 whatever the client's region.
    if service in GLOBAL_SERVICES and claim.region == GLOBAL_SIGNING_REGION:
        region = GLOBAL_SIGNING_REGION
    sigv4.check_scope(claim, region, service)
    sigv4.check_freshness(claim, now)
    credential = resolver.resolve(claim.access_key_id)
    if credential is None:
        raise UnrecognizedClientError(_INVALID_TOKEN)
    sigv4.verify_signature(request, claim, credential.secret_access_key)
    check_credential(credential, claim.security_token, now)
    return credential.principal


def check_credential(credential: Credential, presented: str | None, now: datetime) -> None:
    """After the signature checked out: the session token, the key's status and expiry."""
    # Temporary credentials need their session token; long-term keys must not carry one.
    expected = credential.session_token_sha256
    if (expected is None) != (presented is None):
        raise UnrecognizedClientError(_INVALID_TOKEN)
    if expected is not None and presented is not None:
        digest = hashlib.sha256(presented.encode()).hexdigest()
        if not hmac.compare_digest(digest.encode(), expected.encode()):
            raise UnrecognizedClientError(_INVALID_TOKEN)
    if credential.status is not KeyStatus.ACTIVE:
        raise UnrecognizedClientError(_INVALID_TOKEN)
    if credential.expires_at is not None and now >= credential.expires_at:
        raise ExpiredTokenError("The security token included in the request is expired")
