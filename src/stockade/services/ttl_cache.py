"""A small, bounded cache whose entries live for a fixed number of seconds.

Used where IAM itself is eventually consistent: credentials and caller policies are read from
the store on every request otherwise. A change (a deactivated key, a detached policy) takes
effect within the TTL — one second by default, far below IAM's own propagation delay.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class TtlCache(Generic[V]):
    def __init__(
        self,
        ttl_s: float = 1.0,
        max_entries: int = 10_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_s
        self._max = max_entries
        self._now = monotonic
        self._lock = threading.Lock()
        self._entries: dict[Hashable, tuple[float, V]] = {}

    def get_or_load(self, key: Hashable, load: Callable[[], V]) -> V:
        now = self._now()
        with self._lock:
            found = self._entries.get(key)
        if found is not None and found[0] > now:
            return found[1]
        value = load()
        with self._lock:
            if len(self._entries) >= self._max:
                self._entries.clear()  # rare; simpler and safer than partial eviction
            self._entries[key] = (now + self._ttl, value)
        return value

    def peek(self, key: Hashable) -> V | None:
        """The fresh cached value, or None (never loads)."""
        with self._lock:
            found = self._entries.get(key)
        return found[1] if found is not None and found[0] > self._now() else None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
