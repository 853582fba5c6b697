"""Validate parsed parameters against a botocore input shape, as AWS services do.

Checks what the model declares (required members, types, lengths, ranges, patterns, enums) and
reports violations in AWS's ValidationException wording. Values of shapes marked `sensitive`
(environment values, payloads, ...) are never echoed.

AWS's validation framework spells a violation as Java renders it: `Value '[a, b]' at 'path'`
(lists `[a, b]`, maps `{k=v}`, numbers quoted, null bare). The JSON protocols (Lambda, KMS, SQS,
Logs, ...) report a list's or map's scalar elements once, at the collection, with every
constraint of the element shape: `Member must satisfy constraint: [...]`, `Map value must
satisfy constraint: [...]`, `Map keys must satisfy constraint: [...]`; elements that are
structures are walked as `path.N.member.name`. The query protocol (IAM, STS) names each element,
`tags.6.member.value`. (Recorded AWS answers: docs/conformance.md.)

The cost stays linear in the request and bounded before any authorization: a list or map longer
than its bound (the model's `max`, or UNMODELLED_COLLECTION_MAX where the model sets none) is
reported as too long and its elements are not checked one by one; at most MAX_REPORTED_ERRORS
violations are collected; an echoed value is rendered no further than the 256 characters shown.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from functools import cache, lru_cache
from typing import Any

import regex
from botocore.model import Shape

from stockade.domain.violations import Violation, summarize

__all__ = ["Violation", "collection_bound", "summarize", "validate", "violations"]

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


# Stockade's own bounds (AWS documents none): docs/limits.md.
UNMODELLED_COLLECTION_MAX = 1000
MAX_REPORTED_ERRORS = 100
_SHOWN_CHARS = 256


def _wire_name(member: str) -> str:
    return member[:1].lower() + member[1:]


class _Enough(Exception):  # a signal: the report is full
    pass


class _Collector:
    def __init__(self, per_element: bool) -> None:
        self.found: list[Violation] = []
        self.per_element = per_element

    def add(self, shape: Shape, value: Any, path: str, constraint: str, enum: bool = False) -> None:
        self.found.append(Violation(path, _describe(shape, value), constraint, enum))
        if len(self.found) >= MAX_REPORTED_ERRORS:
            raise _Enough


def _describe(shape: Shape, value: Any) -> str:
    if value is None:
        return "null"
    if _redacted(shape):
        return ""  # AWS names no value at all: "Value at 'plaintext' failed ..." (recorded)
    return f"'{_shown(value, _SHOWN_CHARS)[:_SHOWN_CHARS]}'"


def _redacted(shape: Shape) -> bool:
    """True when the value, or any element of it, is of a sensitive shape (or bytes)."""
    if shape.metadata.get("sensitive") or shape.type_name == "blob":
        return True
    if shape.type_name == "list":
        return _redacted(shape.member)
    if shape.type_name == "map":
        return _redacted(shape.key) or _redacted(shape.value)
    return False


def _shown(value: Any, limit: int) -> str:
    """The start of the value as Java renders it (at least `limit` characters of it when it is
    that long), without rendering a long list or map whole."""
    if isinstance(value, list):
        opening, closing = "[", "]"
        pieces: Iterator[str] = (_shown(item, limit) for item in value)
    elif isinstance(value, dict):
        opening, closing = "{", "}"
        pieces = (f"{key}={_shown(item, limit)}" for key, item in value.items())
    elif isinstance(value, bool):
        return "true" if value else "false"
    elif value is None:
        return "null"
    else:
        return str(value)
    parts = [opening]
    size = 1
    for index, piece in enumerate(pieces):
        if size > limit:
            return "".join(parts)
        text = f", {piece}" if index else piece
        parts.append(text)
        size += len(text)
    parts.append(closing)
    return "".join(parts)


def violations(shape: Shape, params: Mapping[str, Any], protocol: str = "json") -> list[Violation]:
    """The violations (up to MAX_REPORTED_ERRORS), spelt as AWS spells them for `protocol`;
    empty when the input is valid."""
    collector = _Collector(per_element=protocol == "query")
    with contextlib.suppress(_Enough):
        _structure(shape, params, "", collector)
    return collector.found


def validate(shape: Shape, params: Mapping[str, Any], protocol: str = "json") -> list[str]:
    """AWS-style messages for the violations (up to MAX_REPORTED_ERRORS); empty when the input
    is valid."""
    return [found.text for found in violations(shape, params, protocol)]


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


_SCALARS = frozenset({"string", "blob", "integer", "long", "float", "double", "boolean"})


def _value(shape: Shape, value: Any, path: str, out: _Collector) -> None:
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure" and meta.get("document"):
        return  # any JSON value; the handler reads what it needs
    if kind == "structure":
        _structure(shape, value, path, out)
    elif kind == "list":
        if not _collection_length(shape, value, path, out):
            return
        if not out.per_element and shape.member.type_name in _SCALARS:
            if any(not _scalar_ok(shape.member, item) for item in value):
                rules = ", ".join([*_rules(shape.member), "Member must not be null"])
                out.add(shape, value, path, f"Member must satisfy constraint: [{rules}]")
            return
        for index, item in enumerate(value, start=1):
            _value(shape.member, item, f"{path}.{index}.member", out)
    elif kind == "map":
        if not _collection_length(shape, value, path, out):
            return
        if not out.per_element:
            _map_elements(shape, value, path, out)
            return
        for key, item in value.items():
            _value(shape.key, key, f"{path}.key", out)
            _value(shape.value, item, f"{path}.{key}" if not meta.get("sensitive") else path, out)
    elif kind == "string":
        _length(shape, len(value), value, path, out)
        enum = meta.get("enum")
        if enum and value not in enum:
            out.add(shape, value, path, _enum_rule(enum), enum=True)
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


def _map_elements(shape: Shape, value: Mapping[str, Any], path: str, out: _Collector) -> None:
    if any(not _scalar_ok(shape.key, key) for key in value):
        rules = ", ".join(_rules(shape.key))
        out.add(shape, value, path, f"Map keys must satisfy constraint: [{rules}]")
    if shape.value.type_name in _SCALARS:
        if any(not _scalar_ok(shape.value, item) for item in value.values()):
            rules = ", ".join([*_rules(shape.value), "Member must not be null"])
            out.add(shape, value, path, f"Map value must satisfy constraint: [{rules}]")
        return
    for key, item in value.items():
        _value(shape.value, item, path if shape.value.metadata.get("sensitive") else
               f"{path}.{key}", out)  # fmt: skip


def _enum_rule(enum: Sequence[str]) -> str:
    return f"Member must satisfy enum value set: [{', '.join(enum)}]"


def _rules(shape: Shape) -> list[str]:
    """Every constraint of a scalar shape, in the order AWS lists them inside `[...]`."""
    meta = shape.metadata
    noun = "length" if shape.type_name in ("string", "blob") else "value"
    rules = []
    if "max" in meta:
        rules.append(f"Member must have {noun} less than or equal to {meta['max']}")
    if "min" in meta:
        rules.append(f"Member must have {noun} greater than or equal to {meta['min']}")
    if meta.get("enum"):
        rules.append(_enum_rule(meta["enum"]))
    if meta.get("pattern"):
        rules.append(f"Member must satisfy regular expression pattern: {meta['pattern']}")
    return rules


def _scalar_ok(shape: Shape, value: Any) -> bool:
    if value is None:
        return False
    probe = _Collector(per_element=True)
    _value(shape, value, "", probe)
    return not probe.found


def collection_bound(shape: Shape) -> int:
    """The most elements a list or map shape accepts. Parsers stop reading a longer one after
    one element more than this: it fails validation whatever the rest holds."""
    bound: int = shape.metadata.get("max", UNMODELLED_COLLECTION_MAX)
    return bound


def _collection_length(shape: Shape, value: Any, path: str, out: _Collector) -> bool:
    """Check a list's or map's length; False when it is too long for its elements to be
    checked one by one."""
    meta = shape.metadata
    length = len(value)
    if "min" in meta and length < meta["min"]:
        out.add(
            shape, value, path, f"Member must have length greater than or equal to {meta['min']}"
        )
    bound = collection_bound(shape)
    if length > bound:
        out.add(shape, value, path, f"Member must have length less than or equal to {bound}")
        return False
    return True


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
