"""An unchanged web app on Powertools' function URL resolver, between build_event and
interpret: what Lambda's own tooling reads from the event and writes back survives the trip
(query strings, cookies, binary bodies, redirects)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver, Response
from aws_lambda_powertools.shared.cookies import Cookie
from aws_lambda_powertools.utilities.data_classes import LambdaFunctionUrlEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from stockade.services.lambda_.url_event import IamCaller, UrlRequest, build_event
from stockade.services.lambda_.url_response import UrlResponse, interpret

URL_ID = "b" * 32
DOMAIN = f"{URL_ID}.lambda-url.us-east-1.on.aws"


def app() -> LambdaFunctionUrlResolver:
    resolver = LambdaFunctionUrlResolver()

    @resolver.get("/items")
    def items() -> dict[str, Any]:
        event = resolver.current_event
        return {
            "q": event.get_query_string_value("q"),
            "tags": event.get_query_string_value("tag"),
            "session": event.headers.get("X-Session"),
            "cookies": event.cookies,
        }

    @resolver.post("/upload")
    def upload() -> Response[bytes]:
        event = resolver.current_event
        body = event.body or ""
        raw = base64.b64decode(body) if event.is_base64_encoded else body.encode()
        return Response(
            status_code=201,
            content_type="application/octet-stream",
            body=raw[::-1],
            cookies=[Cookie(name="seen", value="1"), Cookie(name="n", value=str(len(raw)))],
        )

    @resolver.get("/old")
    def old() -> Response[str]:
        return Response(status_code=302, headers={"Location": "/items"}, body="")

    return resolver


def through(request: UrlRequest) -> UrlResponse:
    event = build_event(
        request,
        account_id="123456789012",
        request_id="req",
        received_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        iam=None,
    )
    answer = app().resolve(json.loads(event), LambdaContext())
    return interpret(json.dumps(answer).encode())


def request(method: str, path: str, query: str = "", **changes: Any) -> UrlRequest:
    fields: dict[str, Any] = {
        "method": method,
        "raw_path": path,
        "raw_query": query,
        "headers": (("Host", DOMAIN),),
        "body": b"",
        "source_ip": "198.51.100.7",
        "protocol": "HTTP/1.1",
        "domain_name": DOMAIN,
        "url_id": URL_ID,
    }
    return UrlRequest(**(fields | changes))


def test_query_strings_headers_and_cookies_reach_the_app() -> None:
    headers = (("Host", DOMAIN), ("X-Session", "s1"), ("Cookie", "a=1; b=2"))
    response = through(request("GET", "/items", "q=caf%C3%A9&tag=x&tag=y", headers=headers))
    assert response.status == 200
    assert json.loads(response.body) == {
        "q": "café",
        "tags": "x,y",
        "session": "s1",
        "cookies": ["a=1", "b=2"],
    }


def test_a_binary_body_round_trips_with_cookies_set() -> None:
    raw = bytes(range(256))
    headers = (("Host", DOMAIN), ("Content-Type", "application/octet-stream"))
    response = through(request("POST", "/upload", headers=headers, body=raw))
    assert response.status == 201
    assert response.body == raw[::-1]
    assert ("Content-Type", "application/octet-stream") in response.headers
    set_cookies = [v for n, v in response.headers if n == "Set-Cookie"]
    assert [c.split(";")[0] for c in set_cookies] == ["seen=1", "n=256"]


def test_a_redirect_keeps_its_status_and_location() -> None:
    response = through(request("GET", "/old"))
    assert response.status == 302
    assert ("Location", "/items") in response.headers


def test_an_unknown_route_is_the_apps_own_404() -> None:
    response = through(request("GET", "/nowhere"))
    assert response.status == 404


def test_powertools_reads_the_request_context_aws_writes() -> None:
    caller = IamCaller(
        "AKIAEXAMPLE",
        "111122223333",
        "AIDAEXAMPLE",
        "arn:aws:iam::111122223333:user/u",
        "AIDAEXAMPLE",
    )
    raw = build_event(
        request("PUT", "/x", headers=(("Host", DOMAIN), ("User-Agent", "curl/8"))),
        account_id="123456789012",
        request_id="req-9",
        received_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        iam=caller,
    )
    event = LambdaFunctionUrlEvent(json.loads(raw))
    context = event.request_context
    assert context.http.method == "PUT"
    assert context.http.source_ip == "198.51.100.7"
    assert context.http.user_agent == "curl/8"
    assert context.domain_name == DOMAIN
    assert context.request_id == "req-9"
    assert context.time_epoch == 1767323045000
    assert context.authorizer.iam.user_arn == "arn:aws:iam::111122223333:user/u"
    assert event.is_base64_encoded is False
