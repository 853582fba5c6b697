"""Opaque pagination markers: what the next page starts after, tamper-checked by parsing."""

from __future__ import annotations

import base64
import binascii
import json

from stockade.domain import limits
from stockade.services.lambda_.errors import InvalidParameterValueError


def encode_marker(*position: str | int) -> str:
    text = json.dumps(list(position), separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode()


def decode_marker(marker: str | None, arity: int) -> list[str | int] | None:
    if marker is None:
        return None
    try:
        position = json.loads(base64.urlsafe_b64decode(marker.encode()))
    except (ValueError, binascii.Error) as exc:
        raise InvalidParameterValueError("Invalid Marker.") from exc
    if (
        not isinstance(position, list)
        or len(position) != arity
        or not all(isinstance(p, (str, int)) for p in position)
    ):
        raise InvalidParameterValueError("Invalid Marker.")
    return position


def page_size(max_items: int | None) -> int:
    return min(max_items or limits.LIST_PAGE_MAX, limits.LIST_PAGE_MAX)
