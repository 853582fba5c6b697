"""The request as Lambda's payload format 2.0 event (facts cited in url_event.py)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stockade.services.lambda_.url_event import (
    IamCaller,
    UrlRequest,
    build_event,
    clf_time,
    epoch_ms,
    query_parameters,
)

URL_ID = "a" * 32
DOMAIN = f"{URL_ID}.lambda-url.us-east-1.on.aws"
AT = datetime(2020, 3, 12, 19, 3, 58, 390000, tzinfo=UTC)


def request(**changes: Any) -> UrlRequest:
    fields: dict[str, Any] = {
        "method": "GET",
        "raw_path": "/",
        "raw_query": "",
        "headers": (("Host", DOMAIN), ("User-Agent", "agent")),
        "body": b"",
        "source_ip": "203.0.113.9",
        "protocol": "HTTP/1.1",
        "domain_name": DOMAIN,
        "url_id": URL_ID,
    }
    return UrlRequest(**(fields | changes))


def event(req: UrlRequest, iam: IamCaller | None = None, **kw: Any) -> dict[str, Any]:
    raw = build_event(
        req, account_id="123456789012", request_id="req-1", received_at=AT, iam=iam, **kw
    )
    decoded: dict[str, Any] = json.loads(raw)
    return decoded


def test_a_bare_get_has_only_the_members_aws_sends() -> None:
    # The captured NONE-auth event: no cookies, query, body, authorizer, pathParameters.
    got = event(request())
    assert list(got) == [
        "version",
        "routeKey",
        "rawPath",
        "rawQueryString",
        "headers",
        "requestContext",
        "isBase64Encoded",
    ]
    assert got["version"] == "2.0"
    assert got["routeKey"] == "$default"
    assert got["isBase64Encoded"] is False
    context = got["requestContext"]
    assert context == {
        "accountId": "anonymous",
        "apiId": URL_ID,
        "domainName": DOMAIN,
        "domainPrefix": URL_ID,
        "http": {
            "method": "GET",
            "path": "/",
            "protocol": "HTTP/1.1",
            "sourceIp": "203.0.113.9",
            "userAgent": "agent",
        },
        "requestId": "req-1",
        "routeKey": "$default",
        "stage": "$default",
        "time": "12/Mar/2020:19:03:58 +0000",
        "timeEpoch": 1584039838390,
    }


def test_headers_are_lower_cased_and_repeats_joined_with_commas() -> None:
    got = event(request(headers=(("X-Multi", "one"), ("Accept", "a/b"), ("x-multi", "two"))))
    assert got["headers"]["x-multi"] == "one,two"
    assert got["headers"]["accept"] == "a/b"
    assert all(name == name.lower() for name in got["headers"])


def test_cookies_are_split_into_their_member_and_kept_in_the_headers() -> None:
    got = event(request(headers=(("Cookie", "a=1; b=2"), ("cookie", "c=3"))))
    assert got["cookies"] == ["a=1", "b=2", "c=3"]
    assert got["headers"]["cookie"] == "a=1; b=2; c=3"


def test_the_edge_sets_the_forwarding_and_tls_headers_whatever_the_client_sent() -> None:
    spoofed = (("X-Forwarded-For", "10.0.0.1"), ("X-Amzn-Trace-Id", "forged"))
    got = event(
        request(headers=spoofed, port=8443, tls_version="TLSv1.3", tls_cipher="TLS_AES_128"),
        trace_id="Root=1-5e6a8a2e-0123456789abcdef01234567",
    )
    assert got["headers"]["x-forwarded-for"] == "203.0.113.9"
    assert got["headers"]["x-forwarded-port"] == "8443"
    assert got["headers"]["x-forwarded-proto"] == "https"
    assert got["headers"]["x-amzn-tls-version"] == "TLSv1.3"
    assert got["headers"]["x-amzn-tls-cipher-suite"] == "TLS_AES_128"
    assert got["headers"]["x-amzn-trace-id"] == "Root=1-5e6a8a2e-0123456789abcdef01234567"


def test_plain_http_has_no_tls_headers() -> None:
    got = event(request(scheme="http", port=80))
    assert got["headers"]["x-forwarded-proto"] == "http"
    assert "x-amzn-tls-version" not in got["headers"]
    assert "x-amzn-trace-id" not in got["headers"]


def test_the_path_and_query_stay_as_received_and_parameters_are_decoded() -> None:
    # LocalStack's AWS-recorded echo: /pa2%Fth/1?q=query&multiQuery=foo&multiQuery=%2Fbar
    got = event(
        request(raw_path="/pa2%Fth/1", raw_query="q=query&multiQuery=foo&multiQuery=%2Fbar")
    )
    assert got["rawPath"] == "/pa2%Fth/1"
    assert got["requestContext"]["http"]["path"] == "/pa2%Fth/1"
    assert got["rawQueryString"] == "q=query&multiQuery=foo&multiQuery=%2Fbar"
    assert got["queryStringParameters"] == {"q": "query", "multiQuery": "foo,/bar"}


def test_blank_query_values_are_kept() -> None:
    assert query_parameters("flag&x=") == {"flag": "", "x": ""}


@pytest.mark.parametrize(
    ("content_type", "body", "encoded"),
    [
        ("text/plain", b"text", False),
        ("application/json; charset=utf-8", b'{"a": 1}', False),
        ("Application/XML", b"<a/>", False),
        ("application/javascript", b"f()", False),
        ("text/html", "h\u00e9".encode(), False),
        ("multipart/form-data; boundary=x", b"--x--", True),  # recorded: base64
        ("application/x-www-form-urlencoded", b"a=1", True),
        ("application/octet-stream", b"\x00\xff", True),
        (None, b"no type", True),
        ("text/plain", b"\xff\xfe not utf-8", True),
    ],
)
def test_binary_bodies_are_base64_encoded(
    content_type: str | None, body: bytes, encoded: bool
) -> None:
    headers = () if content_type is None else (("Content-Type", content_type),)
    got = event(request(method="POST", headers=headers, body=body))
    assert got["isBase64Encoded"] is encoded
    sent = base64.b64decode(got["body"]) if encoded else got["body"].encode()
    assert sent == body


def test_an_iam_caller_is_the_authorizer_and_the_owner_account_is_named() -> None:
    caller = IamCaller(
        access_key="AKIAEXAMPLE",
        account_id="111122223333",
        caller_id="AIDAEXAMPLE",
        user_arn="arn:aws:iam::111122223333:user/example-user",
        user_id="AIDAEXAMPLE",
    )
    context = event(request(), iam=caller)["requestContext"]
    assert context["accountId"] == "123456789012"
    assert context["authorizer"] == {
        "iam": {
            "accessKey": "AKIAEXAMPLE",
            "accountId": "111122223333",
            "callerId": "AIDAEXAMPLE",
            "cognitoIdentity": None,
            "principalOrgId": None,
            "userArn": "arn:aws:iam::111122223333:user/example-user",
            "userId": "AIDAEXAMPLE",
        }
    }


def test_times_are_utc_in_english_whatever_the_zone() -> None:
    moment = datetime(2021, 9, 7, 23, 50, 22, 677000, tzinfo=timezone(timedelta(hours=1)))
    assert clf_time(moment) == "07/Sep/2021:22:50:22 +0000"
    assert epoch_ms(moment) == 1631055022677
    with pytest.raises(ValueError, match="timezone-aware"):
        clf_time(datetime(2021, 9, 7))


_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=12).filter(
    lambda n: n != "cookie" and not n.startswith("x-")
)
_values = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20)


@given(st.lists(st.tuples(_names, _values), max_size=12))
def test_any_header_set_round_trips(lines: list[tuple[str, str]]) -> None:
    got = event(request(headers=tuple(lines)))["headers"]
    expected: dict[str, list[str]] = {}
    for name, value in lines:
        expected.setdefault(name, []).append(value)
    for name, values in expected.items():
        assert got[name] == ",".join(values)


_query_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\0"),
    min_size=1,
    max_size=10,
)


@given(st.lists(st.tuples(_query_text, _query_text), min_size=1, max_size=8))
def test_any_percent_encoded_query_round_trips(pairs: list[tuple[str, str]]) -> None:
    raw = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
    got = event(request(raw_query=raw))
    expected: dict[str, list[str]] = {}
    for key, value in pairs:
        expected.setdefault(key, []).append(value)
    assert got["rawQueryString"] == raw
    assert got["queryStringParameters"] == {k: ",".join(v) for k, v in expected.items()}


_cookie_part = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789=", min_size=1, max_size=10)


@given(st.lists(st.lists(_cookie_part, min_size=1, max_size=4), min_size=1, max_size=4))
def test_any_cookie_set_round_trips(lines: list[list[str]]) -> None:
    headers = tuple(("Cookie", "; ".join(parts)) for parts in lines)
    got = event(request(headers=headers))
    assert got["cookies"] == [part for parts in lines for part in parts]


@given(st.binary(max_size=256), st.sampled_from(["text/plain", "application/json", None]))
def test_any_body_reaches_the_function_unchanged(body: bytes, content_type: str | None) -> None:
    headers = () if content_type is None else (("Content-Type", content_type),)
    got = event(request(method="PUT", headers=headers, body=body))
    if not body:
        assert "body" not in got
        assert got["isBase64Encoded"] is False
        return
    received = base64.b64decode(got["body"]) if got["isBase64Encoded"] else got["body"].encode()
    assert received == body


def test_credentials_stay_out_of_the_repr() -> None:
    signed = request(
        raw_query="X-Amz-Signature=0123abcd",
        headers=(
            ("Authorization", "AWS4-HMAC-SHA256 Signature=feedface"),
            ("Cookie", "sid=s3cr3t"),
        ),
        body=b"payload-secret",
    )
    caller = IamCaller("AKIASECRETISH", "111122223333", "AIDA1", "arn:aws:iam::1:user/u", "AIDA1")
    shown = repr(signed) + repr(caller)
    for secret in ("0123abcd", "feedface", "s3cr3t", "payload-secret", "AKIASECRETISH"):
        assert secret not in shown
    assert URL_ID in shown
