"""Frozen dataclasses to JSON-ready dicts and back, guided by their type hints.

Fields marked `field(metadata={SEALED: True})` (secrets: access-key secrets, environment
variables) are sealed by the store's `FieldSealer` and stored as `{"$sealed": base64}`: the
database never holds them in plaintext once a sealer that encrypts is configured.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import types
import typing
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any, Protocol, TypeVar

from stockade.domain.sealing import SEALED

T = TypeVar("T")
_SEALED_KEY = "$sealed"
_CACHE_MAX = 4096


def encode(value: Any, sealer: FieldSealer | None = None) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode_field(value, f, sealer) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): encode(v, sealer) for k, v in value.items()}
    if isinstance(value, (list, tuple, frozenset)):
        return [encode(v, sealer) for v in value]
    return value


def _encode_field(owner: Any, f: dataclasses.Field[Any], sealer: FieldSealer | None) -> Any:
    plain = encode(getattr(owner, f.name), sealer)
    if sealer is None or not f.metadata.get(SEALED):
        return plain
    text = json.dumps(plain, separators=(",", ":"), sort_keys=True).encode()
    sealed = sealer.seal(text, (type(owner).__name__, f.name))
    return {_SEALED_KEY: base64.b64encode(sealed).decode()}


def decode(cls: Any, data: Any, sealer: FieldSealer | None = None) -> Any:
    if data is None:
        return None
    origin = typing.get_origin(cls)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(cls) if a is not type(None)]
        return decode(options[0], data, sealer)
    if origin is tuple:
        item = typing.get_args(cls)[0]
        return tuple(decode(item, v, sealer) for v in data)
    if origin in (list, typing.List):  # noqa: UP006 - both spellings occur in hints
        item = typing.get_args(cls)[0]
        return [decode(item, v, sealer) for v in data]
    if origin in (Mapping, dict, typing.Mapping):
        value_type = typing.get_args(cls)[1]
        return {k: decode(value_type, v, sealer) for k, v in data.items()}
    supertype = getattr(cls, "__supertype__", None)  # NewType
    if supertype is not None:
        return decode(supertype, data, sealer)
    if isinstance(cls, type):
        if dataclasses.is_dataclass(cls):
            hints = _hints(cls)
            kwargs = {
                f.name: decode(hints[f.name], _opened(cls, f.name, data[f.name], sealer), sealer)
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


def _opened(cls: type, name: str, value: Any, sealer: FieldSealer | None) -> Any:
    if not (isinstance(value, dict) and _SEALED_KEY in value and len(value) == 1):
        return value
    if sealer is None:
        raise ValueError(f"{cls.__name__}.{name} is sealed and no sealer was given")
    plain = sealer.open(base64.b64decode(value[_SEALED_KEY]), (cls.__name__, name))
    return json.loads(plain)


class FieldSealer(Protocol):
    """Seals the fields a domain dataclass marks with `metadata={SEALED: True}`."""

    def seal(self, plaintext: bytes, context: Sequence[str]) -> bytes: ...
    def open(self, sealed: bytes, context: Sequence[str]) -> bytes: ...


class DocCodec:
    """A store's codec: JSON documents whose secret fields are sealed by `sealer`."""

    def __init__(self, sealer: FieldSealer | None = None) -> None:
        self._sealer = sealer
        self._cache: dict[tuple[Any, str], Any] = {}

    def dumps(self, value: Any) -> str:
        return json.dumps(encode(value, self._sealer), separators=(",", ":"), sort_keys=True)

    def loads(self, cls: type[T], text: str) -> T:
        key = (cls, text)
        found = self._cache.get(key)
        if found is None:
            # Decoded documents are frozen dataclasses: one value can serve every reader of
            # the same text, and opening sealed fields is not repeated on the hot path.
            found = decode(cls, json.loads(text), self._sealer)
            if len(self._cache) >= _CACHE_MAX:
                self._cache.clear()
            self._cache[key] = found
        result: T = found
        return result


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)
