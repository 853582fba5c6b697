"""The function's answer as the URL's HTTP response (facts cited in url_response.py)."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stockade.services.lambda_ import url_errors
from stockade.services.lambda_.url_response import UrlResponse, error_response, interpret

BAD_GATEWAY = error_response(url_errors.FUNCTION_ERROR)


def answer(value: object) -> UrlResponse:
    return interpret(json.dumps(value).encode())


def header(response: UrlResponse, name: str) -> list[str]:
    return [v for n, v in response.headers if n.lower() == name.lower()]


@pytest.mark.parametrize(
    ("returned", "body"),
    [
        # LocalStack's AWS-recorded test_lambda_url_invocation cases: Python's json.dumps
        # output (with spaces) arrives compact; a string arrives unquoted.
        ({"hello": "world"}, b'{"hello":"world"}'),
        (["hello", 3, True], b'["hello",3,true]'),
        ("hello", b"hello"),
        (3, b"3"),
        (3.1, b"3.1"),
        (True, b"true"),
        (None, b"null"),
        (
            {"body": "not a response without statusCode"},
            b'{"body":"not a response without statusCode"}',
        ),
    ],
)
def test_any_other_json_is_a_200_json_body(returned: object, body: bytes) -> None:
    response = answer(returned)
    assert response.status == 200
    assert header(response, "content-type") == ["application/json"]
    assert response.body == body


def test_a_response_object_gives_its_status_headers_and_body() -> None:
    response = answer(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "text/plain", "My-Custom-Header": "Custom Value"},
            "body": "created",
            "isBase64Encoded": False,
        }
    )
    assert response.status == 201
    assert response.headers == (
        ("Content-Type", "text/plain"),
        ("My-Custom-Header", "Custom Value"),
    )
    assert response.body == b"created"


def test_a_response_without_content_type_is_json_and_a_digit_string_status_counts() -> None:
    response = answer({"statusCode": "418", "body": "i'm a teapot"})
    assert response.status == 418
    assert header(response, "content-type") == ["application/json"]
    assert response.body == b"i'm a teapot"


def test_cookies_become_one_set_cookie_each() -> None:
    cookies = ["Cookie_1=Value1; Expires=21 Oct 2021 07:48 GMT", "Cookie_2=Value2; Max-Age=78000"]
    response = answer({"statusCode": 200, "body": "", "cookies": cookies})
    assert header(response, "set-cookie") == cookies


def test_base64_bodies_are_decoded_and_object_bodies_sent_as_json() -> None:
    raw = bytes(range(256))
    encoded = {"statusCode": 200, "body": base64.b64encode(raw).decode(), "isBase64Encoded": True}
    assert answer(encoded).body == raw
    assert answer({"statusCode": 200, "body": {"a": [1, 2]}}).body == b'{"a":[1,2]}'
    assert answer({"statusCode": 204}).body == b""


def test_numbers_and_booleans_in_headers_are_written_as_json_writes_them() -> None:
    response = answer({"statusCode": 200, "headers": {"X-Count": 3, "X-Flag": True}})
    assert header(response, "x-count") == ["3"]
    assert header(response, "x-flag") == ["true"]


def test_framing_headers_from_the_function_are_dropped() -> None:
    response = answer(
        {"statusCode": 200, "headers": {"Content-Length": "999", "Transfer-Encoding": "chunked"}}
    )
    assert header(response, "content-length") == []
    assert header(response, "transfer-encoding") == []


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"\xff\xfe",
        b'{"statusCode": 200',
        b"NaN",
        b'{"statusCode": NaN}',
        json.dumps({"statusCode": "abc"}).encode(),
        json.dumps({"statusCode": 99}).encode(),
        json.dumps({"statusCode": 600}).encode(),
        json.dumps({"statusCode": 200.5}).encode(),
        json.dumps({"statusCode": True}).encode(),
        json.dumps({"statusCode": None}).encode(),
        json.dumps({"statusCode": 200, "headers": ["a"]}).encode(),
        json.dumps({"statusCode": 200, "headers": {"X": None}}).encode(),
        json.dumps({"statusCode": 200, "headers": {"X": {"nested": 1}}}).encode(),
        json.dumps({"statusCode": 200, "headers": {"X": "a\r\nInjected: 1"}}).encode(),
        json.dumps({"statusCode": 200, "headers": {"Bad Name": "v"}}).encode(),
        json.dumps({"statusCode": 200, "cookies": "a=1"}).encode(),
        json.dumps({"statusCode": 200, "cookies": ["a=1\nb"]}).encode(),
        json.dumps({"statusCode": 200, "cookies": [1]}).encode(),
        json.dumps({"statusCode": 200, "body": "!!!", "isBase64Encoded": True}).encode(),
        json.dumps({"statusCode": 200, "body": "é", "isBase64Encoded": True}).encode(),
        json.dumps({"statusCode": 200, "body": "x", "isBase64Encoded": "yes"}).encode(),
        b"[" * 100_000,
    ],
)
def test_what_cannot_be_sent_is_the_function_error_answer(payload: bytes) -> None:
    assert interpret(payload) == BAD_GATEWAY
    assert BAD_GATEWAY.status == 502
    assert BAD_GATEWAY.body == b"Internal Server Error"


_header_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=10).filter(
    lambda n: (
        n
        not in {
            "content-length",
            "transfer-encoding",
            "connection",
            "keep-alive",
            "upgrade",
            "trailer",
            "te",
        }
    )
)
_header_values = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20
)


@given(
    st.integers(100, 599),
    st.dictionaries(_header_names, _header_values, max_size=8),
    st.lists(_header_values, max_size=4),
    st.binary(max_size=128),
)
def test_any_well_formed_response_round_trips(
    status: int, headers: dict[str, str], cookies: list[str], body: bytes
) -> None:
    response = answer(
        {
            "statusCode": status,
            "headers": headers,
            "cookies": cookies,
            "body": base64.b64encode(body).decode(),
            "isBase64Encoded": True,
        }
    )
    assert response.status == status
    assert response.body == body
    assert header(response, "set-cookie") == cookies
    for name, value in headers.items():
        assert (name, value) in response.headers


@given(st.binary(max_size=512))
def test_arbitrary_bytes_never_raise(payload: bytes) -> None:
    response = interpret(payload)
    assert 100 <= response.status <= 599
    assert all("\r" not in n + v and "\n" not in n + v for n, v in response.headers)


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=10,
)


@given(_json)
def test_any_json_value_gives_a_response(value: object) -> None:
    response = answer(value)
    assert 100 <= response.status <= 599
    if not (isinstance(value, dict) and "statusCode" in value):
        assert response.status == 200
        if isinstance(value, str):
            assert response.body == value.encode("utf-8", "replace")
        else:
            assert json.loads(response.body) == value


def test_cookies_and_bodies_stay_out_of_the_repr() -> None:
    response = answer({"statusCode": 200, "body": "body-secret", "cookies": ["sid=s3cr3t"]})
    assert "s3cr3t" not in repr(response)
    assert "body-secret" not in repr(response)
    assert "200" in repr(response)
