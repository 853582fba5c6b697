"""Hypothesis strategies generated from botocore shapes: valid inputs, and hostile ones.

`valid(shape)` draws values the model accepts (required members, types, lengths, ranges,
enums, patterns), so that a request reaches authorization. `hostile(shape)` draws what a
careless or malicious client sends: wrong types, 1e300 numbers and timestamps, lone UTF-16
surrogates, empty and missing members, oversize strings, lists and maps, unknown enum values,
unknown members, mixed with valid values so that deeper members are reached too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any

import regex
from botocore.model import Shape
from hypothesis import strategies as st

# Java's Unicode classes, spelled so that Python's `re` (which hypothesis reads) can generate
# from them; the server checks what is drawn with the model's own pattern.
_JAVA_CLASSES = {r"\p{L}": "a-zA-Z", r"\p{Z}": " ", r"\p{N}": "0-9", r"[\w-_]": r"[\w_-]"}
_MAX_DEPTH = 4
_SMALL = 3  # list and map sizes drawn for valid values (at least the model's minimum)
_SURROGATES = "\ud800\udbff\udc00\udfff"


def _generable(pattern: str) -> str:
    for java, python in _JAVA_CLASSES.items():
        pattern = pattern.replace(java, python)
    return pattern


@cache
def _model_pattern(pattern: str) -> regex.Pattern[str]:
    return regex.compile(
        pattern.replace("\\uD800\\uDC00-\\uDBFF\\uDFFF", "\\U00010000-\\U0010FFFF")
    )


def _string(shape: Shape) -> st.SearchStrategy[str]:
    meta = shape.metadata
    low, high = meta.get("min", 0), meta.get("max", 64)
    if meta.get("enum"):
        return st.sampled_from(list(meta["enum"]))
    pattern = meta.get("pattern")
    if not pattern:
        return st.text(alphabet=st.characters(codec="utf-8"), min_size=low,
                       max_size=min(high, max(low, 24)))  # fmt: skip
    model = _model_pattern(pattern)
    drawn = st.from_regex(re.compile(_generable(pattern)), fullmatch=True)
    return drawn.filter(lambda v: low <= len(v) <= high and model.fullmatch(v) is not None)


def _number(shape: Shape) -> st.SearchStrategy[Any]:
    meta = shape.metadata
    low = int(meta["min"]) if "min" in meta else 0
    high = int(meta["max"]) if "max" in meta else max(low, 0) + 100
    if shape.type_name in ("float", "double"):
        return st.floats(low, high, allow_nan=False, allow_infinity=False)
    return st.integers(low, min(high, low + 10_000))


Named = Mapping[str, st.SearchStrategy[Any]]


def valid(shape: Shape, depth: int = 0, named: Named | None = None) -> st.SearchStrategy[Any]:
    """`named`: strategies for members of these names, where the model's shape says less than
    the service checks (an SQS queue URL is a plain string in the model)."""
    kind, meta = shape.type_name, shape.metadata
    if kind == "structure":
        found = named or {}

        def member(name: str, m: Shape) -> st.SearchStrategy[Any]:
            return found[name] if name in found else valid(m, depth + 1, named)

        required = {name: member(name, m) for name, m in shape.members.items()
                    if name in shape.required_members}  # fmt: skip
        optional: dict[str, st.SearchStrategy[Any]] = {}
        if depth < _MAX_DEPTH:
            optional = {
                name: member(name, m)
                for name, m in shape.members.items()
                if name not in shape.required_members and not _streaming(m)
            }
        return st.fixed_dictionaries(required, optional=optional)
    if kind == "list":
        low = meta.get("min", 0)
        return st.lists(valid(shape.member, depth + 1, named), min_size=low,
                        max_size=max(low, min(meta.get("max", _SMALL), _SMALL)))  # fmt: skip
    if kind == "map":
        low = meta.get("min", 0)
        return st.dictionaries(valid(shape.key, depth + 1), valid(shape.value, depth + 1, named),
                               min_size=low,
                               max_size=max(low, min(meta.get("max", _SMALL), _SMALL)))  # fmt: skip
    if kind == "string":
        return _string(shape)
    if kind in ("integer", "long", "float", "double"):
        return _number(shape)
    if kind == "boolean":
        return st.booleans()
    if kind == "blob":
        low = meta.get("min", 0)
        return st.binary(min_size=low, max_size=max(low, min(meta.get("max", 16), 64)))
    if kind == "timestamp":
        return st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC))
    raise ValueError(f"no strategy for {kind}")  # pragma: no cover - every model type above


def _streaming(shape: Shape) -> bool:
    return bool(shape.serialization.get("eventstream") or shape.metadata.get("eventstream"))


_ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.just(1e300),
    st.just(-1e300),
    st.just(2**63),
    st.just(10**40),
    st.just(-(10**40)),
    st.just(""),
    st.just("x" * 70_000),
    st.text(alphabet=_SURROGATES + "a", min_size=1, max_size=4),
    st.just([]),
    st.just({}),
    st.just({"Unknown": 1}),
    st.just(["x"] * 2_000),
)


def hostile(shape: Shape, depth: int = 0) -> st.SearchStrategy[Any]:
    """Anything at all, biased towards what breaks parsers and handlers of `shape`."""
    kind, meta = shape.type_name, shape.metadata
    if depth >= _MAX_DEPTH:
        return st.one_of(valid(shape, depth), _ANYTHING)
    own: list[st.SearchStrategy[Any]] = [valid(shape, depth), _ANYTHING]
    if kind == "structure":
        members = {name: hostile(m, depth + 1) for name, m in shape.members.items()
                   if not _streaming(m)}  # fmt: skip
        # Any subset of members, required ones included or not, plus an unknown one.
        own.append(st.fixed_dictionaries({}, optional=members))
        own.append(
            st.fixed_dictionaries({}, optional=members).map(lambda d: {**d, "NotAMember": "x"})
        )
    elif kind == "list":
        own.append(st.lists(hostile(shape.member, depth + 1), max_size=4))
        over = int(meta.get("max", 1_000)) + 1
        own.append(st.just(None).map(lambda _: [_one(shape.member)] * min(over, 20_000)))
    elif kind == "map":
        own.append(st.dictionaries(st.text(max_size=8), hostile(shape.value, depth + 1),
                                   max_size=4))  # fmt: skip
        over = int(meta.get("max", 1_000)) + 1
        own.append(
            st.just(None).map(
                lambda _: {f"k{i}": _one(shape.value) for i in range(min(over, 20_000))}
            )
        )
    elif kind == "string":
        high = int(meta.get("max", 1_000))
        own += [
            st.just("NOT_AN_ENUM_VALUE") if meta.get("enum") else st.just("x" * (high + 1)),
            st.text(alphabet=_SURROGATES + "ab", min_size=1, max_size=8),
            st.just("a\x00b"),
        ]
    elif kind in ("integer", "long", "float", "double"):
        own.append(st.sampled_from([1e300, -1e300, 2**63, -(2**63) - 1, 10**30, -1, 0, 1.5]))
    elif kind == "timestamp":
        own.append(
            st.sampled_from([1e300, -1e300, 2**63, 1e18, -62135596801, "soon", "9" * 30, ""])
        )
    return st.one_of(*own)


def _one(shape: Shape) -> Any:
    """A small well-typed value (to repeat past a list's or map's size limit)."""
    kind = shape.type_name
    if kind == "structure":
        return {}
    if kind == "list":
        return []
    if kind == "map":
        return {}
    if kind in ("integer", "long", "float", "double"):
        return 1
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return 0
    enum = shape.metadata.get("enum")
    return enum[0] if enum else "x"
