"""CORS as a function URL applies it (facts and choices cited in url_cors.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from stockade.domain.function_url import UrlCors
from stockade.services.lambda_.url_cors import preflight, response_headers, with_cors
from stockade.services.lambda_.url_response import UrlResponse

ORIGIN = "https://www.example.com"
CONFIGURED = UrlCors(
    allow_credentials=True,
    allow_headers=("Date", "X-Custom-Header"),
    allow_methods=("GET", "POST"),
    allow_origins=(ORIGIN, "http://localhost:60905"),
    expose_headers=("Keep-Alive",),
    max_age=300,
)
PREFLIGHT = {"origin": ORIGIN, "access-control-request-method": "POST"}


def test_a_preflight_is_answered_from_the_configuration() -> None:
    answer = preflight(CONFIGURED, "OPTIONS", PREFLIGHT)
    assert answer is not None
    assert answer.status == 200
    assert answer.body == b""
    assert dict(answer.headers) == {
        "Access-Control-Allow-Origin": ORIGIN,
        "Vary": "Origin",
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Allow-Methods": "GET,POST",
        "Access-Control-Allow-Headers": "Date,X-Custom-Header",
        "Access-Control-Max-Age": "300",
    }


def test_only_a_preflight_to_a_url_with_cors_is_answered_by_the_platform() -> None:
    assert preflight(None, "OPTIONS", PREFLIGHT) is None
    assert preflight(CONFIGURED, "POST", PREFLIGHT) is None
    assert preflight(CONFIGURED, "OPTIONS", {"origin": ORIGIN}) is None
    assert preflight(CONFIGURED, "OPTIONS", {"access-control-request-method": "GET"}) is None


def test_an_origin_not_allowed_gets_no_cors_headers() -> None:
    other = {"origin": "https://evil.example", "access-control-request-method": "GET"}
    answer = preflight(CONFIGURED, "OPTIONS", other)
    assert answer is not None
    assert answer.headers == ()
    assert response_headers(CONFIGURED, {"origin": "https://evil.example"}) == ()
    assert response_headers(CONFIGURED, {}) == ()


def test_origins_match_case_insensitively_and_are_echoed_as_sent() -> None:
    headers = response_headers(CONFIGURED, {"origin": "HTTPS://WWW.EXAMPLE.COM"})
    assert ("Access-Control-Allow-Origin", "HTTPS://WWW.EXAMPLE.COM") in headers


def test_a_wildcard_allows_any_origin_as_star_even_without_an_origin_header() -> None:
    cors = UrlCors(allow_origins=("*",), allow_methods=("*",))
    answer = preflight(
        cors, "options", {"origin": "https://a.test", "access-control-request-method": "PUT"}
    )
    assert answer is not None
    assert dict(answer.headers) == {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": "*",
    }
    assert response_headers(cors, {}) == (("Access-Control-Allow-Origin", "*"),)


def test_answers_carry_origin_credentials_and_exposed_headers() -> None:
    assert response_headers(CONFIGURED, {"origin": ORIGIN}) == (
        ("Access-Control-Allow-Origin", ORIGIN),
        ("Vary", "Origin"),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Expose-Headers", "Keep-Alive"),
    )
    assert response_headers(None, {"origin": ORIGIN}) == ()


def test_configured_headers_take_precedence_over_the_functions() -> None:
    from_function = UrlResponse(
        200,
        (
            ("access-control-allow-origin", "*"),
            ("Content-Type", "text/plain"),
            ("Vary", "Accept-Encoding"),
            ("Access-Control-Max-Age", "10"),
        ),
        b"ok",
    )
    merged = with_cors(from_function, response_headers(CONFIGURED, {"origin": ORIGIN}))
    assert merged.headers == (
        ("Content-Type", "text/plain"),
        ("Vary", "Accept-Encoding, Origin"),
        ("Access-Control-Max-Age", "10"),  # not configured for answers: the function's stays
        ("Access-Control-Allow-Origin", ORIGIN),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Expose-Headers", "Keep-Alive"),
    )
    assert merged.body == b"ok"
    assert with_cors(from_function, ()) is from_function


def test_vary_is_added_once() -> None:
    base = UrlResponse(200, (("vary", "origin"),), b"")
    merged = with_cors(base, response_headers(CONFIGURED, {"origin": ORIGIN}))
    assert [v for n, v in merged.headers if n.lower() == "vary"] == ["origin"]
    bare = with_cors(UrlResponse(200, (), b""), response_headers(CONFIGURED, {"origin": ORIGIN}))
    assert [v for n, v in bare.headers if n.lower() == "vary"] == ["Origin"]


_origins = st.lists(st.from_regex(r"https://[a-z]{1,8}\.test", fullmatch=True), max_size=4)


@given(_origins, st.from_regex(r"https://[a-z]{1,8}\.test", fullmatch=True))
def test_an_origin_is_allowed_exactly_when_listed(allowed: list[str], origin: str) -> None:
    cors = UrlCors(allow_origins=tuple(allowed))
    headers = dict(response_headers(cors, {"origin": origin}))
    if origin in allowed:
        assert headers["Access-Control-Allow-Origin"] == origin
    else:
        assert headers == {}
