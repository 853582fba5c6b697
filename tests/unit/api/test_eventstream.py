"""The event-stream encoder, read back by botocore's own decoder and response parser."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

import botocore.session
import pytest
from botocore.eventstream import (
    ChecksumMismatch,
    EventStream,
    EventStreamBuffer,
    EventStreamMessage,
)
from botocore.parsers import EventStreamJSONParser
from hypothesis import given
from hypothesis import strategies as st

from stockade.api.protocols import event_stream_body, eventstream
from stockade.errors import ApiError

MODEL = botocore.session.get_session().get_service_model("lambda")
OPERATION = MODEL.operation_model("InvokeWithResponseStream")


def decode(data: bytes) -> list[EventStreamMessage]:
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    return list(buffer)


def sdk_events(data: bytes) -> list[dict[str, Any]]:
    """What boto3 hands a caller for these bytes (its EventStream over the response)."""

    class Raw:
        def stream(self) -> Any:
            yield data

    shape = OPERATION.output_shape.members["EventStream"]
    stream = EventStream(Raw(), shape, EventStreamJSONParser(), "InvokeWithResponseStream")
    return list(stream)


def test_one_message_round_trips_through_botocores_decoder() -> None:
    data = eventstream.event("PayloadChunk", "application/octet-stream", b"hello")
    (message,) = decode(data)
    assert message.payload == b"hello"
    assert message.headers == {
        ":event-type": "PayloadChunk",
        ":content-type": "application/octet-stream",
        ":message-type": "event",
    }
    assert message.prelude.total_length == len(data)


@given(
    headers=st.lists(
        st.tuples(st.text(min_size=1, max_size=20), st.text(max_size=300)), max_size=6
    ),
    payload=st.binary(max_size=4096),
)
def test_any_string_headers_and_payload_decode_as_sent(
    headers: list[tuple[str, str]], payload: bytes
) -> None:
    sent = dict(headers)  # the decoder keeps the last of a repeated name
    (message,) = decode(eventstream.encode_message(list(sent.items()), payload))
    assert message.headers == sent
    assert message.payload == payload


def test_a_corrupted_byte_fails_the_crc() -> None:
    data = bytearray(eventstream.event("PayloadChunk", "application/octet-stream", b"abc"))
    data[-6] ^= 0x01  # inside the payload
    with pytest.raises(ChecksumMismatch):
        decode(bytes(data))


def test_boto3_reads_chunks_and_the_completion_event() -> None:
    union = OPERATION.output_shape.members["EventStream"]
    data = b"".join(
        [
            *event_stream_body.encode_event(union, "PayloadChunk", {"Payload": b"one "}),
            *event_stream_body.encode_event(union, "PayloadChunk", {"Payload": b"two"}),
            *event_stream_body.encode_event(
                union, "InvokeComplete", {"ErrorCode": "Error", "ErrorDetails": "boom"}
            ),
        ]
    )
    events = sdk_events(data)
    assert events == [
        {"PayloadChunk": {"Payload": b"one "}},
        {"PayloadChunk": {"Payload": b"two"}},
        {"InvokeComplete": {"ErrorCode": "Error", "ErrorDetails": "boom"}},
    ]


def test_a_payload_larger_than_a_message_is_split_in_order() -> None:
    union = OPERATION.output_shape.members["EventStream"]
    payload = bytes(range(256)) * (eventstream.MAX_EVENT_PAYLOAD // 256 * 2 + 3)
    messages = list(event_stream_body.encode_event(union, "PayloadChunk", {"Payload": payload}))
    assert len(messages) == 3
    chunks = [e["PayloadChunk"]["Payload"] for e in sdk_events(b"".join(messages))]
    assert b"".join(chunks) == payload
    assert all(len(c) <= eventstream.MAX_EVENT_PAYLOAD for c in chunks)


class _Throttled(ApiError):
    code = "TooManyRequestsException"
    http_status = 429
    sender_fault = True


def test_the_streamed_answer_has_the_models_head_and_an_error_message_botocore_raises() -> None:
    async def events() -> AsyncIterator[Mapping[str, Mapping[str, Any]] | ApiError]:
        yield {"PayloadChunk": {"Payload": b"part"}}
        yield _Throttled("Rate Exceeded.")

    head = {"StatusCode": 200, "ExecutedVersion": "$LATEST",
            "ResponseStreamContentType": eventstream.CONTENT_TYPE}  # fmt: skip
    response = event_stream_body.serialize_stream(OPERATION, head, events(), "rid-1")
    assert response.status == 200
    headers = dict(response.headers)
    assert headers["X-Amz-Executed-Version"] == "$LATEST"
    assert headers["Content-Type"] == eventstream.CONTENT_TYPE
    assert [k for k, _ in response.headers].count("Content-Type") == 1
    assert response.stream is not None

    async def collect() -> bytes:
        assert response.stream is not None
        return b"".join([piece async for piece in response.stream])

    data = asyncio.run(collect())
    messages = decode(data)
    assert messages[0].payload == b"part"
    assert messages[1].headers == {
        ":message-type": "error",
        ":error-code": "TooManyRequestsException",
        ":error-message": "Rate Exceeded.",
    }
    with pytest.raises(Exception, match="Rate Exceeded") as raised:
        sdk_events(data)
    assert "TooManyRequestsException" in str(raised.value)


def test_a_completion_event_is_json() -> None:
    union = OPERATION.output_shape.members["EventStream"]
    (data,) = event_stream_body.encode_event(union, "InvokeComplete", {"LogResult": "bG9n"})
    (message,) = decode(data)
    assert message.headers[":content-type"] == "application/json"
    assert json.loads(message.payload) == {"LogResult": "bG9n"}
