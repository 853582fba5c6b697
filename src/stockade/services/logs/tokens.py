"""Opaque paging tokens: where the next page starts, checked strictly when they come back.

A token only says where to resume inside the caller's own account (every read is scoped by the
account), so a forged one can at most start a listing elsewhere; it is still parsed strictly.
Event tokens carry their direction in front, like CloudWatch Logs' `f/...` and `b/...`.
"""

from __future__ import annotations

import base64
import binascii
import json

from stockade.services.logs.errors import InvalidParameterError
from stockade.store.log_ports import Position, StreamKey

_INVALID = "The specified nextToken is invalid."
_INT_LIMIT = 2**62  # positions are 64-bit integers in the store


def _encode(*parts: str | int) -> str:
    text = json.dumps(list(parts), separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(token: str, kinds: tuple[type, ...]) -> list[str | int]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        parts = json.loads(raw)
    except (ValueError, RecursionError, binascii.Error) as exc:
        raise InvalidParameterError(_INVALID) from exc
    if not isinstance(parts, list) or len(parts) != len(kinds):
        raise InvalidParameterError(_INVALID)
    for part, kind in zip(parts, kinds, strict=True):
        if type(part) is not kind or (isinstance(part, int) and not 0 <= part < _INT_LIMIT):
            raise InvalidParameterError(_INVALID)
    return parts


def group_token(last_name: str) -> str:
    return _encode("g", last_name)


def decode_group_token(token: str | None) -> str | None:
    if token is None:
        return None
    tag, name = _decode(token, (str, str))
    if tag != "g":
        raise InvalidParameterError(_INVALID)
    return str(name)


def stream_token(key: StreamKey) -> str:
    return _encode("s", key.last_event_ms, key.name)


def decode_stream_token(token: str | None) -> StreamKey | None:
    if token is None:
        return None
    tag, last_event_ms, name = _decode(token, (str, int, str))
    if tag != "s":
        raise InvalidParameterError(_INVALID)
    return StreamKey(int(last_event_ms), str(name))


def event_token(forward: bool, position: Position) -> str:
    return ("f/" if forward else "b/") + _encode(position.timestamp_ms, position.event_id)


def decode_event_token(token: str) -> tuple[bool, Position]:
    """(forward, position) of an event token."""
    direction, _, rest = token.partition("/")
    if direction not in ("f", "b"):
        raise InvalidParameterError(_INVALID)
    timestamp_ms, event_id = _decode(rest, (int, int))
    return direction == "f", Position(int(timestamp_ms), int(event_id))
