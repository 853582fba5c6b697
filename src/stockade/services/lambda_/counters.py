"""Per function-version counters: invocations, errors, throttles, concurrency, async events.

Kept in memory on the invoke path (a lock and a few additions) and saved periodically through
a `CounterSink`, so totals survive restarts and `stockade stats` can read them.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Protocol

CounterKey = tuple[str, str, str]  # (account id, function name, version)


@dataclass(frozen=True)
class Counters:
    invocations: int = 0
    errors: int = 0
    throttles: int = 0
    concurrent_executions: int = 0  # now
    max_concurrent_executions: int = 0  # since the server started
    async_events_received: int = 0
    async_event_age_max_ms: int = 0
    dropped_events: int = 0
    dead_letter_errors: int = 0
    recursive_invocations_dropped: int = 0  # Lambda's RecursiveInvocationsDropped metric


class CounterSink(Protocol):
    def load(self) -> Mapping[CounterKey, Counters]: ...
    def save(self, totals: Mapping[CounterKey, Counters]) -> None: ...


class InvocationCounters:
    def __init__(self, base: Mapping[CounterKey, Counters] | None = None) -> None:
        self._lock = threading.Lock()
        self._counters: dict[CounterKey, Counters] = dict(base or {})
        for key, value in self._counters.items():  # nothing runs before the server starts
            self._counters[key] = replace(value, concurrent_executions=0)

    def _bump(self, key: CounterKey, **deltas: int) -> None:
        with self._lock:
            current = self._counters.get(key, Counters())
            changes = {name: getattr(current, name) + delta for name, delta in deltas.items()}
            self._counters[key] = replace(current, **changes)

    def started(self, key: CounterKey) -> None:
        with self._lock:
            current = self._counters.get(key, Counters())
            running = current.concurrent_executions + 1
            self._counters[key] = replace(
                current,
                concurrent_executions=running,
                max_concurrent_executions=max(current.max_concurrent_executions, running),
            )

    def finished(self, key: CounterKey, *, error: bool) -> None:
        self._bump(key, concurrent_executions=-1, invocations=1, errors=int(error))

    def throttled(self, key: CounterKey) -> None:
        self._bump(key, throttles=1)

    def async_received(self, key: CounterKey) -> None:
        self._bump(key, async_events_received=1)

    def async_age(self, key: CounterKey, age_ms: int) -> None:
        with self._lock:
            current = self._counters.get(key, Counters())
            if age_ms > current.async_event_age_max_ms:
                self._counters[key] = replace(current, async_event_age_max_ms=age_ms)

    def dropped(self, key: CounterKey) -> None:
        self._bump(key, dropped_events=1)

    def dead_letter_error(self, key: CounterKey) -> None:
        self._bump(key, dead_letter_errors=1)

    def recursion_dropped(self, key: CounterKey) -> None:
        self._bump(key, recursive_invocations_dropped=1)

    def snapshot(self) -> dict[CounterKey, Counters]:
        with self._lock:
            return dict(self._counters)
