"""Counters kept in memory per key (a mapping, a rule, ...), saved periodically by a sink.

The hot path takes a lock and adds; a background saver (wiring) writes snapshots through a
`KeyedSink`, so totals survive restarts. A key that is forgotten (its resource was deleted) is
removed from memory and, at the next save, from the sink.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any, Generic, Protocol, TypeVar

K = TypeVar("K", bound=tuple[str, ...])
C = TypeVar("C")  # a frozen dataclass of int fields, all defaulting to 0


class KeyedSink(Protocol):
    def load(self) -> Mapping[Any, Any]: ...
    def save(self, totals: Mapping[Any, Any]) -> None: ...


class KeyedCounters(Generic[K, C]):
    def __init__(self, empty: type[C], base: Mapping[K, C] | None = None) -> None:
        self._lock = threading.Lock()
        self._empty = empty
        self._counters: dict[K, C] = dict(base or {})

    def add(self, key: K, **deltas: int) -> None:
        with self._lock:
            current: Any = self._counters.get(key) or self._empty()
            changes = {name: getattr(current, name) + delta for name, delta in deltas.items()}
            self._counters[key] = replace(current, **changes)

    def get(self, key: K) -> C | None:
        with self._lock:
            return self._counters.get(key)

    def forget(self, key: K) -> None:
        with self._lock:
            self._counters.pop(key, None)

    def retain(self, keys: Iterable[K]) -> None:
        """Forget every key not among `keys` (the resources that still exist)."""
        kept = set(keys)
        with self._lock:
            for key in [k for k in self._counters if k not in kept]:
                del self._counters[key]

    def snapshot(self) -> dict[K, C]:
        with self._lock:
            return dict(self._counters)
