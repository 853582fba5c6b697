"""What a function URL refuses or cuts short, as AWS does: Lambda's 6 MB request and response
quotas (Lambda quotas; a URL answers 413 and 502), throttling and reserved concurrency 0 (429,
Lambda developer guide, urls-configuration), the function's timeout as the request's deadline
(502), a deleted URL (403, recorded), and malformed HTTP refused at the edge before any
function runs."""

from __future__ import annotations

import socket
import ssl
import time
import urllib.parse

import pytest

from tests.support.function_urls import create_function, public_url
from tests.support.packages import make_zip
from tests.support.server import RunningServer
from tests.support.url_client import request

pytestmark = pytest.mark.integration

CODE = """
import time

def handler(event, context):
    return {"statusCode": 200, "body": str(len(event.get("body", "")))}

def slow(event, context):
    time.sleep(5)
    return "late"

def huge(event, context):
    return "x" * (7 * 1024 * 1024)
"""


def limited(
    server: RunningServer, handler: str = "app.handler", timeout: int = 30
) -> tuple[str, str]:
    code = make_zip({"app.py": CODE})
    name = create_function(server, code, handler, timeout=timeout, memory=512)
    return name, public_url(server, name)


@pytest.fixture(scope="module")
def echo(server: RunningServer) -> tuple[str, str]:
    return limited(server)


def test_a_request_over_lambdas_6_mb_is_413(server: RunningServer, echo: tuple[str, str]) -> None:
    _, url = echo
    big = request(server, url, "POST", b"x" * (6 * 1024 * 1024 + 1), {"Content-Type": "text/plain"})
    assert big.status == 413
    assert big.header("x-amzn-errortype") == "RequestEntityTooLargeException"
    # 4.8 MB of binary is over 6 MiB once base64-encoded in the event: also refused.
    binary = request(server, url, "POST", b"\x00" * 4_800_000, {"Content-Type": "image/png"})
    assert binary.status == 413
    fits = request(server, url, "POST", b"y" * 1_000_000, {"Content-Type": "text/plain"})
    assert (fits.status, fits.body) == (200, b"1000000")


def test_reserved_concurrency_zero_is_429(server: RunningServer) -> None:
    name, url = limited(server)
    server.client("lambda").put_function_concurrency(
        FunctionName=name, ReservedConcurrentExecutions=0
    )
    reply = request(server, url)
    assert reply.status == 429
    assert reply.header("x-amzn-errortype") == "TooManyRequestsException"
    assert reply.json() == {"Message": "Rate Exceeded."}


def test_the_functions_timeout_is_the_requests_deadline(server: RunningServer) -> None:
    _, url = limited(server, "app.slow", timeout=1)
    started = time.monotonic()
    reply = request(server, url)
    assert reply.status == 502
    assert reply.body == b"Internal Server Error"
    assert time.monotonic() - started < 4.5  # the function sleeps 5 s; its timeout is 1 s


def test_a_response_over_6_mb_is_502(server: RunningServer) -> None:
    _, url = limited(server, "app.huge")
    reply = request(server, url)
    assert reply.status == 502
    assert reply.body == b"Internal Server Error"


def test_a_deleted_url_is_refused_at_once(server: RunningServer) -> None:
    name, url = limited(server)
    assert request(server, url).status == 200
    server.client("lambda").delete_function_url_config(FunctionName=name)
    reply = request(server, url)
    assert reply.status == 403
    assert reply.json() == {"Message": None}


def raw_exchange(server: RunningServer, url: str, data: bytes) -> bytes:
    parts = urllib.parse.urlsplit(url)
    context = ssl.create_default_context(cafile=server.ca_bundle)
    with (
        socket.create_connection(("127.0.0.1", parts.port or 443), timeout=10) as sock,
        context.wrap_socket(sock, server_hostname="127.0.0.1") as tls,
    ):
        tls.sendall(data)
        answer = b""
        for _ in range(100):  # bounded: until the server answers and closes
            piece = tls.recv(65536)
            if not piece:
                break
            answer += piece
            if b"\r\n\r\n" in answer:
                break
        return answer


def test_malformed_http_is_refused_at_the_edge(
    server: RunningServer, echo: tuple[str, str]
) -> None:
    _, url = echo
    path = urllib.parse.urlsplit(url).path
    garbage = raw_exchange(server, url, b"GET " + path.encode() + b" HTTP/1.1\r\nHost\r\n\r\n")
    assert garbage.startswith(b"HTTP/1.1 400")
    huge_header = raw_exchange(
        server, url,
        b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n",
    )  # fmt: skip
    # The edge's answers, not the function's (which answers 200 with its body's length).
    assert huge_header.startswith(b"HTTP/1.1 431")
