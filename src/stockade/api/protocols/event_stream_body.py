"""A rest-json answer whose payload member is an event stream (InvokeWithResponseStream).

The head (status code, header members) is serialized as for any rest-json answer; the body is
the events encoded one message each (eventstream.py) as the kernel hands them over. A member
marked `eventpayload` is the message's raw payload (a blob as octets, a string as text);
an event without one is its members as JSON. An error after the head is an error message.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from botocore.model import OperationModel, Shape, StructureShape

from stockade.api.http import HttpResponse
from stockade.api.protocols import eventstream, rest_json, values
from stockade.errors import ApiError


def serialize_stream(
    operation: OperationModel,
    head: Mapping[str, Any],
    events: AsyncIterator[Mapping[str, Mapping[str, Any]] | ApiError],
    request_id: str,
) -> HttpResponse:
    shape = operation.output_shape
    payload = None if shape is None else shape.serialization.get("payload")
    if shape is None or payload is None:
        raise ValueError(f"{operation.name} has no event-stream payload")
    union = shape.members[payload]
    if not isinstance(union, StructureShape) or not union.serialization.get("eventstream"):
        raise ValueError(f"{operation.name}'s payload is not an event stream")
    answered = rest_json.serialize_response(operation, head, request_id)
    headers = [(k, v) for k, v in answered.headers if k.lower() != "content-type"]
    headers.append(("Content-Type", eventstream.CONTENT_TYPE))
    return HttpResponse(answered.status, headers, stream=_encoded(union, events))


async def _encoded(
    union: StructureShape, events: AsyncIterator[Mapping[str, Mapping[str, Any]] | ApiError]
) -> AsyncIterator[bytes]:
    async for item in events:
        if isinstance(item, ApiError):
            yield eventstream.error(item.wire_code(rest_json.PROTOCOL), item.message)
            continue
        for name, members in item.items():
            for message in encode_event(union, name, members):
                yield message


def encode_event(union: StructureShape, name: str, members: Mapping[str, Any]) -> Iterator[bytes]:
    """One event as its messages: a payload larger than a message holds is split in order."""
    shape = union.members[name]
    if not isinstance(shape, StructureShape):
        raise ValueError(f"event {name} is not a structure")
    carried = _payload_member(shape)
    if carried is None:
        document = {
            k: values.to_json(shape.members[k], v) for k, v in members.items() if v is not None
        }
        data = json.dumps(document, separators=(",", ":")).encode()
        yield eventstream.event(name, "application/json", data)
        return
    member_name, member = carried
    value = members.get(member_name)
    if member.type_name == "blob":
        data, content_type = bytes(value or b""), "application/octet-stream"
    else:
        data, content_type = str(value or "").encode(), "text/plain"
    step = eventstream.MAX_EVENT_PAYLOAD
    for start in range(0, max(len(data), 1), step):
        yield eventstream.event(name, content_type, data[start : start + step])


def _payload_member(shape: StructureShape) -> tuple[str, Shape] | None:
    for member_name, member in shape.members.items():
        if member.serialization.get("eventpayload"):
            return member_name, member
    return None
