"""Function URLs served by a real server: plain HTTPS clients, boto3's signer, real functions.

AWS facts (Lambda developer guide, urls-auth and urls-invocation): an AWS_IAM URL needs a
SigV4 request (service `lambda`) from a principal allowed lambda:InvokeFunctionUrl and
lambda:InvokeFunction; a NONE URL serves anyone its resource policy lets in (the two statements
AWS's console writes), and answers 403 otherwise. The URL the API answers is the one served.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
import uuid

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.support.function_urls import allow_public, create_function, public_url
from tests.support.journal import journalled, select_data_events, selectors_kept
from tests.support.packages import make_zip
from tests.support.server import RunningServer
from tests.support.url_client import request

pytestmark = pytest.mark.integration
# AWS's answer to a refused request (recorded by LocalStack against AWS: urls-auth link).
FORBIDDEN = {
    "Message": "Forbidden. For troubleshooting Function URL authorization issues, see:"
    " https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"
}

ECHO = """
import base64, json

def handler(event, context):
    return {
        "statusCode": 201,
        "headers": {"content-type": "application/json", "x-echo": "yes"},
        "cookies": ["first=1; Path=/", "second=2"],
        "body": json.dumps(event),
    }

def plain(event, context):
    return {"hello": "world"}

def binary(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/octet-stream"},
            "isBase64Encoded": True, "body": event.get("body", "")}

def failing(event, context):
    raise ValueError("secret-detail-4111")
"""


def signed_headers(
    server: RunningServer,
    url: str,
    method: str = "GET",
    body: bytes = b"",
    credentials: tuple[str, str] | None = None,
) -> dict[str, str]:
    """What boto3's SigV4 signer adds for a function URL request (service lambda)."""
    key, secret = credentials or server.credentials()
    signed = AWSRequest(method=method, url=url, data=body)
    SigV4Auth(Credentials(key, secret), "lambda", server.region).add_auth(signed)
    return dict(signed.headers.items())


def echo_function(server: RunningServer, handler: str = "app.handler") -> str:
    return create_function(server, make_zip({"app.py": ECHO}), handler)


@pytest.fixture(scope="module")
def public(server: RunningServer) -> tuple[str, str]:
    name = echo_function(server)
    url = server.client("lambda").create_function_url_config(FunctionName=name, AuthType="NONE")[
        "FunctionUrl"
    ]
    allow_public(server, name)
    return name, url


def test_the_url_the_api_answers_is_served_on_the_listener(
    server: RunningServer, public: tuple[str, str]
) -> None:
    name, url = public
    parts = urllib.parse.urlsplit(url)
    assert parts.scheme == "https"
    assert parts.port == server.url_port
    url_id = parts.path.strip("/")
    assert len(url_id) == 32
    assert url_id.isalnum()
    got = server.client("lambda").get_function_url_config(FunctionName=name)
    assert got["FunctionUrl"] == url


def test_a_none_url_without_the_public_statement_is_forbidden(server: RunningServer) -> None:
    name = echo_function(server)
    url = server.client("lambda").create_function_url_config(FunctionName=name, AuthType="NONE")[
        "FunctionUrl"
    ]
    reply = request(server, url)
    assert reply.status == 403
    assert reply.json() == FORBIDDEN
    # Half of the console's grant is not enough: URLs need lambda:InvokeFunction too.
    server.client("lambda").add_permission(
        FunctionName=name, StatementId="url", Action="lambda:InvokeFunctionUrl",
        Principal="*", FunctionUrlAuthType="NONE",
    )  # fmt: skip
    assert request(server, url).status == 403


def test_a_none_url_with_the_public_statement_serves_anyone(
    server: RunningServer, public: tuple[str, str]
) -> None:
    _, url = public
    reply = request(
        server,
        url + "some/path?b=2&a=1&a=3",
        "POST",
        b'{"k": "v"}',
        {"Content-Type": "application/json", "Cookie": "c1=x; c2=y", "X-Multi": "one",
         "X-Amzn-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793",
         "X-Forwarded-For": "203.0.113.66"},
    )  # fmt: skip
    assert reply.status == 201, reply.body
    assert reply.header("x-echo") == "yes"
    assert reply.all("set-cookie") == ["first=1; Path=/", "second=2"]
    assert reply.header("x-amzn-requestid")
    event = reply.json()
    assert event["version"] == "2.0"
    assert event["rawPath"] == "/some/path"
    assert event["rawQueryString"] == "b=2&a=1&a=3"
    assert event["queryStringParameters"] == {"a": "1,3", "b": "2"}
    assert event["cookies"] == ["c1=x", "c2=y"]
    assert event["headers"]["x-multi"] == "one"
    # The caller's trace is continued; the edge's forwarding headers are its own, not the
    # client's claims.
    assert "Root=1-5759e988-bd862e3fe1be46a994272793" in event["headers"]["x-amzn-trace-id"]
    assert event["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert event["headers"]["x-forwarded-proto"] == "https"
    assert event["headers"]["x-amzn-tls-version"].startswith("TLSv1.")
    context = event["requestContext"]
    assert context["http"]["method"] == "POST"
    assert context["http"]["sourceIp"] == "127.0.0.1"
    assert context["accountId"] == "anonymous"  # an unsigned request (AWS, captured)
    assert context["requestId"] == reply.header("x-amzn-requestid")
    assert "authorizer" not in context  # nobody signed
    body = event["body"]
    if event["isBase64Encoded"]:
        body = base64.b64decode(body).decode()
    assert json.loads(body) == {"k": "v"}


def test_an_aws_iam_url_serves_only_signed_requests_of_allowed_callers(
    server: RunningServer,
) -> None:
    name = echo_function(server)
    url = server.client("lambda").create_function_url_config(FunctionName=name, AuthType="AWS_IAM")[
        "FunctionUrl"
    ]
    assert request(server, url).status == 403  # unsigned
    key, _ = server.credentials()
    forged = signed_headers(server, url, credentials=(key, "not-the-secret"))
    assert request(server, url, headers=forged).status == 403  # wrongly signed
    reply = request(server, url, headers=signed_headers(server, url))
    assert reply.status == 201, reply.body
    iam = reply.json()["requestContext"]["authorizer"]["iam"]
    assert iam["accessKey"] == key
    assert iam["accountId"] == server.account_id
    assert iam["userArn"].startswith(f"arn:aws:iam::{server.account_id}:")
    # A user with no policy is refused: the kernel decides, not the listener.
    iam_client = server.client("iam")
    user = f"nobody-{uuid.uuid4().hex[:8]}"
    iam_client.create_user(UserName=user)
    created = iam_client.create_access_key(UserName=user)["AccessKey"]
    credentials = (created["AccessKeyId"], created["SecretAccessKey"])
    time.sleep(0.1)
    denied = request(server, url, headers=signed_headers(server, url, credentials=credentials))
    assert denied.status == 403
    assert denied.json() == FORBIDDEN


def test_any_json_value_is_a_200_json_body_and_binary_bodies_round_trip(
    server: RunningServer,
) -> None:
    lam = server.client("lambda")
    plain = echo_function(server, "app.plain")
    binary = echo_function(server, "app.binary")
    for name in (plain, binary):
        allow_public(server, name)
    plain_url = lam.create_function_url_config(FunctionName=plain, AuthType="NONE")["FunctionUrl"]
    binary_url = lam.create_function_url_config(FunctionName=binary, AuthType="NONE")["FunctionUrl"]
    reply = request(server, plain_url)
    assert (reply.status, reply.json()) == (200, {"hello": "world"})
    assert reply.header("content-type") == "application/json"
    data = bytes(range(256)) * 64
    echoed = request(server, binary_url, "POST", data, {"Content-Type": "application/octet-stream"})
    assert (echoed.status, echoed.body) == (200, data)


def test_a_function_error_is_a_502_without_its_details(server: RunningServer) -> None:
    name = echo_function(server, "app.failing")
    allow_public(server, name)
    url = server.client("lambda").create_function_url_config(FunctionName=name, AuthType="NONE")[
        "FunctionUrl"
    ]
    reply = request(server, url)
    assert reply.status == 502
    assert b"secret-detail-4111" not in reply.body


def test_an_unknown_url_is_refused_as_aws_refuses_it(server: RunningServer) -> None:
    # AWS answers 403 {"Message": null} (AccessDeniedException), not 404 (recorded).
    for path in (f"/{'a' * 32}/", "/"):
        reply = request(server, f"https://127.0.0.1:{server.url_port}{path}")
        assert reply.status == 403
        assert reply.json() == {"Message": None}
        assert reply.header("x-amzn-errortype") == "AccessDeniedException"


def test_a_url_invocation_is_an_audited_data_event_with_source_and_auth_type(
    server: RunningServer, public: tuple[str, str]
) -> None:
    name, url = public
    arn = server.client("lambda").get_function_configuration(FunctionName=name)["FunctionArn"]
    with selectors_kept(server):
        select_data_events(server, arn)
        reply = request(server, url + "audited?token=secret-query-4111", "POST", b"secret-body")
        assert reply.status == 201
        (record,) = journalled(server, reply.header("x-amzn-requestid") or "")
    assert record["eventName"] == "InvokeFunctionUrl"
    assert record["eventSource"] == "lambda.amazonaws.com"
    assert record["eventCategory"] == "Data"
    assert record["sourceIPAddress"] == "127.0.0.1"
    assert record["additionalEventData"]["authType"] == "NONE"
    assert record["userIdentity"]["type"] == "AWSAccount"
    assert record["userIdentity"]["accountId"] == "anonymous"
    assert record["resources"][0]["ARN"] == arn
    text = json.dumps(record)
    assert "secret-query-4111" not in text
    assert "secret-body" not in text


CORS = {
    "AllowOrigins": ["https://app.example"],
    "AllowMethods": ["GET", "POST"],
    "AllowHeaders": ["x-custom"],
    "ExposeHeaders": ["x-echo"],
    "AllowCredentials": True,
    "MaxAge": 300,
}


@pytest.fixture(scope="module")
def cors_url(server: RunningServer) -> str:
    return public_url(server, echo_function(server), Cors=CORS)


def test_a_preflight_is_answered_by_the_platform(server: RunningServer, cors_url: str) -> None:
    reply = request(server, cors_url, "OPTIONS", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-custom",
    })  # fmt: skip
    assert reply.status == 200
    assert reply.body == b""  # the function (which answers 201 with a JSON echo) did not run
    assert reply.header("access-control-allow-origin") == "https://app.example"
    assert reply.header("access-control-allow-methods") == "GET,POST"
    assert reply.header("access-control-allow-headers") == "x-custom"
    assert reply.header("access-control-max-age") == "300"
    assert reply.header("access-control-allow-credentials") == "true"
    assert reply.header("vary") == "Origin"


def test_a_cross_origin_request_gets_the_configured_headers(
    server: RunningServer, cors_url: str
) -> None:
    reply = request(server, cors_url, headers={"Origin": "https://app.example"})
    assert reply.status == 201  # the function's own answer
    assert reply.header("access-control-allow-origin") == "https://app.example"
    assert reply.header("access-control-expose-headers") == "x-echo"
    assert reply.header("access-control-allow-credentials") == "true"
    assert reply.header("x-echo") == "yes"
    other = request(server, cors_url, headers={"Origin": "https://evil.example"})
    assert other.status == 201
    assert other.header("access-control-allow-origin") is None  # the browser refuses it
    preflight = request(server, cors_url, "OPTIONS", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "GET",
    })  # fmt: skip
    assert preflight.status == 200
    assert preflight.header("access-control-allow-origin") is None
