"""The streamed response's head, from the prelude the Node.js runtime writes
(awslambda.HttpResponseStream.from: JSON, 8 NUL bytes, body)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from stockade.services.lambda_ import url_errors
from stockade.services.lambda_.url_response import UrlResponse, error_response
from stockade.services.lambda_.url_stream import (
    DELIMITER,
    PRELUDE_CONTENT_TYPE,
    PreludeReader,
)

BAD_GATEWAY = error_response(url_errors.FUNCTION_ERROR)


def prelude(**metadata: object) -> bytes:
    return json.dumps(metadata).encode() + DELIMITER


def test_the_prelude_gives_status_headers_and_cookies_and_the_rest_is_body() -> None:
    reader = PreludeReader(PRELUDE_CONTENT_TYPE)
    head, body = reader.feed(
        prelude(statusCode=201, headers={"Content-Type": "text/html"}, cookies=["a=1"]) + b"<p>"
    )
    assert head == UrlResponse(201, (("Content-Type", "text/html"), ("Set-Cookie", "a=1")), b"")
    assert body == b"<p>"
    assert reader.feed(b"more") == (None, b"more")
    assert reader.finish() == head


def test_a_prelude_split_across_pieces_is_reassembled() -> None:
    reader = PreludeReader(f"{PRELUDE_CONTENT_TYPE}; charset=utf-8")
    data = prelude(statusCode=404) + b"missing"
    pieces = [reader.feed(bytes([byte])) for byte in data]
    heads = [head for head, _ in pieces if head is not None]
    assert [head.status for head in heads] == [404]
    assert b"".join(body for _, body in pieces) == b"missing"


def test_a_prelude_without_status_means_200_and_json() -> None:
    head, _ = PreludeReader(PRELUDE_CONTENT_TYPE).feed(prelude())
    assert head == UrlResponse(200, (("Content-Type", "application/json"),), b"")


def test_another_content_type_has_no_prelude() -> None:
    reader = PreludeReader("text/plain")
    head, body = reader.feed(b'{"statusCode": 500}' + DELIMITER)
    assert head == UrlResponse(200, (("Content-Type", "text/plain"),), b"")
    assert body == b'{"statusCode": 500}' + DELIMITER
    assert reader.feed(b"x") == (None, b"x")


def test_a_stream_without_content_type_is_octet_stream() -> None:
    reader = PreludeReader(None)
    assert reader.finish() == UrlResponse(200, (("Content-Type", "application/octet-stream"),), b"")
    assert PreludeReader("a\r\nb").finish().headers == (
        ("Content-Type", "application/octet-stream"),
    )


def test_an_empty_prelude_typed_stream_is_200() -> None:
    # The Node runtime writes the prelude with the first write only.
    assert PreludeReader(PRELUDE_CONTENT_TYPE).finish().status == 200


def test_a_stream_that_ends_inside_the_prelude_is_the_function_error() -> None:
    reader = PreludeReader(PRELUDE_CONTENT_TYPE)
    assert reader.feed(b'{"statusCode": 200}') == (None, b"")
    assert reader.finish() == BAD_GATEWAY
    assert reader.failed


def test_a_bad_prelude_fails_closed_and_drops_the_rest() -> None:
    for bad in (b"not json", b"[1]", b'{"statusCode": "x"}', b'{"headers": {"a": "b\\nc"}}'):
        reader = PreludeReader(PRELUDE_CONTENT_TYPE)
        assert reader.feed(bad + DELIMITER + b"body") == (BAD_GATEWAY, b"")
        assert reader.feed(b"later") == (None, b"")
        assert reader.finish() == BAD_GATEWAY


def test_an_oversized_prelude_fails_without_waiting_for_its_end() -> None:
    reader = PreludeReader(PRELUDE_CONTENT_TYPE, limit=100)
    assert reader.feed(b" " * 100) == (None, b"")
    assert reader.feed(b" " * 7) == (None, b"")  # could still be a delimiter's start
    assert reader.feed(b" ") == (BAD_GATEWAY, b"")
    late = PreludeReader(PRELUDE_CONTENT_TYPE, limit=10)
    assert late.feed(b"{" + b" " * 10 + b"}" + DELIMITER) == (BAD_GATEWAY, b"")


@given(st.lists(st.binary(max_size=64), max_size=20))
def test_arbitrary_bytes_never_raise_and_memory_stays_bounded(pieces: list[bytes]) -> None:
    reader = PreludeReader(PRELUDE_CONTENT_TYPE, limit=32)
    heads = []
    for piece in pieces:
        head, _ = reader.feed(piece)
        if head is not None:
            heads.append(head)
        assert len(reader._buffer) <= 32 + len(DELIMITER) - 1
    assert len(heads) <= 1
    final = reader.finish()
    assert 100 <= final.status <= 599


@given(
    st.integers(100, 599),
    st.binary(max_size=200),
    st.lists(st.integers(1, 50), min_size=1, max_size=10),
)
def test_any_split_gives_the_same_head_and_body(status: int, body: bytes, cuts: list[int]) -> None:
    data = prelude(statusCode=status) + body
    reader = PreludeReader(PRELUDE_CONTENT_TYPE)
    got_body, heads, at = b"", [], 0
    for cut in [*cuts, len(data)]:
        head, piece = reader.feed(data[at : at + cut])
        at += cut
        got_body += piece
        heads += [head] if head is not None else []
    assert [h.status for h in heads] == [status]
    assert got_body == body
