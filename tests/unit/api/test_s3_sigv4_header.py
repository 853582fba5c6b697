"""S3's SigV4 in the Authorization header, against botocore's own S3 signer (S3SigV4Auth)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from stockade.api import s3_body_checks, s3_sigv4, sigv4
from stockade.api.errors import InvalidSignatureError
from stockade.api.http import HttpRequest
from stockade.api.s3_sigv4 import PayloadKind
from stockade.services.s3.errors import (
    AuthorizationHeaderMalformedError,
    ContentSha256MismatchError,
    InvalidArgumentError,
    InvalidRequestError,
    MissingContentLengthError,
    RequestTimeTooSkewedError,
    S3NotImplementedError,
    SignatureDoesNotMatchError,
)
from tests.unit.api.s3_wire import KEY, REGION, SECRET, plan_for, s3_signed, to_http


@pytest.mark.parametrize(
    "key",
    [
        "a key with spaces.txt",
        "a/../b.txt",
        "a//b/./c",
        "über/日本.txt",
        "x+y=z&q?.txt",
        "100%/~done/",
    ],
)
def test_s3_signs_the_path_as_sent(key: str) -> None:
    request, now = s3_signed(key)
    plan = plan_for(request, now)
    assert plan.kind is PayloadKind.SHA256
    # Other services normalize and encode the path again: the same request fails their rule.
    claim = s3_sigv4.parse_s3_claim(request)
    assert claim is not None
    with pytest.raises(InvalidSignatureError):
        sigv4.verify_signature(
            request, claim, SECRET, payload_hash=request.header("x-amz-content-sha256")
        )


def test_a_generic_sigv4_signature_is_not_an_s3_one() -> None:
    # SigV4Auth (every other service) encodes the path twice: "%20" is signed as "%2520".
    request = AWSRequest(
        method="GET",
        url="http://127.0.0.1:9000/bucket/a%20b",
        headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"},
    )
    SigV4Auth(Credentials(KEY, SECRET), "s3", REGION).add_auth(request)
    http = to_http(request)
    claim = s3_sigv4.parse_s3_claim(http)
    assert claim is not None
    sigv4.verify_signature(http, claim, SECRET, payload_hash="UNSIGNED-PAYLOAD")  # its own rule
    with pytest.raises(SignatureDoesNotMatchError):
        s3_sigv4.verify_s3_request(http, claim, SECRET, REGION, datetime.now(UTC))


def test_hex_payload_hash_is_checked_at_the_end_of_the_body() -> None:
    request, now = s3_signed(body=b"the body as signed")
    plan = plan_for(request, now)
    checks = s3_body_checks.body_checks(request.headers, plan)
    assert list(s3_body_checks.checked([b"the body ", b"as signed"], checks))
    other = s3_body_checks.body_checks(request.headers, plan)
    with pytest.raises(ContentSha256MismatchError) as caught:
        list(s3_body_checks.checked([b"the body as sent!"], other))
    assert caught.value.http_status == 400
    assert caught.value.wire_fields()["ClientComputedContentSHA256"] == plan.content_sha256


@pytest.mark.parametrize(
    "value",
    [
        "UNSIGNED-PAYLOAD",
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
    ],
)
def test_each_payload_kind_is_signed_as_declared(value: str) -> None:
    headers = {}
    if value.startswith("STREAMING-"):
        headers["X-Amz-Decoded-Content-Length"] = "5"
        headers["Content-Encoding"] = "aws-chunked"
    if value.endswith("-TRAILER"):
        headers["X-Amz-Trailer"] = "x-amz-checksum-crc32"
    request, now = s3_signed(headers=headers, payload=value)
    plan = plan_for(request, now)
    assert plan.kind.value == value
    assert plan.content_sha256 is None
    assert plan.decoded_length == (5 if plan.kind.chunked else None)


def test_sigv4a_streaming_is_refused_as_not_implemented() -> None:
    request, now = s3_signed(payload="STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD")
    with pytest.raises(S3NotImplementedError) as caught:
        plan_for(request, now)
    assert caught.value.http_status == 501
    assert caught.value.wire_fields() == {"Header": "x-amz-content-sha256"}


@pytest.mark.parametrize(
    "value",
    ["sha256", "ABCDEF", "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"],
)
def test_an_unknown_content_sha256_is_an_invalid_argument(value: str) -> None:
    request, now = s3_signed(payload=value)
    with pytest.raises(InvalidArgumentError, match="x-amz-content-sha256 must be"):
        plan_for(request, now)


def test_a_header_signature_needs_x_amz_content_sha256() -> None:
    request = AWSRequest(method="GET", url="http://127.0.0.1:9000/bucket/k")
    SigV4Auth(Credentials(KEY, SECRET), "s3", REGION).add_auth(request)
    with pytest.raises(InvalidRequestError, match="x-amz-content-sha256"):
        plan_for(to_http(request), datetime.now(UTC))


def test_streaming_needs_the_decoded_length() -> None:
    request, now = s3_signed(payload="STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    with pytest.raises(MissingContentLengthError):
        plan_for(request, now)


@pytest.mark.parametrize(
    ("trailer", "error"),
    [(None, InvalidRequestError), ("x-amz-checksum-md5", InvalidRequestError),
     ("x-amz-checksum-crc64nvme", S3NotImplementedError)],
)  # fmt: skip
def test_a_trailer_payload_needs_a_known_trailer(
    trailer: str | None, error: type[Exception]
) -> None:
    headers = {"X-Amz-Decoded-Content-Length": "5"}
    if trailer:
        headers["X-Amz-Trailer"] = trailer
    request, now = s3_signed(headers=headers, payload="STREAMING-UNSIGNED-PAYLOAD-TRAILER")
    with pytest.raises(error):
        plan_for(request, now)


def test_wrong_secret_or_tampered_header_does_not_match() -> None:
    request, now = s3_signed(headers={"Content-Type": "text/plain"})
    with pytest.raises(SignatureDoesNotMatchError) as caught:
        plan_for(request, now, secret=SECRET + "x")
    assert caught.value.http_status == 403
    assert "Check your key and signing method." in caught.value.message
    tampered = HttpRequest(
        request.method, request.raw_path, "", {**request.headers, "content-type": "text/html"}, b""
    )
    with pytest.raises(SignatureDoesNotMatchError):
        plan_for(tampered, now)


def test_s3_allows_fifteen_minutes_of_skew() -> None:
    request, now = s3_signed()
    plan_for(request, now + timedelta(minutes=14))
    plan_for(request, now - timedelta(minutes=14))
    with pytest.raises(RequestTimeTooSkewedError) as caught:
        plan_for(request, now + timedelta(minutes=16))
    assert caught.value.wire_fields()["MaxAllowedSkewMilliseconds"] == "900000"


def test_the_scope_must_name_this_region_and_s3() -> None:
    request, now = s3_signed(region="eu-west-1")
    with pytest.raises(AuthorizationHeaderMalformedError, match="the region 'eu-west-1' is wrong"):
        plan_for(request, now)
    request, now = s3_signed(service="s4")
    with pytest.raises(AuthorizationHeaderMalformedError, match="incorrect service 's4'"):
        plan_for(request, now)


def test_unsigned_requests_are_anonymous_and_malformed_ones_refused() -> None:
    assert s3_sigv4.parse_s3_claim(HttpRequest("GET", "/bucket/k", "", {"host": "h"}, b"")) is None
    broken = HttpRequest(
        "GET", "/b/k", "", {"host": "h", "authorization": "AWS4-HMAC-SHA256 Credential=x"}, b""
    )
    with pytest.raises(AuthorizationHeaderMalformedError):
        s3_sigv4.parse_s3_claim(broken)


def test_aws_chunked_is_not_kept_as_the_objects_content_encoding() -> None:
    assert s3_sigv4.stored_content_encoding("aws-chunked") is None
    assert s3_sigv4.stored_content_encoding("gzip,aws-chunked") == "gzip"
    assert s3_sigv4.stored_content_encoding(None) is None


def test_sigv4a_signatures_are_refused_as_not_implemented() -> None:
    # botocore signs SigV4a only with awscrt; the refusal needs no valid signature.
    header = (
        "AWS4-ECDSA-P256-SHA256 Credential=AKIAEXAMPLE/20260101/s3/aws4_request,"
        " SignedHeaders=host;x-amz-date;x-amz-region-set, Signature=3045"
    )
    request = HttpRequest("GET", "/bucket/k", "", {"host": "h", "authorization": header}, b"")
    with pytest.raises(S3NotImplementedError) as caught:
        s3_sigv4.parse_s3_claim(request)
    assert caught.value.wire_fields() == {"Header": "Authorization"}
    query = (
        "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&X-Amz-Signature=3045"
        "&X-Amz-Credential=AKIAEXAMPLE%2F20260101%2Fs3%2Faws4_request"
    )
    with pytest.raises(S3NotImplementedError):
        s3_sigv4.parse_s3_claim(HttpRequest("GET", "/bucket/k", query, {"host": "h"}, b""))


def test_a_sigv2_authorization_header_is_refused() -> None:
    headers = {"host": "h", "authorization": "AWS AKIAEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg="}
    with pytest.raises(InvalidRequestError, match="Please use AWS4-HMAC-SHA256"):
        s3_sigv4.parse_s3_claim(HttpRequest("GET", "/bucket/k", "", headers, b""))
