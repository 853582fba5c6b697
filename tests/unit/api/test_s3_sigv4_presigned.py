"""Presigned S3 URLs, as botocore's S3SigV4QueryAuth and boto3's generate_presigned_url make
them, verified against an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

import boto3
import pytest
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from stockade.api import s3_sigv4
from stockade.api.http import HttpRequest
from stockade.api.s3_sigv4 import PayloadKind
from stockade.services.s3.errors import (
    AccessDeniedError,
    AuthorizationQueryParametersError,
    InvalidRequestError,
    SignatureDoesNotMatchError,
)
from tests.unit.api.s3_wire import KEY, REGION, SECRET, plan_for

ENDPOINT = "http://127.0.0.1:9000"


def presigned(
    expires: int, method: str = "GET", headers: dict[str, str] | None = None
) -> HttpRequest:
    request = AWSRequest(method=method, url=f"{ENDPOINT}/bucket/a%20key", headers=headers or {})
    S3SigV4QueryAuth(Credentials(KEY, SECRET), "s3", REGION, expires=expires).add_auth(request)
    return from_url(request.url, method, headers)


def from_url(url: str, method: str, headers: dict[str, str] | None = None) -> HttpRequest:
    parts = urlsplit(url)
    sent = {k.lower(): v for k, v in (headers or {}).items()}
    sent["host"] = parts.netloc
    return HttpRequest(method, parts.path, parts.query, sent, b"")


def signed_at(request: HttpRequest) -> datetime:
    stamp = dict(request.query())["X-Amz-Date"]
    return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def with_query(request: HttpRequest, **changes: str) -> HttpRequest:
    query = dict(parse_qsl(request.query_string, keep_blank_values=True))
    query.update(changes)
    return HttpRequest(request.method, request.raw_path, urlencode(query), request.headers, b"")


def client() -> object:
    return boto3.session.Session().client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name=REGION,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        # Without it botocore presigns with SigV2 (AWSAccessKeyId/Signature/Expires).
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


def test_a_presigned_get_verifies_until_it_expires() -> None:
    request = presigned(3600)
    start = signed_at(request)
    plan = plan_for(request, start + timedelta(seconds=3599))
    assert plan.kind is PayloadKind.UNSIGNED  # a presigned URL signs no body
    assert plan.claim.presigned
    with pytest.raises(AccessDeniedError, match="Request has expired") as caught:
        plan_for(request, start + timedelta(seconds=3601))
    assert caught.value.http_status == 403
    assert caught.value.wire_fields()["X-Amz-Expires"] == "3600"
    assert caught.value.wire_fields()["Expires"] == (start + timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


def test_boto3_presigned_put_honours_its_signed_content_type() -> None:
    s3 = client()
    url = s3.generate_presigned_url(  # type: ignore[attr-defined]
        "put_object",
        Params={"Bucket": "bucket", "Key": "reports/q 1.csv", "ContentType": "text/csv"},
        ExpiresIn=600,
    )
    s3.close()  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    plan = plan_for(from_url(url, "PUT", {"Content-Type": "text/csv"}), now)
    assert "content-type" in plan.claim.signed_headers
    with pytest.raises(SignatureDoesNotMatchError):
        plan_for(from_url(url, "PUT", {"Content-Type": "text/html"}), now)
    with pytest.raises(SignatureDoesNotMatchError):
        plan_for(from_url(url, "PUT"), now)
    with pytest.raises(SignatureDoesNotMatchError):  # the method is signed too
        plan_for(from_url(url, "GET", {"Content-Type": "text/csv"}), now)


def test_boto3_presigned_get_verifies_and_refuses_a_longer_life() -> None:
    s3 = client()
    url = s3.generate_presigned_url(  # type: ignore[attr-defined]
        "get_object", Params={"Bucket": "bucket", "Key": "k"}, ExpiresIn=60
    )
    s3.close()  # type: ignore[attr-defined]
    request = from_url(url, "GET")
    plan_for(request, signed_at(request))
    with pytest.raises(SignatureDoesNotMatchError):
        plan_for(with_query(request, **{"X-Amz-Expires": "600"}), signed_at(request))


def test_a_week_is_the_longest_life() -> None:
    request = presigned(604800)
    plan_for(request, signed_at(request) + timedelta(days=6))
    with pytest.raises(AuthorizationQueryParametersError, match="less than a week"):
        plan_for(presigned(604801), datetime.now(UTC))


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        ("-1", AuthorizationQueryParametersError, "must be non-negative"),
        ("soon", AuthorizationQueryParametersError, "should be a number"),
        ("0", AccessDeniedError, "Request has expired"),
    ],
)
def test_bad_expiry_values_are_refused(value: str, error: type[Exception], message: str) -> None:
    request = with_query(presigned(60), **{"X-Amz-Expires": value})
    with pytest.raises(error, match=message):
        plan_for(request, datetime.now(UTC))


def test_a_presigned_url_needs_all_its_parameters() -> None:
    request = presigned(60)
    query = [(k, v) for k, v in request.query() if k != "X-Amz-SignedHeaders"]
    partial = HttpRequest("GET", request.raw_path, urlencode(query), request.headers, b"")
    with pytest.raises(AuthorizationQueryParametersError, match="requires the X-Amz-Algorithm"):
        plan_for(partial, datetime.now(UTC))


def test_a_future_presigned_url_is_refused() -> None:
    request = presigned(60)
    with pytest.raises(Exception, match="difference between the request time"):
        plan_for(request, signed_at(request) - timedelta(minutes=16))


def test_a_sigv2_presigned_url_is_refused_not_taken_as_anonymous() -> None:
    s3 = boto3.session.Session().client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name=REGION,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        config=Config(signature_version="s3", s3={"addressing_style": "path"}),
    )
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "bucket", "Key": "k"})
    s3.close()
    assert "AWSAccessKeyId=" in url
    with pytest.raises(InvalidRequestError, match="Please use AWS4-HMAC-SHA256"):
        s3_sigv4.parse_s3_claim(from_url(url, "GET"))
