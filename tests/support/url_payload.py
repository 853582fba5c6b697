"""A function URL request as its function sees it (payload format 2.0) and its answer as the
client would see it, for tests that drive a function with `invoke` instead of its URL.

The event follows AWS's documented request payload (Lambda developer guide, "Invoking Lambda
function URLs", Request payload format): `version` "2.0", `routeKey` "$default", `rawPath`,
`rawQueryString`, `cookies` (only when there are some; the `cookie` header stays too),
`headers` with lower-cased names and repeated values joined with commas,
`queryStringParameters` (repeated values joined with commas, only when there is a query),
`requestContext` (`http` with method, path, protocol, sourceIp and userAgent; `domainName`,
`domainPrefix`, `requestId`, `time`, `timeEpoch`), and a `body` that is base64-encoded
(`isBase64Encoded`) when its content type is not text. The answer is read as Lambda reads a
function's response (same guide, Response payload format): a dict with `statusCode`, or else
any JSON value as a 200 application/json body.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tests.support.server import RunningServer

URL_ID = "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6"  # 32 characters of [a-z0-9], as Lambda's
SOURCE_IP = "198.51.100.7"  # TEST-NET-2 (RFC 5737): never a real caller
USER_AGENT = "stockade-tests/1.0"
# Bodies of these types arrive as text; any other type, or none, base64-encoded (observed of
# payload 2.0 in ministackorg/ministack PR 766; form posts to function URLs arrive base64-encoded
# too, LeanerCloud/CUDly PR 1483). AWS's docs say only "if the content type is binary".
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")


def url_event(
    method: str,
    path: str,
    query: Sequence[tuple[str, str]] = (),
    headers: Mapping[str, str] | None = None,
    cookies: Sequence[str] = (),
    body: bytes | None = None,
    *,
    region: str = "us-east-1",
) -> dict[str, Any]:
    """The event a function URL sends for this request (auth type NONE: no `authorizer`)."""
    domain = f"{URL_ID}.lambda-url.{region}.on.aws"
    joined: dict[str, str] = {}
    for name, value in {
        "host": domain,
        "user-agent": USER_AGENT,
        "x-forwarded-for": SOURCE_IP,
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
        # A real URL request keeps its Cookie header as well as `cookies` (as captured from a
        # function URL in aws/aws-lambda-web-adapter issue 121); adapters must not count twice.
        **({"cookie": "; ".join(cookies)} if cookies else {}),
        **(headers or {}),
    }.items():
        key = name.lower()
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": urlencode(list(query)),
        "headers": joined,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": URL_ID,
            "domainName": domain,
            "domainPrefix": URL_ID,
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": SOURCE_IP,
                "userAgent": USER_AGENT,
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = list(cookies)
    if query:
        parameters: dict[str, str] = {}
        for name, value in query:
            parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
        event["queryStringParameters"] = parameters
    if body is not None:
        if joined.get("content-type", "").startswith(_TEXT_TYPES):
            event["body"] = body.decode()
        else:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    return event


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]  # lower-cased names
    cookies: tuple[str, ...]  # the Set-Cookie values the client gets, in order
    body: bytes
    base64: bool  # the function returned the body base64-encoded (a URL client sees bytes)

    def json(self) -> Any:
        return json.loads(self.body)


def answer(server: RunningServer, function: str, event: Mapping[str, Any]) -> Answer:
    """Send `event` to the function and read its result as the function URL would answer."""
    reply = server.client("lambda").invoke(FunctionName=function, Payload=json.dumps(event))
    payload = reply["Payload"].read()
    assert reply["StatusCode"] == 200, payload
    assert "FunctionError" not in reply, payload
    result = json.loads(payload)
    if not isinstance(result, dict) or "statusCode" not in result:
        return Answer(200, {"content-type": "application/json"}, (), payload, base64=False)
    encoded = bool(result.get("isBase64Encoded", False))
    text = result.get("body") or ""
    headers = {str(k).lower(): str(v) for k, v in (result.get("headers") or {}).items()}
    # A client gets a Set-Cookie for each of `cookies` and for a `set-cookie` header, which an
    # adapter writes when an app sets a single cookie (serverless-http).
    single = headers.pop("set-cookie", None)
    return Answer(
        status=int(result["statusCode"]),
        headers=headers,
        cookies=(*(result.get("cookies") or ()), *(() if single is None else (single,))),
        body=base64.b64decode(text) if encoded else text.encode(),
        base64=encoded,
    )
