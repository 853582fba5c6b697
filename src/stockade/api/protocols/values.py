"""Typed values to and from JSON and text, following a botocore shape.

Shared by the JSON-bodied protocols (rest-json, json) and by header/query parsing.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from itertools import islice
from typing import Any

from botocore.model import Shape

from stockade.api.errors import MalformedRequestError
from stockade.errors import InternalError
from stockade.kernel.validation import collection_bound

_MAX_DEPTH = 32


def from_json(shape: Shape, value: Any, path: str = "", depth: int = 0) -> Any:
    """Convert a decoded JSON value to the Python type of `shape`, strictly."""
    if depth > _MAX_DEPTH:
        raise MalformedRequestError("Request body is nested too deeply.")
    kind = shape.type_name
    if kind == "structure" and shape.metadata.get("document"):
        return value  # any JSON value (Stockade's own model only)
    if kind == "structure":
        if not isinstance(value, dict):
            raise _mismatch(path, "an object")
        result: dict[str, Any] = {}
        for key, item in value.items():
            member = shape.members.get(key)
            if member is None:
                raise MalformedRequestError(
                    f"Unrecognized field '{key[:100]}' in {path or 'request'}."
                )
            if item is not None:
                result[key] = from_json(member, item, _join(path, key), depth + 1)
        return result
    if kind == "list":
        if not isinstance(value, list):
            raise _mismatch(path, "a list")
        # Past its bound a list fails validation whatever it holds: convert no more of it.
        kept = islice(value, collection_bound(shape) + 1)
        return [from_json(shape.member, item, path, depth + 1) for item in kept]
    if kind == "map":
        if not isinstance(value, dict):
            raise _mismatch(path, "an object")
        return {
            from_json(shape.key, k, path, depth + 1): from_json(shape.value, v, path, depth + 1)
            for k, v in islice(value.items(), collection_bound(shape) + 1)
        }
    return _scalar_from_json(shape, value, path)


def _scalar_from_json(shape: Shape, value: Any, path: str) -> Any:
    kind = shape.type_name
    if kind == "string":
        if not isinstance(value, str):
            raise _mismatch(path, "a string")
        return _unicode(value, path)
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _mismatch(path, "an integer")
        return _in_range(kind, value, path)
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _mismatch(path, "a number")
        return float(value)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _mismatch(path, "a boolean")
        return value
    if kind == "blob":
        if not isinstance(value, str):
            raise _mismatch(path, "a base64 string")
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _mismatch(path, "valid base64") from exc
    if kind == "timestamp":
        return parse_timestamp(value, path)
    raise _mismatch(path, f"a {kind}")  # pragma: no cover - every model type is handled above


def to_json(shape: Shape, value: Any) -> Any:
    """Convert a Python value to JSON-ready data for `shape` (as the service would send it)."""
    kind = shape.type_name
    if kind == "structure" and shape.metadata.get("document"):
        return value
    if kind == "structure":
        if not isinstance(value, Mapping):
            raise InternalError(f"{shape.name} must be serialised from a mapping")
        result = {}
        for key, item in value.items():
            member = shape.members.get(key)
            if member is None:
                raise InternalError(f"{shape.name} has no member {key}")
            if item is not None:
                result[member.serialization.get("name", key)] = to_json(member, item)
        return result
    if kind == "list":
        return [to_json(shape.member, item) for item in value]
    if kind == "map":
        return {k: to_json(shape.value, v) for k, v in value.items()}
    if kind == "blob":
        return base64.b64encode(value).decode("ascii")
    if kind == "timestamp":
        fmt = shape.serialization.get("timestampFormat", "unixTimestamp")
        return value.isoformat() if fmt == "iso8601" else value.timestamp()
    return value


def from_text(shape: Shape, text: str, path: str) -> Any:
    """Parse a URI, query-string or header value."""
    kind = shape.type_name
    if kind == "string":
        if shape.serialization.get("jsonvalue"):
            try:
                return json.loads(base64.b64decode(text))
            except (ValueError, binascii.Error) as exc:
                raise _mismatch(path, "base64-encoded JSON") from exc
        return text
    if kind in ("integer", "long"):
        try:
            number = int(text)
        except ValueError as exc:
            raise _mismatch(path, "an integer") from exc
        return _in_range(kind, number, path)
    if kind in ("float", "double"):
        try:
            return float(text)
        except ValueError as exc:
            raise _mismatch(path, "a number") from exc
    if kind == "boolean":
        if text.lower() not in ("true", "false"):
            raise _mismatch(path, "a boolean")
        return text.lower() == "true"
    if kind == "timestamp":
        return parse_timestamp(text, path)
    if kind == "blob":
        return text.encode("utf-8")
    raise _mismatch(path, f"a {kind}")


def query_member(
    params: dict[str, Any],
    name: str,
    member: Shape,
    wire: str,
    query: list[tuple[str, str]],
    label: str,
) -> None:
    """A REST protocol's query-string member `name` (sent as `wire`) into `params`: a map takes
    the whole query, a list every value, a scalar the first; `label` names it in errors."""
    if member.type_name == "map":
        params[name] = dict(query)
        return
    found = [v for k, v in query if k == wire]
    if not found:
        return
    if member.type_name == "list":
        params[name] = [from_text(member.member, v, label) for v in found]
    else:
        params[name] = from_text(member, found[0], label)


def to_text(shape: Shape, value: Any) -> str:
    """Format a value for a response header."""
    kind = shape.type_name
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp":
        return format_datetime(value.astimezone(UTC), usegmt=True)
    if kind == "string" and shape.serialization.get("jsonvalue"):
        return base64.b64encode(json.dumps(value).encode()).decode("ascii")
    return str(value)


def parse_timestamp(value: Any, path: str) -> datetime:
    if isinstance(value, bool):
        raise _mismatch(path, "a timestamp")
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError) as exc:  # past what a datetime holds
            raise _mismatch(path, "a timestamp") from exc
    if isinstance(value, str):
        for parse in (_iso, parsedate_to_datetime, _epoch_text):
            try:
                parsed = parse(value)
            except (ValueError, TypeError, IndexError, OverflowError, OSError):
                continue
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise _mismatch(path, "a timestamp")


def _iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _epoch_text(text: str) -> datetime:
    return datetime.fromtimestamp(float(text), UTC)


# What the wire types hold (AWS's services are Java: int and long); outside, nothing parses.
_RANGES = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
_SURROGATE = re.compile("[\ud800-\udfff]")


def _in_range(kind: str, value: int, path: str) -> int:
    low, high = _RANGES[kind]
    if not low <= value <= high:
        raise _mismatch(path, f"a {kind} between {low} and {high}")
    return value


def _unicode(value: str, path: str) -> str:
    """A JSON string escapes lone UTF-16 surrogates (`\\ud800`); no Unicode text holds one."""
    if not value.isascii() and _SURROGATE.search(value) is not None:
        raise _mismatch(path, "valid Unicode text")
    return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _mismatch(path: str, expected: str) -> MalformedRequestError:
    return MalformedRequestError(f"Could not parse request: {path or 'value'} must be {expected}.")
