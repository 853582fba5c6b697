"""The `application/vnd.amazon.eventstream` binary message encoding (what the SDKs decode).

One message is

    [total length u32][headers length u32][prelude CRC32] [headers] [payload] [message CRC32]

with big-endian integers, each CRC32 over every byte before it, and headers as
`[name length u8][name][type u8][value]`; Stockade sends only string headers (type 7,
`[length u16][utf-8]`). botocore's decoder (botocore/eventstream.py) and the JavaScript SDK's
(@smithy/core event-streams) parse exactly this. botocore caps a payload at 24 MiB and the
headers at 128 KiB, the JavaScript SDK a header value at 32,767 bytes: an event's payload is
split past `MAX_EVENT_PAYLOAD` (so a whole 6 MB Invoke payload is still one message), and
header values stay under the smaller cap.
"""

from __future__ import annotations

import struct
from binascii import crc32
from collections.abc import Sequence

CONTENT_TYPE = "application/vnd.amazon.eventstream"
MAX_EVENT_PAYLOAD = 8 * 1024 * 1024  # bytes per message; under botocore's 24 MiB
_MAX_HEADER_VALUE = 32_767  # the JavaScript SDK's bound
_MAX_ERROR_MESSAGE = 1024  # characters of an error message sent in a header
_STRING = 7
_PRELUDE = struct.Struct(">II")
_CRC = struct.Struct(">I")


def encode_message(headers: Sequence[tuple[str, str]], payload: bytes) -> bytes:
    encoded = b"".join(_header(name, value) for name, value in headers)
    total = _PRELUDE.size + _CRC.size + len(encoded) + len(payload) + _CRC.size
    prelude = _PRELUDE.pack(total, len(encoded))
    prelude += _CRC.pack(crc32(prelude) & 0xFFFFFFFF)
    body = prelude + encoded + payload
    return body + _CRC.pack(crc32(body) & 0xFFFFFFFF)


def event(event_type: str, content_type: str, payload: bytes) -> bytes:
    """An event message, as AWS frames one member of an event-stream union."""
    return encode_message(
        (
            (":event-type", event_type),
            (":content-type", content_type),
            (":message-type", "event"),
        ),
        payload,
    )


def error(code: str, message: str) -> bytes:
    """An error message: the stream failed after its head was sent (SDKs raise it)."""
    return encode_message(
        (
            (":message-type", "error"),
            (":error-code", code),
            (":error-message", message[:_MAX_ERROR_MESSAGE]),
        ),
        b"",
    )


def _header(name: str, value: str) -> bytes:
    raw_name, raw_value = name.encode("utf-8"), value.encode("utf-8")
    if len(raw_name) > 255 or len(raw_value) > _MAX_HEADER_VALUE:
        raise ValueError(f"event-stream header {name[:40]} is too long")
    return (
        bytes((len(raw_name),))
        + raw_name
        + bytes((_STRING,))
        + struct.pack(">H", len(raw_value))
        + raw_value
    )
