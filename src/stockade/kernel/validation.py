"""Validate parsed parameters against a botocore input shape, as AWS services do.

Checks what the model declares (required members, types, lengths, ranges, patterns, enums) and
reports every violation in AWS's ValidationException wording. Values of shapes marked
`sensitive` (environment values, payloads, ...) are never echoed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache, lru_cache
from typing import Any

import regex
from botocore.model import Shape

_JAVA_SUPPLEMENTARY = "\\uD800\\uDC00-\\uDBFF\\uDFFF"  # UTF-16 spelling of U+10000..U+10FFFF


@cache
def _compile(pattern: str) -> regex.Pattern[str]:
    return regex.compile(pattern.replace(_JAVA_SUPPLEMENTARY, "\\U00010000-\\U0010FFFF"))


# Names, ARNs and qualifiers recur on every request; matching them is the costliest check.
_MEMO_MAX_CHARS = 256


@lru_cache(maxsize=4096)
def _memo_fullmatch(pattern: str, value: str) -> bool:
    return _compile(pattern).fullmatch(value) is not None


def _fullmatch(pattern: str, value: str) -> bool:
    if len(value) > _MEMO_MAX_CHARS:  # long values would crowd the memo out
        return _compile(pattern).fullmatch(value) is not None
    return _memo_fullmatch(pattern, value)


def _wire_name(member: str) -> str:
    return member[:1].lower() + member[1:]


class _Collector:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def add(self, shape: Shape, value: Any, path: str, constraint: str) -> None:
        shown = _describe(shape, value)
        self.errors.append(f"Value {shown} at '{path}' failed to satisfy constraint: {constraint}")


def _describe(shape: Shape, value: Any) -> str:
    if value is None:
        return "null"
    if shape.metadata.get("sensitive") or shape.type_name == "blob":
        return "'***'"
    text = str(value)
    return f"'{text[:256]}'"


def validate(shape: Shape, params: Mapping[str, Any]) -> list[str]:
    """Return AWS-style messages for every violation; empty when the input is valid."""
    collector = _Collector()
    _structure(shape, params, "", collector)
    return collector.errors


def summarize(errors: Sequence[str]) -> str:
    noun = "error" if len(errors) == 1 else "errors"
    return f"{len(errors)} validation {noun} detected: " + "; ".join(errors)


def _structure(shape: Shape, value: Mapping[str, Any], path: str, out: _Collector) -> None:
    for name in shape.required_members:
        if value.get(name) is None:
            out.add(shape.members[name], None, _join(path, name), "Member must not be null")
    for name, member_value in value.items():
        member = shape.members.get(name)
        if member is None or member_value is None:
            continue
        _value(member, member_value, _join(path, name), out)


def _join(path: str, member: str) -> str:
    return f"{path}.{_wire_name(member)}" if path else _wire_name(member)


def _value(shape: Shape, value: Any, path: str, out: _Collector) -> None:
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure" and meta.get("document"):
        return  # any JSON value; the handler reads what it needs
    if kind == "structure":
        _structure(shape, value, path, out)
    elif kind == "list":
        _length(shape, len(value), value, path, out)
        for index, item in enumerate(value, start=1):
            _value(shape.member, item, f"{path}.{index}.member", out)
    elif kind == "map":
        _length(shape, len(value), value, path, out)
        for key, item in value.items():
            _value(shape.key, key, f"{path}.key", out)
            _value(shape.value, item, f"{path}.{key}" if not meta.get("sensitive") else path, out)
    elif kind == "string":
        _length(shape, len(value), value, path, out)
        enum = meta.get("enum")
        if enum and value not in enum:
            out.add(shape, value, path, f"Member must satisfy enum value set: [{', '.join(enum)}]")
        pattern = meta.get("pattern")
        if pattern and not _fullmatch(pattern, value):
            out.add(
                shape, value, path, f"Member must satisfy regular expression pattern: {pattern}"
            )
    elif kind == "blob":
        _length(shape, len(value), value, path, out)
    elif kind in ("integer", "long", "float", "double"):
        _range(shape, value, path, out)
    elif kind == "timestamp" and not isinstance(value, datetime):  # pragma: no cover - parser
        out.add(shape, value, path, "Member must be a timestamp")


def _length(shape: Shape, length: int, value: Any, path: str, out: _Collector) -> None:
    meta = shape.metadata
    if "min" in meta and length < meta["min"]:
        out.add(
            shape, value, path, f"Member must have length greater than or equal to {meta['min']}"
        )
    if "max" in meta and length > meta["max"]:
        out.add(shape, value, path, f"Member must have length less than or equal to {meta['max']}")


def _range(shape: Shape, value: float, path: str, out: _Collector) -> None:
    meta = shape.metadata
    if isinstance(value, float) and not math.isfinite(value):
        out.add(shape, value, path, "Member must be a finite number")
        return
    if "min" in meta and value < meta["min"]:
        out.add(
            shape, value, path, f"Member must have value greater than or equal to {meta['min']}"
        )
    if "max" in meta and value > meta["max"]:
        out.add(shape, value, path, f"Member must have value less than or equal to {meta['max']}")
