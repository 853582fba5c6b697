from __future__ import annotations

import pytest

from stockade.sandbox.runtime_api.http import (
    ContinueNeeded,
    ParseError,
    ParseErrorKind,
    Request,
    RequestParser,
    render_response,
)


def parse(data: bytes, max_body: int = 1024) -> list[object]:
    return list(RequestParser(max_body).feed(data))


def test_get_next_is_parsed() -> None:
    (req,) = parse(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n")
    assert isinstance(req, Request)
    assert (req.method, req.path, req.body) == ("GET", "/2018-06-01/runtime/invocation/next", b"")


def test_body_arriving_in_pieces_is_reassembled() -> None:
    parser = RequestParser(1024)
    assert parser.feed(b"POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhe") == []
    (req,) = parser.feed(b"llo")
    assert isinstance(req, Request)
    assert req.body == b"hello"


def test_chunked_body_is_decoded() -> None:
    data = b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    (req,) = parse(data)
    assert isinstance(req, Request)
    assert req.body == b"abcde"


def test_pipelined_requests_come_out_in_order() -> None:
    one = b"POST /a HTTP/1.1\r\nContent-Length: 1\r\n\r\nx"
    two = b"GET /b HTTP/1.1\r\n\r\n"
    events = parse(one + two)
    assert [e.path for e in events if isinstance(e, Request)] == ["/a", "/b"]


@pytest.mark.parametrize(
    "data",
    [
        b"POST /x HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"GET /x HTTP/1.1\nHost: x\r\n\r\n",
        b"DELETE /x HTTP/1.1\r\n\r\n",
        b"GET x HTTP/1.1\r\n\r\n",
        b"GET /x HTTP/1.1\r\nBad Header: y\r\n\r\n",
    ],
    ids=["cl-and-te", "conflicting-cl", "bare-lf", "method", "target", "header-name"],
)
def test_ambiguous_or_malformed_requests_are_rejected(data: bytes) -> None:
    parser = RequestParser(1024)
    (event,) = parser.feed(data)
    assert isinstance(event, ParseError)
    assert event.kind is ParseErrorKind.BAD_REQUEST
    assert parser.dead
    assert parser.feed(b"GET / HTTP/1.1\r\n\r\n") == []


def test_body_over_the_limit_is_too_large_and_keeps_the_head() -> None:
    (event,) = parse(b"POST /r HTTP/1.1\r\nContent-Length: 2000\r\n\r\n", max_body=100)
    assert isinstance(event, ParseError)
    assert event.kind is ParseErrorKind.TOO_LARGE
    assert event.head is not None
    assert event.head.path == "/r"


def test_endless_header_block_is_too_large() -> None:
    parser = RequestParser(100)
    events = parser.feed(b"GET /" + b"a" * 20_000)
    assert isinstance(events[0], ParseError)
    assert events[0].kind is ParseErrorKind.TOO_LARGE


def test_expect_continue_is_answered_before_the_body() -> None:
    events = parse(b"POST /x HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
    assert isinstance(events[0], ContinueNeeded)


def test_response_headers_cannot_carry_line_breaks() -> None:
    with pytest.raises(ValueError, match="line break"):
        render_response(200, b"", {"X": "a\r\nInjected: 1"})
    assert render_response(202, b"ok").startswith(b"HTTP/1.1 202 Accepted\r\n")
