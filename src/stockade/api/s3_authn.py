"""Authenticate an S3 request: who signed it (or nobody: S3 serves anonymous callers where a
policy allows), and what its body must still prove.

The same order as every other service (authn.authenticate): nothing about a key's status is
revealed to a caller who cannot sign with it. The refusals carry S3's codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from stockade.api import s3_sigv4
from stockade.api.authn import CredentialResolver, check_credential
from stockade.api.errors import ExpiredTokenError, UnrecognizedClientError
from stockade.api.http import HttpRequest
from stockade.api.s3_sigv4 import PayloadPlan
from stockade.domain.identity import Principal
from stockade.services.s3 import errors as s3


@dataclass(frozen=True)
class S3Caller:
    """The signer and the body's plan; both None for an anonymous request."""

    principal: Principal | None
    plan: PayloadPlan | None


def authenticate_s3(
    request: HttpRequest, region: str, now: datetime, resolver: CredentialResolver
) -> S3Caller:
    claim = s3_sigv4.parse_s3_claim(request)
    if claim is None:
        return S3Caller(None, None)
    s3_sigv4.check_s3_scope(claim, region)
    s3_sigv4.check_s3_freshness(claim, now)
    credential = resolver.resolve(claim.access_key_id)
    if credential is None:
        raise s3.InvalidAccessKeyIdError(AWSAccessKeyId=claim.access_key_id[:128])
    plan = s3_sigv4.verify_s3_request(request, claim, credential.secret_access_key, region, now)
    try:
        check_credential(credential, claim.security_token, now)
    except ExpiredTokenError as exc:
        raise s3.ExpiredTokenError() from exc
    except UnrecognizedClientError as exc:
        if claim.security_token is not None:
            raise s3.InvalidTokenError() from exc
        raise s3.InvalidAccessKeyIdError(AWSAccessKeyId=claim.access_key_id[:128]) from exc
    return S3Caller(credential.principal, plan)
