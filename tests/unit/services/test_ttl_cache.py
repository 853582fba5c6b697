"""The short-lived cache in front of credentials and caller policies."""

from __future__ import annotations

from stockade.services.ttl_cache import TtlCache


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_values_live_for_the_ttl_then_reload() -> None:
    ticks = Ticks()
    cache: TtlCache[int] = TtlCache(ttl_s=1.0, monotonic=ticks)
    loads: list[int] = []

    def load() -> int:
        loads.append(1)
        return len(loads)

    assert cache.get_or_load("k", load) == 1
    ticks.now = 0.9
    assert cache.get_or_load("k", load) == 1
    ticks.now = 1.1
    assert cache.get_or_load("k", load) == 2


def test_clear_forgets_everything_and_size_is_bounded() -> None:
    ticks = Ticks()
    cache: TtlCache[str] = TtlCache(ttl_s=60, max_entries=3, monotonic=ticks)
    for key in "abc":
        cache.get_or_load(key, lambda key=key: key.upper())  # type: ignore[misc]
    assert cache.get_or_load("a", lambda: "reloaded") == "A"
    cache.get_or_load("d", lambda: "D")  # over the bound: the cache starts afresh
    assert cache.get_or_load("a", lambda: "reloaded") == "reloaded"
    cache.clear()
    assert cache.get_or_load("d", lambda: "again") == "again"
