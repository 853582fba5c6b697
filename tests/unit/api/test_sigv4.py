"""SigV4 verification, checked against botocore's own signer (what boto3 sends)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from stockade.api import sigv4
from stockade.api.errors import (
    IncompleteSignatureError,
    InvalidSignatureError,
    MissingAuthenticationTokenError,
)
from stockade.api.http import HttpRequest

KEY = "AKIAEXAMPLEEXAMPLE00"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
REGION = "us-east-1"


def signed(
    method: str = "GET",
    url: str = "http://127.0.0.1:9000/2015-03-31/functions/",
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    token: str | None = None,
    service: str = "lambda",
) -> tuple[HttpRequest, datetime]:
    request = AWSRequest(method=method, url=url, data=body, headers=headers or {})
    SigV4Auth(Credentials(KEY, SECRET, token), service, REGION).add_auth(request)
    return to_http(request), datetime.now(UTC)


def to_http(request: AWSRequest) -> HttpRequest:
    parts = urlsplit(request.url)
    headers = {k.lower(): v for k, v in request.headers.items()}
    headers.setdefault("host", parts.netloc)
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    return HttpRequest(request.method, parts.path, parts.query, headers, body)


def verify(request: HttpRequest, now: datetime, secret: str = SECRET) -> sigv4.SignatureClaim:
    claim = sigv4.parse_claim(request)
    sigv4.check_scope(claim, REGION, "lambda")
    sigv4.check_freshness(claim, now)
    sigv4.verify_signature(request, claim, secret)
    return claim


def test_botocore_signed_request_verifies() -> None:
    request, now = signed("POST", body=b'{"FunctionName":"f"}')
    claim = verify(request, now)
    assert claim.access_key_id == KEY
    assert claim.service == "lambda"


def test_path_with_encoded_arn_verifies() -> None:
    # Function ARNs in paths arrive percent-encoded; SigV4 encodes them once more.
    url = "http://h/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af/invocations"
    request, now = signed("POST", url=url, body=b"{}")
    verify(request, now)


def test_query_string_is_canonicalized() -> None:
    request, now = signed(url="http://h/2015-03-31/functions/?MaxItems=5&Marker=a%2Fb%3D")
    verify(request, now)


def test_wrong_secret_is_rejected() -> None:
    request, now = signed()
    with pytest.raises(InvalidSignatureError, match="does not match"):
        verify(request, now, secret=SECRET[:-1] + "X")


@pytest.mark.parametrize("part", ["body", "path", "query", "method", "header"])
def test_any_tampering_is_rejected(part: str) -> None:
    request, now = signed("POST", url="http://h/2015-03-31/functions/?A=1", body=b"{}")
    every_change: dict[str, dict[str, Any]] = {
        "body": {"body": b'{"x":1}'},
        "path": {"raw_path": "/2015-03-31/functions/other"},
        "query": {"query_string": "A=2"},
        "method": {"method": "PUT"},
        "header": {"headers": {**request.headers, "x-amz-date": "20200101T000000Z"}},
    }
    tampered = HttpRequest(**{**request.__dict__, **every_change[part]})
    with pytest.raises((InvalidSignatureError, IncompleteSignatureError)):
        verify(tampered, now)


def test_missing_authorization_is_rejected() -> None:
    request = HttpRequest("GET", "/2015-03-31/functions/", "", {"host": "h"}, b"")
    with pytest.raises(MissingAuthenticationTokenError):
        sigv4.parse_claim(request)


def test_request_older_than_five_minutes_is_rejected() -> None:
    request, now = signed()
    with pytest.raises(InvalidSignatureError, match="Signature expired"):
        verify(request, now + timedelta(minutes=5, seconds=2))


def test_expiry_message_names_the_request_time() -> None:
    request, now = signed()
    stamp = request.headers["x-amz-date"]
    with pytest.raises(InvalidSignatureError, match=f"Signature expired: {stamp} is now earlier"):
        verify(request, now + timedelta(minutes=6))


@pytest.mark.parametrize(
    "amz_date",
    ["2026112T041500Z", "20261123T041500", "20261123 041500Z", "20261323T041500Z",
     "20261123T041560Z", "2026-11-23T04:15:00Z", "\uff12\uff10261123T041500Z", ""],
)  # fmt: skip
def test_request_time_must_be_iso8601_basic(amz_date: str) -> None:
    request, _ = signed()
    headers = dict(request.headers) | {"x-amz-date": amz_date}
    forged = HttpRequest(request.method, request.raw_path, request.query_string, headers, b"")
    with pytest.raises(IncompleteSignatureError, match="ISO 8601 basic format"):
        sigv4.parse_claim(forged)


def test_request_from_the_future_is_rejected() -> None:
    request, now = signed()
    with pytest.raises(InvalidSignatureError, match="not yet current"):
        verify(request, now - timedelta(minutes=5, seconds=2))


def test_request_within_skew_window_is_accepted() -> None:
    request, now = signed()
    verify(request, now + timedelta(minutes=4, seconds=50))


def test_wrong_region_scope_is_rejected() -> None:
    request, _ = signed()
    claim = sigv4.parse_claim(request)
    with pytest.raises(InvalidSignatureError, match="region"):
        sigv4.check_scope(claim, "eu-west-1", "lambda")


def test_wrong_service_scope_is_rejected() -> None:
    request, _ = signed(service="kms")
    claim = sigv4.parse_claim(request)
    with pytest.raises(InvalidSignatureError, match="service"):
        sigv4.check_scope(claim, REGION, "lambda")


def test_unsigned_security_token_header_is_rejected() -> None:
    request, _ = signed()
    headers = {**request.headers, "x-amz-security-token": "token"}
    with pytest.raises(IncompleteSignatureError, match="Security-Token"):
        sigv4.parse_claim(HttpRequest(**{**request.__dict__, "headers": headers}))


def test_session_token_is_carried_in_the_claim() -> None:
    request, now = signed(token="SESSION")
    assert verify(request, now).security_token == "SESSION"


def test_malformed_authorization_header_is_incomplete() -> None:
    headers = {"host": "h", "authorization": "AWS4-HMAC-SHA256 Credential=x", "x-amz-date": "x"}
    with pytest.raises(IncompleteSignatureError):
        sigv4.parse_claim(HttpRequest("GET", "/", "", headers, b""))


def test_other_algorithms_are_refused() -> None:
    headers = {"host": "h", "authorization": "AWS AKIA:sig", "x-amz-date": "20260101T000000Z"}
    with pytest.raises(IncompleteSignatureError, match="algorithm"):
        sigv4.parse_claim(HttpRequest("GET", "/", "", headers, b""))


def test_mismatched_content_sha256_header_is_rejected() -> None:
    request, now = signed("POST", body=b"{}", headers={"X-Amz-Content-SHA256": "0" * 64})
    with pytest.raises(InvalidSignatureError):
        verify(request, now)


def test_presigned_url_verifies_and_expires() -> None:
    request = AWSRequest(method="GET", url="http://h/2015-03-31/functions/f", headers={})
    SigV4QueryAuth(Credentials(KEY, SECRET), "lambda", REGION, expires=60).add_auth(request)
    http = to_http(request)
    now = datetime.now(UTC)
    claim = verify(http, now)
    assert claim.presigned
    with pytest.raises(InvalidSignatureError, match="expired"):
        verify(http, now + timedelta(seconds=90))


def test_presigned_signature_is_checked() -> None:
    request = AWSRequest(method="GET", url="http://h/2015-03-31/functions/f", headers={})
    SigV4QueryAuth(Credentials(KEY, SECRET), "lambda", REGION, expires=60).add_auth(request)
    http = to_http(request)
    forged = HttpRequest(**{**http.__dict__, "raw_path": "/2015-03-31/functions/g"})
    with pytest.raises(InvalidSignatureError):
        verify(forged, datetime.now(UTC))


def test_peek_service_reads_the_scope_without_trusting_it() -> None:
    request, _ = signed(service="kms")
    assert sigv4.peek_service(request) == "kms"
    assert sigv4.peek_service(HttpRequest("GET", "/", "", {}, b"")) is None
