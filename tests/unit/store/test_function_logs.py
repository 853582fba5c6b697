"""The function log store: durable, per account, bounded, non-blocking appends."""

from __future__ import annotations

from pathlib import Path

from stockade.store.function_logs import MESSAGE_BYTES_MAX, SqliteLogStore

A, B = "111111111111", "222222222222"
GROUP = "/aws/lambda/f"


def test_appended_events_are_read_back_in_order(tmp_path: Path) -> None:
    store = SqliteLogStore(tmp_path / "logs.db")
    store.append(A, GROUP, "s1", [(1, "one"), (2, "two")])
    store.append(A, GROUP, "s2", [(3, "three")])
    store.flush()
    events = store.events(A, GROUP)
    assert [(e.log_stream, e.timestamp_ms, e.message) for e in events] == [
        ("s1", 1, "one"),
        ("s1", 2, "two"),
        ("s2", 3, "three"),
    ]
    assert [e.message for e in store.events(A, GROUP, after_id=events[1].event_id)] == ["three"]
    assert [e.message for e in store.events(A, GROUP, since_ms=2)] == ["two", "three"]
    store.close()


def test_accounts_do_not_see_each_others_groups(tmp_path: Path) -> None:
    store = SqliteLogStore(tmp_path / "logs.db")
    store.append(A, GROUP, "s", [(1, "mine")])
    store.append(B, GROUP, "s", [(1, "theirs")])
    store.flush()
    assert [e.message for e in store.events(A, GROUP)] == ["mine"]
    assert [e.message for e in store.events(B, GROUP)] == ["theirs"]
    store.close()


def test_events_survive_a_restart_and_the_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    store = SqliteLogStore(path)
    store.append(A, GROUP, "s", [(1, "kept")])
    store.close()
    assert path.stat().st_mode & 0o777 == 0o600
    reopened = SqliteLogStore(path)
    assert [e.message for e in reopened.events(A, GROUP)] == ["kept"]
    reopened.close()


def test_groups_are_bounded_by_dropping_the_oldest(tmp_path: Path) -> None:
    store = SqliteLogStore(tmp_path / "logs.db", max_bytes_per_group=10_000)
    for i in range(100):
        store.append(A, GROUP, "s", [(i, f"{i:04d}" + "x" * 496)])
    store.append(A, "/aws/lambda/other", "s", [(0, "untouched")])
    store.flush()
    kept = store.events(A, GROUP)
    assert sum(len(e.message) for e in kept) <= 10_000
    assert kept[-1].message.startswith("0099")  # the newest survive
    assert kept[0].message > "0050"
    assert [e.message for e in store.events(A, "/aws/lambda/other")] == ["untouched"]
    store.close()


def test_huge_messages_are_truncated(tmp_path: Path) -> None:
    store = SqliteLogStore(tmp_path / "logs.db")
    store.append(A, GROUP, "s", [(1, "y" * (MESSAGE_BYTES_MAX + 10))])
    store.flush()
    (event,) = store.events(A, GROUP)
    assert len(event.message) == MESSAGE_BYTES_MAX
    store.close()


def test_many_small_appends_all_land_in_order(tmp_path: Path) -> None:
    store = SqliteLogStore(tmp_path / "logs.db")
    for i in range(2000):
        store.append(A, GROUP, "s", [(i, f"line {i}")])
    store.close()  # close drains the queue
    reopened = SqliteLogStore(tmp_path / "logs.db")
    events = reopened.events(A, GROUP, limit=5000)
    assert [e.timestamp_ms for e in events] == list(range(2000))
    reopened.close()
