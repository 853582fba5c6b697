"""Counters per event source mapping and per rule: kept in memory, saved in their own tables
of the stats database beside the function counters, loaded again after a restart, and gone
once their mapping or rule is forgotten."""

from __future__ import annotations

import threading
from pathlib import Path

from stockade.services.events.rule_counters import RuleCounters, rule_counters
from stockade.services.lambda_.counters import Counters
from stockade.services.lambda_.mapping_counters import MappingCounters, mapping_counters
from stockade.store.function_stats import (
    MAPPING_KEYS,
    MAPPING_TABLE,
    RULE_KEYS,
    RULE_TABLE,
    SqliteCounterStore,
    read_counters,
    read_mapping_counters,
    read_rule_counters,
)

UUID = "6f1c2a9e-0000-4000-8000-000000000001"
OTHER = "6f1c2a9e-0000-4000-8000-000000000002"


def test_additions_from_many_threads_are_all_counted() -> None:
    counters = mapping_counters()

    def work() -> None:
        for _ in range(1000):
            counters.add((UUID,), polled_event_count=2, deleted_event_count=1)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert counters.get((UUID,)) == MappingCounters(polled_event_count=8000,
                                                    deleted_event_count=4000)  # fmt: skip


def test_saved_counters_load_again_and_forgotten_ones_go_away(tmp_path: Path) -> None:
    path = tmp_path / "stats.sqlite"
    functions = SqliteCounterStore(path, Counters)
    functions.save({("111122223333", "f", "$LATEST"): Counters(invocations=3)})
    store = SqliteCounterStore(path, MappingCounters, MAPPING_TABLE, MAPPING_KEYS, prune=True)
    counters = mapping_counters()
    counters.add((UUID,), polled_event_count=5, filtered_out_event_count=2)
    counters.add((OTHER,), invoked_event_count=1)
    store.save(counters.snapshot())

    again = mapping_counters(SqliteCounterStore(path, MappingCounters, MAPPING_TABLE,
                                                MAPPING_KEYS, prune=True).load())  # fmt: skip
    assert again.get((UUID,)) == MappingCounters(polled_event_count=5, filtered_out_event_count=2)
    row = read_mapping_counters(path, UUID)
    assert row is not None
    assert (row["uuid"], row["polled_event_count"], row["deleted_event_count"]) == (UUID, 5, 0)

    again.retain([(OTHER,)])  # UUID's mapping was deleted
    store.save(again.snapshot())
    assert read_mapping_counters(path, UUID) is None
    assert read_mapping_counters(path, OTHER) is not None
    # The function counters in the same database are untouched by the pruning.
    assert read_counters(path, "111122223333", "f")[0]["invocations"] == 3


def test_rule_counters_are_keyed_by_account_bus_and_name(tmp_path: Path) -> None:
    path = tmp_path / "stats.sqlite"
    store = SqliteCounterStore(path, RuleCounters, RULE_TABLE, RULE_KEYS, prune=True)
    counters = rule_counters()
    counters.add(("111122223333", "default", "r"), matched_events=1, triggered_rules=1)
    counters.add(("111122223333", "custom", "r"), triggered_rules=2)
    store.save(counters.snapshot())
    default = read_rule_counters(path, "111122223333", "default", "r")
    custom = read_rule_counters(path, "111122223333", "custom", "r")
    assert default is not None
    assert custom is not None
    assert (default["matched_events"], default["triggered_rules"]) == (1, 1)
    assert (custom["matched_events"], custom["triggered_rules"]) == (0, 2)
    assert read_rule_counters(path, "444455556666", "default", "r") is None


def test_reading_before_anything_was_saved_finds_nothing(tmp_path: Path) -> None:
    path = tmp_path / "stats.sqlite"
    SqliteCounterStore(path, Counters)  # the database exists, its mapping table not yet
    assert read_mapping_counters(path, UUID) is None
    assert read_rule_counters(path, "111122223333", "default", "r") is None
