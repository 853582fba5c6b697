"""Frozen dataclasses to JSON-ready dicts and back, guided by their type hints."""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


def encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, frozenset)):
        return [encode(v) for v in value]
    return value


def dumps(value: Any) -> str:
    return json.dumps(encode(value), separators=(",", ":"), sort_keys=True)


def loads(cls: type[T], text: str) -> T:
    cached: Any = cls  # classes are hashable; the Protocol for type[T] does not say so
    result: T = _loads_cached(cached, text)
    return result


@functools.lru_cache(maxsize=2048)
def _loads_cached(cls: Any, text: str) -> Any:
    # Stored documents decode to frozen dataclasses, so one decoded value can be shared by
    # every reader of the same text; the hot invoke path reads the same version repeatedly.
    return decode(cls, json.loads(text))


def decode(cls: Any, data: Any) -> Any:
    if data is None:
        return None
    origin = typing.get_origin(cls)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(cls) if a is not type(None)]
        return decode(options[0], data)
    if origin is tuple:
        item = typing.get_args(cls)[0]
        return tuple(decode(item, v) for v in data)
    if origin in (list, typing.List):  # noqa: UP006 - both spellings occur in hints
        item = typing.get_args(cls)[0]
        return [decode(item, v) for v in data]
    if origin in (Mapping, dict, typing.Mapping):
        value_type = typing.get_args(cls)[1]
        return {k: decode(value_type, v) for k, v in data.items()}
    supertype = getattr(cls, "__supertype__", None)  # NewType
    if supertype is not None:
        return decode(supertype, data)
    if isinstance(cls, type):
        if dataclasses.is_dataclass(cls):
            hints = _hints(cls)
            kwargs = {
                f.name: decode(hints[f.name], data[f.name])
                for f in dataclasses.fields(cls)
                if f.name in data
            }
            return cls(**kwargs)
        if issubclass(cls, Enum):
            return cls(data)
        if cls is datetime:
            return datetime.fromisoformat(data)
        if cls is date:
            return date.fromisoformat(data)
        if cls is float:
            return float(data)
    return data


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)
