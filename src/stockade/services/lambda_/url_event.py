"""A function URL request as the event Lambda gives the function: payload format 2.0.

Sources (cited as [guide], [capture], [recorded] below):
- [guide] Lambda developer guide, "Invoking Lambda function URLs", Request payload format.
- [capture] a real NONE-auth URL event kept by Powertools for AWS Lambda
  (tests/events/lambdaFunctionUrlEvent*.json): no `cookies`, `queryStringParameters`, `body`,
  `authorizer`, `authentication`, `pathParameters` or `stageVariables` members when there is
  nothing to put in them; `requestContext.accountId` "anonymous"; the edge's
  `x-forwarded-*`, `x-amzn-tls-*` and `x-amzn-trace-id` headers among the client's.
- [recorded] LocalStack's AWS-validated snapshots (tests/aws/services/lambda_/test_lambda.py,
  TestLambdaURL): the path kept percent-encoded, repeated query keys joined with "," after
  decoding, a multipart body base64-encoded, a text/plain body sent as text.

Which bodies are base64-encoded: Lambda says only "if the content type of the request is
binary" [guide]. Checked against AWS for the same payload format (API Gateway HTTP APIs): text
only for `text/*`, `application/json`, `application/javascript` and `application/xml`;
anything else, a missing content type and form posts included, is binary. A text body that is
not UTF-8 cannot be a JSON string, so it is base64-encoded too. Suffix types (`+json`, `+xml`)
are not confirmed either way; they count as binary here, which loses nothing (the function
decodes them).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

TEXT_TYPES = frozenset({"application/json", "application/javascript", "application/xml"})
# Headers the URL edge sets itself [capture]; a client's own are replaced, so a function can
# trust them (Stockade's choice: whether AWS appends to a client's x-forwarded-for is not
# documented).
EDGE_HEADERS = frozenset(
    {
        "x-forwarded-for",
        "x-forwarded-port",
        "x-forwarded-proto",
        "x-amzn-tls-version",
        "x-amzn-tls-cipher-suite",
        "x-amzn-trace-id",
    }
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class UrlRequest:
    method: str  # as received
    raw_path: str  # as received (percent-encoded), the function's own path
    # The query, headers and body can carry credentials (a presigned signature, Authorization,
    # cookies): none of them is in the repr.
    raw_query: str = field(repr=False)  # as received, without '?'
    headers: tuple[tuple[str, str], ...] = field(repr=False)  # each line in order, names as sent
    body: bytes = field(repr=False)
    source_ip: str
    protocol: str  # "HTTP/1.1"
    domain_name: str  # the Host the client used, without a port
    url_id: str  # the domainPrefix / apiId
    scheme: str = "https"  # x-forwarded-proto
    port: int = 443  # x-forwarded-port: the listener's port
    tls_version: str | None = None  # x-amzn-tls-version, e.g. "TLSv1.3"; None over plain HTTP
    tls_cipher: str | None = None  # x-amzn-tls-cipher-suite, OpenSSL's name for it


@dataclass(frozen=True)
class IamCaller:
    """requestContext.authorizer.iam for an AWS_IAM URL; cognitoIdentity and principalOrgId
    are always null (function URLs do not use them [guide])."""

    access_key: str = field(repr=False)
    account_id: str
    caller_id: str
    user_arn: str
    user_id: str


def build_event(
    request: UrlRequest,
    *,
    account_id: str,
    request_id: str,
    received_at: datetime,
    iam: IamCaller | None,
    trace_id: str | None = None,
) -> bytes:
    """The JSON event for `request`; `account_id` is the function owner's (an unsigned
    request's event says "anonymous" [capture])."""
    headers, cookies = _headers(request, trace_id)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    query = query_parameters(request.raw_query)
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = _context(request, account_id, request_id, received_at, iam)
    if request.body:
        encoded = _is_binary(headers.get("content-type"), request.body)
        event["body"] = (
            base64.b64encode(request.body).decode("ascii")
            if encoded
            else request.body.decode("utf-8")
        )
        event["isBase64Encoded"] = encoded
    else:
        event["isBase64Encoded"] = False
    return json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace")


def _headers(request: UrlRequest, trace_id: str | None) -> tuple[dict[str, str], list[str]]:
    """Names lower-cased, repeats joined with "," [guide]. Cookie lines are also split on
    "; " into `cookies` [guide] and stay in `headers` too: API Gateway's HTTP APIs drop the
    header, but Function URLs keep it (observed on Function URLs by aws-lambda-go's maintainers,
    issue 597, by hattip PR 159 and by aws-lambda-web-adapter issue 121, which saw both). Several
    Cookie lines are joined with "; " there, as HTTP/2 joins cookie crumbs (RFC 9113, 8.2.3);
    not confirmed against AWS."""
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        key = name.lower()
        if key == "cookie":
            cookies.extend(part for part in value.split("; ") if part)
        if key in EDGE_HEADERS:
            continue
        separator = "; " if key == "cookie" else ","
        joined[key] = f"{joined[key]}{separator}{value}" if key in joined else value
    joined["x-forwarded-for"] = request.source_ip
    joined["x-forwarded-port"] = str(request.port)
    joined["x-forwarded-proto"] = request.scheme
    if request.tls_version is not None:
        joined["x-amzn-tls-version"] = request.tls_version
    if request.tls_cipher is not None:
        joined["x-amzn-tls-cipher-suite"] = request.tls_cipher
    if trace_id is not None:
        joined["x-amzn-trace-id"] = trace_id
    return joined, cookies


def query_parameters(raw_query: str) -> dict[str, str]:
    """Decoded, blank values kept, repeated keys joined with "," in order [recorded:
    "multiQuery=foo&multiQuery=%2Fbar" gives "foo,/bar"]. `+` decodes to a space (form
    encoding, as browsers send it; not confirmed against AWS)."""
    joined: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True, errors="replace"):
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


def _context(
    request: UrlRequest,
    account_id: str,
    request_id: str,
    received_at: datetime,
    iam: IamCaller | None,
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "accountId": account_id if iam is not None else "anonymous",
        "apiId": request.url_id,
    }
    if iam is not None:
        context["authorizer"] = {
            "iam": {
                "accessKey": iam.access_key,
                "accountId": iam.account_id,
                "callerId": iam.caller_id,
                "cognitoIdentity": None,
                "principalOrgId": None,
                "userArn": iam.user_arn,
                "userId": iam.user_id,
            }
        }
    user_agent = next((v for n, v in request.headers if n.lower() == "user-agent"), "")
    context |= {
        "domainName": request.domain_name,
        "domainPrefix": request.url_id,
        # The path as received, like rawPath: [recorded] answers "/pa2%Fth/1" for that
        # request, and Function URLs keep paths percent-encoded where HTTP APIs decode them.
        "http": {
            "method": request.method,
            "path": request.raw_path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": user_agent,
        },
        "requestId": request_id,
        "routeKey": "$default",
        "stage": "$default",
        "time": clf_time(received_at),
        "timeEpoch": epoch_ms(received_at),
    }
    return context


def clf_time(moment: datetime) -> str:
    """ "12/Mar/2020:19:03:58 +0000" [guide], in UTC, with English month names whatever the
    locale."""
    utc = _utc(moment)
    return f"{utc.day:02d}/{_MONTHS[utc.month - 1]}/{utc.year:04d}:{utc:%H:%M:%S} +0000"


def epoch_ms(moment: datetime) -> int:
    return (_utc(moment) - _EPOCH) // timedelta(milliseconds=1)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a request's time must be timezone-aware")
    return moment.astimezone(UTC)


def media_type(content_type: str | None) -> str | None:
    if content_type is None:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def _is_binary(content_type: str | None, body: bytes) -> bool:
    kind = media_type(content_type)
    if kind is None or not (kind.startswith("text/") or kind in TEXT_TYPES):
        return True
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False
