"""The Runtime API's streaming response mode (`Lambda-Runtime-Function-Response-Mode:
streaming`, chunked, errors in trailers): pieces reach the invocation's sink as they are read,
the size bound holds, and a plain Invoke of a streaming function gets it buffered."""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import replace

from stockade.sandbox.runtime_api.http import (
    BodyPiece,
    ParseError,
    ParseErrorKind,
    Request,
    RequestParser,
    StreamStart,
)
from stockade.sandbox.runtime_api.session import (
    INVALID_REQUEST_ID,
    MAX_RESPONSE_BYTES,
    Invocation,
    Outcome,
    RuntimeSession,
)

PATH = "/2018-06-01/runtime/invocation/r1/response"
HEAD = (
    f"POST {PATH} HTTP/1.1\r\nHost: x\r\nLambda-Runtime-Function-Response-Mode: streaming\r\n"
    "Transfer-Encoding: chunked\r\nTrailer: Lambda-Runtime-Function-Error-Type\r\n\r\n"
).encode()


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def test_pieces_are_events_as_they_arrive_then_the_request_with_its_trailers() -> None:
    parser = RequestParser(1024, 10_000)
    (start,) = parser.feed(HEAD)
    assert isinstance(start, StreamStart)
    assert start.head.path == PATH
    assert parser.feed(chunk(b"hello ")[:4]) == [BodyPiece(b"h")]  # a piece of a chunk
    assert parser.feed(chunk(b"hello ")[4:]) == [BodyPiece(b"ello ")]
    assert parser.feed(chunk(b"world")) == [BodyPiece(b"world")]
    (done,) = parser.feed(b"0\r\nLambda-Runtime-Function-Error-Type: Oops\r\n\r\n")
    assert isinstance(done, Request)
    assert done.streamed
    assert done.body == b""
    assert done.trailers == {"lambda-runtime-function-error-type": "Oops"}
    # The connection goes on with ordinary requests.
    (plain,) = parser.feed(f"POST {PATH} HTTP/1.1\r\nContent-Length: 2\r\n\r\nok".encode())
    assert isinstance(plain, Request)
    assert plain.body == b"ok"
    assert not plain.streamed


def test_a_streamed_body_past_its_bound_is_refused_with_its_head() -> None:
    parser = RequestParser(8, 100)  # the bound of a streamed body, not of a buffered one
    parser.feed(HEAD)
    assert parser.feed(chunk(b"a" * 60)) == [BodyPiece(b"a" * 60)]
    (refused,) = parser.feed(chunk(b"b" * 41))
    assert isinstance(refused, ParseError)
    assert refused.kind is ParseErrorKind.TOO_LARGE
    assert refused.head is not None
    assert refused.head.path == PATH


def test_without_streaming_mode_a_chunked_body_is_buffered_and_its_trailers_ignored() -> None:
    parser = RequestParser(1024, 10_000)
    head = f"POST {PATH} HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
    (done,) = parser.feed(head + chunk(b"abc") + b"0\r\nX-T: 1\r\n\r\n")
    assert isinstance(done, Request)
    assert done.body == b"abc"
    assert not done.streamed
    assert done.trailers == {}


def test_a_malformed_trailer_is_a_bad_request() -> None:
    parser = RequestParser(1024, 10_000)
    parser.feed(HEAD)
    (refused,) = parser.feed(b"0\r\nno colon here\r\n\r\n")
    assert isinstance(refused, ParseError)
    assert refused.kind is ParseErrorKind.BAD_REQUEST


class ListSink:
    def __init__(self) -> None:
        self.pieces: list[bytes] = []
        self.content_type: str | None = None

    def begin(self, content_type: str | None) -> None:
        self.content_type = content_type

    async def write(self, data: bytes) -> None:
        self.pieces.append(data)


def invocation(sink: ListSink | None) -> Invocation:
    base = Invocation("r1", 1, "arn:aws:lambda:us-east-1:123456789012:function:f", b"{}")
    return replace(base, sink=sink)


def streamed_session(sink: ListSink | None) -> tuple[RuntimeSession, asyncio.Future[Outcome]]:
    session = RuntimeSession()
    session.next_invocation()
    outcome = session.deliver(invocation(sink))
    session.next_invocation()  # the runtime takes it
    return session, outcome


def test_pieces_go_to_the_sink_and_the_outcome_says_the_response_was_streamed() -> None:
    async def scenario() -> None:
        sink = ListSink()
        session, outcome = streamed_session(sink)
        assert session.start_stream("other") == INVALID_REQUEST_ID
        assert session.start_stream("r1") is None
        assert session.start_stream("r1") == INVALID_REQUEST_ID  # one stream per invocation
        await session.stream_piece(b"a")
        await session.stream_piece(b"b")
        assert sink.pieces == [b"a", b"b"]
        assert not outcome.done()
        assert session.finish_stream("r1", {}).status == 202
        assert outcome.result() == Outcome(b"", None, False, streamed=True)

    asyncio.run(scenario())


def test_an_error_in_the_trailers_is_the_invocations_error() -> None:
    async def scenario() -> None:
        session, outcome = streamed_session(ListSink())
        session.start_stream("r1")
        error = json.dumps({"errorType": "TypeError", "errorMessage": "bad"}).encode()
        trailers = {
            "lambda-runtime-function-error-type": "TypeError",
            "lambda-runtime-function-error-body": base64.b64encode(error).decode(),
        }
        session.finish_stream("r1", trailers)
        assert outcome.result() == Outcome(error, "TypeError", True, streamed=True)

    asyncio.run(scenario())


def test_a_plain_invoke_of_a_streaming_function_gets_it_buffered_up_to_6_mb() -> None:
    async def scenario() -> None:
        session, outcome = streamed_session(None)
        session.start_stream("r1")
        await session.stream_piece(b"part 1, ")
        await session.stream_piece(b"part 2")
        session.finish_stream("r1", {})
        assert outcome.result() == Outcome(b"part 1, part 2", None)

        session.next_invocation()
        outcome = session.deliver(replace(invocation(None), request_id="r2"))
        session.next_invocation()
        session.start_stream("r2")
        await session.stream_piece(b"x" * MAX_RESPONSE_BYTES)
        await session.stream_piece(b"y")
        session.finish_stream("r2", {})
        assert outcome.result().error_type == "Function.ResponseSizeTooLarge"

    asyncio.run(scenario())


def test_too_large_while_streaming_is_the_streamed_bound() -> None:
    async def scenario() -> None:
        session, outcome = streamed_session(ListSink())
        session.start_stream("r1")
        session.response_too_large("r1")
        result = outcome.result()
        assert result.error_type == "Function.ResponseSizeTooLarge"
        assert result.streamed
        assert str(200 * 1024 * 1024) in json.loads(result.payload)["errorMessage"]

    asyncio.run(scenario())
