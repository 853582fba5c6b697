"""The function log store: durable, per account, bounded, non-blocking appends, CloudWatch reads."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from stockade.crypto import AesRootKey, EnvelopeSealer, InvalidBlobError, RootDataKeys
from stockade.store.log_ports import (
    MESSAGE_BYTES_MAX,
    EventQuery,
    LogGroupNotFoundError,
    LogStoreClosedError,
    LogStreamNotFoundError,
    Position,
    StreamKey,
    StreamOrder,
)
from stockade.store.logs import SqliteLogStore

A, B = "111111111111", "222222222222"
GROUP = "/aws/lambda/f"
BIG = 10**6


def a_sealer() -> EnvelopeSealer:
    return EnvelopeSealer(RootDataKeys(AesRootKey(os.urandom(32))))


@pytest.fixture(params=["plain", "sealed"])
def store(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[SqliteLogStore]:
    sealer = a_sealer() if request.param == "sealed" else None
    opened = SqliteLogStore(tmp_path / "logs.db", sealer=sealer)
    yield opened
    opened.close()


def test_sealed_messages_are_not_in_the_file_and_are_bound_to_their_stream(
    tmp_path: Path,
) -> None:
    path = tmp_path / "logs.db"
    sealer = a_sealer()
    store = SqliteLogStore(path, sealer=sealer)
    store.append(A, GROUP, "s1", [(1, "card 4111-1111-1111-1111 approved")])
    store.append(A, GROUP, "s2", [(2, "other")])
    store.flush()
    assert messages(store, EventQuery(terms=("4111-1111",))) == [
        "card 4111-1111-1111-1111 approved"
    ]
    store.close()
    assert not any(b"4111-1111" in f.read_bytes() for f in tmp_path.iterdir())
    # A message moved to another stream no longer opens.
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute(
            "UPDATE log_events SET message = (SELECT message FROM log_events WHERE timestamp_ms"
            " = 1) WHERE timestamp_ms = 2"
        )
    reopened = SqliteLogStore(path, sealer=sealer)
    assert messages(reopened, EventQuery(stream_names=("s1",))) == [
        "card 4111-1111-1111-1111 approved"
    ]
    with pytest.raises(InvalidBlobError):
        messages(reopened, EventQuery(stream_names=("s2",)))
    reopened.close()


def messages(
    store: SqliteLogStore,
    query: EventQuery | None = None,
    *,
    group: str = GROUP,
    after: Position | None = None,
    forward: bool = True,
) -> list[str]:
    page = store.read_events(
        A, group, query or EventQuery(), after=after, forward=forward, limit=1000, max_bytes=BIG
    )
    return [e.message for e in page.events]


def test_appended_events_are_read_back_in_time_order_with_their_streams(
    store: SqliteLogStore,
) -> None:
    store.append(A, GROUP, "s1", [(1, "one"), (3, "three")])
    store.append(A, GROUP, "s2", [(2, "two")])
    store.flush()
    page = store.read_events(A, GROUP, EventQuery(), limit=10, max_bytes=BIG)
    assert [(e.log_stream, e.timestamp_ms, e.message) for e in page.events] == [
        ("s1", 1, "one"),
        ("s2", 2, "two"),
        ("s1", 3, "three"),
    ]
    assert not page.more
    assert all(e.ingestion_ms > 0 for e in page.events)
    assert "three" not in repr(page.events)  # tenant data stays out of reprs


def test_appends_are_committed_without_a_flush(tmp_path: Path) -> None:
    store = SqliteLogStore(tmp_path / "logs.db", flush_interval_s=0.05)
    store.append(A, GROUP, "s", [(1, "soon")])
    deadline = time.monotonic() + 10
    found: list[str] = []
    while not found and time.monotonic() < deadline:
        time.sleep(0.02)
        with contextlib.suppress(LogGroupNotFoundError):  # until the first commit
            found = messages(store)
    assert found == ["soon"]
    store.close()


def test_accounts_do_not_see_each_others_groups(store: SqliteLogStore) -> None:
    store.append(A, GROUP, "s", [(1, "mine")])
    store.append(B, GROUP, "s", [(1, "theirs")])
    store.flush()
    assert messages(store) == ["mine"]
    assert [g.name for g in store.list_groups(B, limit=10)] == [GROUP]
    page = store.read_events(B, GROUP, EventQuery(), limit=10, max_bytes=BIG)
    assert [e.message for e in page.events] == ["theirs"]
    with pytest.raises(LogGroupNotFoundError):
        store.read_events("333333333333", GROUP, EventQuery(), limit=10, max_bytes=BIG)


def test_events_survive_a_restart_and_the_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    store = SqliteLogStore(path)
    for i in range(2000):
        store.append(A, GROUP, "s", [(i, f"line {i}")])
    store.close()  # close drains the queue
    assert path.stat().st_mode & 0o777 == 0o600
    reopened = SqliteLogStore(path)
    page = reopened.read_events(A, GROUP, EventQuery(), limit=5000, max_bytes=BIG)
    assert [e.timestamp_ms for e in page.events] == list(range(2000))
    reopened.close()


def test_groups_are_bounded_by_dropping_their_oldest_events(tmp_path: Path) -> None:
    store = SqliteLogStore(tmp_path / "logs.db", max_bytes_per_group=10_000)
    for i in range(100):
        store.append(A, GROUP, f"s{i // 10}", [(i, f"{i:04d}" + "x" * 496)])
    store.append(A, "/aws/lambda/other", "s", [(0, "untouched")])
    store.flush()
    kept = store.read_events(A, GROUP, EventQuery(), limit=1000, max_bytes=BIG).events
    group = store.get_group(A, GROUP)
    assert group is not None
    assert group.stored_bytes == sum(len(e.message) for e in kept) <= 10_000
    assert kept[-1].message.startswith("0099")  # the newest survive
    assert kept[0].message > "0050"
    streams = store.list_streams(A, GROUP, limit=50)
    assert [s.name for s in streams] == sorted({e.log_stream for e in kept})  # emptied: gone
    assert streams[0].first_event_ms == kept[0].timestamp_ms
    assert sum(s.stored_bytes for s in streams) == group.stored_bytes
    assert messages(store, group="/aws/lambda/other") == ["untouched"]
    store.close()


def test_huge_and_broken_messages_are_stored_safely(store: SqliteLogStore) -> None:
    store.append(A, GROUP, "s", [(1, "y" * (MESSAGE_BYTES_MAX + 10)), (2, "bad \udc80 half")])
    store.append(A, GROUP, "s", [(3, "é" * MESSAGE_BYTES_MAX)])  # cut on a character boundary
    store.flush()
    huge, broken, accents = store.read_events(A, GROUP, EventQuery(), limit=9, max_bytes=BIG).events
    assert len(huge.message) == MESSAGE_BYTES_MAX
    assert broken.message == "bad ? half"
    assert len(accents.message.encode()) == MESSAGE_BYTES_MAX
    assert set(accents.message) == {"é"}


def test_time_bounds_are_half_open(store: SqliteLogStore) -> None:
    store.append(A, GROUP, "s", [(t, f"t{t}") for t in range(10)])
    store.flush()
    assert messages(store, EventQuery(start_ms=3, end_ms=6)) == ["t3", "t4", "t5"]


def test_reads_resume_strictly_after_or_before_a_position(store: SqliteLogStore) -> None:
    store.append(A, GROUP, "s", [(5, "a"), (5, "b"), (6, "c"), (7, "d")])
    store.flush()
    events = store.read_events(A, GROUP, EventQuery(), limit=9, max_bytes=BIG).events
    second = events[1].position
    assert messages(store, after=second) == ["c", "d"]
    assert messages(store, after=second, forward=False) == ["a"]
    newest_first = store.read_events(A, GROUP, EventQuery(), forward=False, limit=2, max_bytes=BIG)
    assert [e.message for e in newest_first.events] == ["d", "c"]
    assert newest_first.more
    assert messages(store, after=Position(7, 10**9)) == []


def test_pages_stop_at_the_limit_or_the_byte_budget_with_at_least_one_event(
    store: SqliteLogStore,
) -> None:
    store.append(A, GROUP, "s", [(i, "z" * 100) for i in range(10)])
    store.flush()
    by_count = store.read_events(A, GROUP, EventQuery(), limit=3, max_bytes=BIG)
    assert (len(by_count.events), by_count.more) == (3, True)
    by_bytes = store.read_events(A, GROUP, EventQuery(), limit=10, max_bytes=3 * 126 + 10)
    assert (len(by_bytes.events), by_bytes.more) == (3, True)
    tiny = store.read_events(A, GROUP, EventQuery(), limit=10, max_bytes=1)
    assert (len(tiny.events), tiny.more) == (1, True)
    exact = store.read_events(A, GROUP, EventQuery(), limit=10, max_bytes=BIG)
    assert (len(exact.events), exact.more) == (10, False)


def test_terms_must_all_occur_case_sensitively(store: SqliteLogStore) -> None:
    store.append(A, GROUP, "s", [(1, "ERROR disk full"), (2, "error disk"), (3, "ERROR net")])
    store.flush()
    assert messages(store, EventQuery(terms=("ERROR", "disk"))) == ["ERROR disk full"]
    assert messages(store, EventQuery(terms=("disk full",))) == ["ERROR disk full"]
    assert messages(store, EventQuery(terms=("%",))) == []  # no LIKE wildcards


def test_streams_are_chosen_by_name_or_prefix(store: SqliteLogStore) -> None:
    store.append(A, GROUP, "2026/01/01/[1]a", [(1, "one")])
    store.append(A, GROUP, "2026/01/01/[2]b", [(2, "two")])
    store.append(A, GROUP, "2026/01/02/[1]c", [(3, "three")])
    store.flush()
    names = EventQuery(stream_names=("2026/01/01/[1]a", "2026/01/02/[1]c", "missing"))
    assert messages(store, names) == ["one", "three"]
    assert messages(store, EventQuery(stream_names=("missing",))) == []
    assert messages(store, EventQuery(stream_prefix="2026/01/01/")) == ["one", "two"]
    assert messages(store, EventQuery(stream_prefix="2026/01/01/[1")) == ["one"]
    assert messages(store, EventQuery(stream_prefix="%")) == []


def test_streams_list_by_name_or_last_event_time_and_page(store: SqliteLogStore) -> None:
    store.append(A, GROUP, "b", [(10, "x")])
    store.append(A, GROUP, "a", [(30, "x")])
    store.append(A, GROUP, "c", [(20, "x"), (5, "early")])
    store.flush()
    by_name = store.list_streams(A, GROUP, limit=2)
    assert [s.name for s in by_name] == ["a", "b"]
    rest = store.list_streams(A, GROUP, after=StreamKey(0, "b"), limit=2)
    assert [s.name for s in rest] == ["c"]
    assert [s.name for s in store.list_streams(A, GROUP, descending=True, limit=9)] == [
        "c",
        "b",
        "a",
    ]
    latest = store.list_streams(
        A, GROUP, order=StreamOrder.LAST_EVENT_TIME, descending=True, limit=2
    )
    assert [s.name for s in latest] == ["a", "c"]
    after = StreamKey(latest[-1].last_event_ms, latest[-1].name)
    older = store.list_streams(
        A, GROUP, order=StreamOrder.LAST_EVENT_TIME, descending=True, after=after, limit=2
    )
    assert [s.name for s in older] == ["b"]
    c = store.get_stream(A, GROUP, "c")
    assert (c.first_event_ms, c.last_event_ms) == (5, 20)
    assert [s.name for s in store.list_streams(A, GROUP, prefix="b", limit=9)] == ["b"]
    with pytest.raises(LogStreamNotFoundError):
        store.get_stream(A, GROUP, "nope")
    with pytest.raises(LogGroupNotFoundError):
        store.list_streams(A, "/nope", limit=1)


def test_groups_list_by_prefix_or_substring_and_page(store: SqliteLogStore) -> None:
    for name in ("/aws/lambda/b", "/aws/lambda/a", "/app/Orders", "/aws/lambda/c"):
        store.append(A, name, "s", [(1, "x")])
    store.flush()
    assert [g.name for g in store.list_groups(A, prefix="/aws/lambda/", limit=2)] == [
        "/aws/lambda/a",
        "/aws/lambda/b",
    ]
    after = store.list_groups(A, prefix="/aws/lambda/", after="/aws/lambda/b", limit=2)
    assert [g.name for g in after] == ["/aws/lambda/c"]
    assert [g.name for g in store.list_groups(A, contains="orders", limit=9)] == ["/app/Orders"]
    assert store.count_groups(A) == 4


def test_groups_are_created_and_deleted_in_order_with_appends(store: SqliteLogStore) -> None:
    assert store.create_group(A, "/empty", 123)
    assert not store.create_group(A, "/empty", 456)
    empty = store.get_group(A, "/empty")
    assert empty is not None
    assert (empty.created_ms, empty.stored_bytes) == (123, 0)
    assert store.list_streams(A, "/empty", limit=5) == []
    store.append(A, GROUP, "s", [(1, "old")])
    assert store.delete_group(A, GROUP)  # queued after the append: deletes it too
    assert store.get_group(A, GROUP) is None
    assert not store.delete_group(A, GROUP)
    store.append(A, GROUP, "s", [(2, "new")])
    store.flush()
    (event,) = store.read_events(A, GROUP, EventQuery(), limit=9, max_bytes=BIG).events
    assert event.message == "new"
    assert event.event_id == 2  # ids are never reused


def test_a_writer_that_falls_behind_drops_instead_of_growing(tmp_path: Path) -> None:
    store = SqliteLogStore(tmp_path / "logs.db", max_pending_bytes=100)
    store.append(A, GROUP, "s", [(1, "x" * 101)])
    store.append(A, GROUP, "s", [(2, "fits")])
    store.flush()
    assert messages(store) == ["fits"]
    store.close()


def test_a_second_writer_on_the_same_file_is_safe(tmp_path: Path) -> None:
    """As when a test or an operator tool writes while the server runs."""
    first = SqliteLogStore(tmp_path / "logs.db")
    second = SqliteLogStore(tmp_path / "logs.db")

    def write(store: SqliteLogStore, stream: str) -> None:
        for i in range(300):
            store.append(A, GROUP, stream, [(i, f"{stream}{i}")])

    threads = [
        threading.Thread(target=write, args=(s, n)) for s, n in ((first, "a"), (second, "b"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    first.close()
    second.close()
    reopened = SqliteLogStore(tmp_path / "logs.db")
    page = reopened.read_events(A, GROUP, EventQuery(), limit=1000, max_bytes=BIG)
    assert len(page.events) == 600
    group = reopened.get_group(A, GROUP)
    assert group is not None
    assert group.stored_bytes == sum(len(e.message) for e in page.events)
    reopened.close()


def test_a_closed_store_refuses_reads_and_ignores_appends(tmp_path: Path) -> None:
    store = SqliteLogStore(tmp_path / "logs.db")
    store.close()
    store.append(A, GROUP, "s", [(1, "late")])
    with pytest.raises(LogStoreClosedError):
        store.list_groups(A, limit=1)
    with pytest.raises(LogStoreClosedError):
        store.create_group(A, "/g", 1)
    store.close()  # idempotent


def test_events_of_the_first_log_store_are_migrated(tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    with sqlite3.connect(path) as db:  # the schema of stockade.store.function_logs
        db.executescript(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, account_id TEXT NOT NULL,"
            " log_group TEXT NOT NULL, log_stream TEXT NOT NULL, timestamp_ms INTEGER NOT NULL,"
            " message TEXT NOT NULL);"
            "CREATE TABLE group_sizes (account_id TEXT NOT NULL, log_group TEXT NOT NULL,"
            " bytes INTEGER NOT NULL, PRIMARY KEY (account_id, log_group));"
        )
        db.executemany(
            "INSERT INTO events (account_id, log_group, log_stream, timestamp_ms, message)"
            " VALUES (?, ?, ?, ?, ?)",
            [(A, GROUP, "s1", 1, "one"), (A, GROUP, "s2", 2, "two"), (B, GROUP, "s1", 3, "b")],
        )
    db.close()
    store = SqliteLogStore(path)
    assert messages(store) == ["one", "two"]
    s1 = store.get_stream(A, GROUP, "s1")
    assert (s1.first_event_ms, s1.last_event_ms, s1.stored_bytes) == (1, 1, 3)
    group = store.get_group(B, GROUP)
    assert group is not None
    assert group.stored_bytes == 1
    store.append(A, GROUP, "s1", [(4, "after")])
    store.close()
    reopened = SqliteLogStore(path)  # migrated once only
    assert messages(reopened) == ["one", "two", "after"]
    reopened.close()


def test_a_batch_that_cannot_be_stored_is_dropped_quietly_and_writing_goes_on(
    store: SqliteLogStore, caplog: pytest.LogCaptureFixture
) -> None:
    store.append(A, GROUP, "s", [(0, "before")])
    store.append(A, GROUP, "s", [(10**30, "tenant secret")])  # beyond SQLite's integers
    store.append(A, GROUP, "s", [(1, "after")])  # most likely in the same batch
    store.flush()
    store.append(A, GROUP, "s", [(2, "next")])
    store.flush()
    assert messages(store) == ["before", "after", "next"]
    assert "could not store 1 log events: OverflowError" in caplog.text
    assert "tenant secret" not in caplog.text
