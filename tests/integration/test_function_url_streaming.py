"""RESPONSE_STREAM function URLs: the body reaches the client as the function writes it.

AWS facts (Lambda developer guide, configuration-response-streaming): a URL whose InvokeMode is
RESPONSE_STREAM sends the body chunked as the function produces it; a Node function sets the
status, headers and cookies with `awslambda.HttpResponseStream.from` (a JSON prelude and eight
NUL bytes, content type application/vnd.awslambda.http-integration-response); past the first
6 MB the stream is held to 2 MBps. A failure after the head can only cut the body short.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
import urllib.parse

import pytest

from tests.support.function_urls import create_function, public_url
from tests.support.packages import make_zip
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration

MB = 1024 * 1024
PIECES = 5
PIECE_BYTES = 4 * MB  # a 20 MB body
PAUSE_S = 0.6

NODE = f"""
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
exports.big = awslambda.streamifyResponse(async (event, responseStream) => {{
  const stream = awslambda.HttpResponseStream.from(responseStream, {{
    statusCode: 201,
    headers: {{ "content-type": "application/x-pieces", "x-kind": "streamed" }},
    cookies: ["a=1; Path=/", "b=2"],
  }});
  for (let i = 0; i < {PIECES}; i++) {{
    if (i) await sleep({int(PAUSE_S * 1000)});
    const piece = Buffer.alloc({PIECE_BYTES}, 65 + i);
    piece.write((Date.now() / 1000).toFixed(6).padEnd(20));
    await new Promise((r) => stream.write(piece, r));
  }}
  stream.end();
}});
exports.failing = awslambda.streamifyResponse(async (event, responseStream) => {{
  const stream = awslambda.HttpResponseStream.from(responseStream, {{ statusCode: 200 }});
  stream.write("first part, ");
  await sleep(200);
  throw new TypeError("broke after the first part");
}});
exports.plain = awslambda.streamifyResponse(async (event, responseStream) => {{
  responseStream.setContentType("text/plain");
  responseStream.write("no prelude");
  responseStream.end();
}});
"""

PYTHON = """
def handler(event, context):
    yield b"generated, "
    yield b"then more"

def whole(event, context):
    return {"statusCode": 202, "body": "buffered answer"}
"""


def create_url(server: RunningServer, runtime: str, handler: str, code: bytes) -> str:
    name = create_function(server, code, handler, runtime)
    return public_url(server, name, InvokeMode="RESPONSE_STREAM")


def open_stream(server: RunningServer, url: str) -> http.client.HTTPResponse:
    parts = urllib.parse.urlsplit(url)
    context = ssl.create_default_context(cafile=server.ca_bundle)
    connection = http.client.HTTPSConnection("127.0.0.1", parts.port, context=context, timeout=60)
    connection.request("GET", parts.path)
    return connection.getresponse()


def timed_body(response: http.client.HTTPResponse) -> list[tuple[float, bytes]]:
    """The body as it arrives: (arrival time, bytes read), at most 10,000 reads."""
    pieces = []
    for _ in range(10_000):
        data = response.read1(1024 * 1024)
        if not data:
            break
        pieces.append((time.time(), data))
    return pieces


@pytest.mark.slow
def test_a_20_mb_streamed_body_arrives_before_the_function_ends(server: RunningServer) -> None:
    url = create_url(server, "nodejs20.x", "index.big", make_zip({"index.js": NODE}))
    response = open_stream(server, url)
    assert response.status == 201
    assert response.getheader("content-type") == "application/x-pieces"
    assert response.getheader("x-kind") == "streamed"
    assert response.getheader("transfer-encoding") == "chunked"
    assert [v for k, v in response.getheaders() if k.lower() == "set-cookie"] == [
        "a=1; Path=/",
        "b=2",
    ]
    received = timed_body(response)
    body = b"".join(data for _, data in received)
    assert len(body) == PIECES * PIECE_BYTES
    pieces = [body[i * PIECE_BYTES : (i + 1) * PIECE_BYTES] for i in range(PIECES)]
    for i, piece in enumerate(pieces):
        assert piece[20:] == bytes([65 + i]) * (PIECE_BYTES - 20)
    produced = [float(p[:20]) for p in pieces]
    # The first bytes reached the client well before the function wrote its last piece.
    assert received[0][0] < produced[-1] - (PIECES - 1) * PAUSE_S * 0.5
    # Past the first 6 MB, Lambda's 2 MBps: the other 14 MiB take at least about 7 s.
    assert received[-1][0] - received[0][0] >= (PIECES * PIECE_BYTES - 6 * MB) / (2 * MB) * 0.85


def test_a_failure_after_the_head_cuts_the_body_short(server: RunningServer) -> None:
    url = create_url(server, "nodejs20.x", "index.failing", make_zip({"index.js": NODE}))
    response = open_stream(server, url)
    assert response.status == 200
    with pytest.raises((http.client.IncompleteRead, ConnectionError, socket.timeout)):
        response.read()


def test_a_stream_without_a_prelude_is_a_200_of_its_content_type(server: RunningServer) -> None:
    url = create_url(server, "nodejs20.x", "index.plain", make_zip({"index.js": NODE}))
    response = open_stream(server, url)
    assert response.status == 200
    assert response.getheader("content-type") == "text/plain"
    assert response.read() == b"no prelude"


def test_python_streams_and_a_buffered_answer_in_stream_mode(server: RunningServer) -> None:
    code = make_zip({"app.py": PYTHON})
    generated = open_stream(server, create_url(server, "python3.11", "app.handler", code))
    assert generated.status == 200
    assert generated.getheader("content-type") == "application/octet-stream"
    assert generated.read() == b"generated, then more"
    whole = open_stream(server, create_url(server, "python3.11", "app.whole", code))
    assert whole.status == 202
    assert whole.read() == b"buffered answer"
