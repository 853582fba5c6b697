"""ListObjectsV2-style listing: UTF-8 binary key order, prefix, delimiter, start-after,
continuation, pages of at most 1,000 (S3 API reference, ListObjectsV2)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stockade.store.object_ports import ListPage, Versioning
from stockade.store.sqlite_objects import SqliteObjectEngine
from tests.unit.store.object_world import open_engine, put


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[SqliteObjectEngine]:
    found = open_engine(tmp_path)
    found.create_bucket("b", "1", "us-east-1")
    yield found
    found.close()


def model(keys: set[str], prefix: str, delimiter: str, after: str) -> list[tuple[str, bool]]:
    """What S3 lists, computed the slow obvious way: (key or common prefix, is_prefix)."""
    out: dict[str, bool] = {}
    for key in sorted(keys, key=lambda k: k.encode()):
        if not key.startswith(prefix) or key.encode() <= after.encode():
            continue
        rest = key[len(prefix) :]
        if delimiter and delimiter in rest:
            out.setdefault(prefix + rest[: rest.index(delimiter) + len(delimiter)], True)
        else:
            out[key] = False
    return list(out.items())


def walk(engine: SqliteObjectEngine, page_size: int, **kwargs: str) -> list[tuple[str, bool]]:
    seen: list[tuple[str, bool]] = []
    token = ""
    for _ in range(200):
        page: ListPage = engine.list_objects("b", continuation=token, max_keys=page_size, **kwargs)
        assert len(page.contents) + len(page.common_prefixes) <= page_size
        merged = [(v.key, False) for v in page.contents] + [(p, True) for p in page.common_prefixes]
        seen += sorted(merged, key=lambda item: item[0].encode())
        if not page.is_truncated:
            return seen
        token = page.next_token
    raise AssertionError("the listing did not end")


KEYS = st.sets(
    st.text(st.sampled_from(["a", "b", "/", "é", "\U0001f600", "Z", "-"]), min_size=1, max_size=6),
    max_size=25,
)


_FIXTURES_OK = [HealthCheck.function_scoped_fixture]


@settings(max_examples=40, deadline=None, suppress_health_check=_FIXTURES_OK)
@given(
    keys=KEYS,
    prefix=st.sampled_from(["", "a", "a/", "é", "b/"]),
    delimiter=st.sampled_from(["", "/", "a"]),
    after=st.sampled_from(["", "a", "b/", "\U0001f600"]),
    page_size=st.integers(1, 7),
)
def test_listing_matches_s3s_order_and_rollup(
    tmp_path_factory: pytest.TempPathFactory,
    keys: set[str],
    prefix: str,
    delimiter: str,
    after: str,
    page_size: int,
) -> None:
    engine = open_engine(tmp_path_factory.mktemp("list"))
    try:
        engine.create_bucket("b", "1", "us-east-1")
        for key in keys:
            put(engine, "b", key, b"")
        got = walk(engine, page_size, prefix=prefix, delimiter=delimiter, start_after=after)
        assert got == model(keys, prefix, delimiter, after)
    finally:
        engine.close()


def test_binary_order_is_not_code_point_order_of_utf16(engine: SqliteObjectEngine) -> None:
    # U+FF61 sorts before U+1F600 in UTF-8 bytes (EF... < F0...) and in code points, but after
    # it in UTF-16 code units; S3 uses UTF-8 binary order.
    for key in ("\U0001f600", "\uff61", "a", "B"):
        put(engine, "b", key, b"")
    assert [v.key for v in engine.list_objects("b").contents] == ["B", "a", "\uff61", "\U0001f600"]


def test_deleted_keys_leave_the_listing_but_not_the_version_listing(
    engine: SqliteObjectEngine,
) -> None:
    engine.set_versioning("b", Versioning.ENABLED)
    put(engine, "b", "gone", b"x")
    put(engine, "b", "kept", b"x")
    engine.delete_object("b", "gone")
    assert [v.key for v in engine.list_objects("b").contents] == ["kept"]
    assert [v.key for v in engine.list_versions("b").versions] == ["gone", "gone", "kept"]


def test_max_keys_is_capped_at_1000(engine: SqliteObjectEngine) -> None:
    put(engine, "b", "k", b"")
    assert len(engine.list_objects("b", max_keys=5000).contents) == 1
    assert engine.list_objects("b", max_keys=0).contents == ()


def test_a_page_of_100k_keys_is_read_through_the_index(tmp_path: Path) -> None:
    engine = open_engine(tmp_path)
    engine.create_bucket("b", "1", "us-east-1")
    put(engine, "b", "seed", b"x")
    engine.close()
    # 100,000 keys written straight into the index tables (the listing reads nothing else;
    # 100,000 real puts would be 100,000 fsyncs on a shared machine).
    with sqlite3.connect(tmp_path / "objects.db") as db:
        meta, bodies = db.execute("SELECT meta, bodies FROM versions").fetchone()
        rows = [(f"dir{i % 100:03d}/file{i:06d}".encode(),) for i in range(100_000)]
        db.executemany(
            "INSERT INTO versions (bucket, key, version_id, delete_marker, size, etag,"
            " stored_ms, meta, wrapped, bodies) VALUES ('b', ?, 'null', 0, 1, '\"e\"', 0, ?,"
            " x'', ?)",
            [(k, meta, bodies) for (k,) in rows],
        )
        db.execute("INSERT INTO current SELECT bucket, key, seq FROM versions WHERE seq > 1")
    engine = open_engine(tmp_path)
    try:
        started = time.monotonic()
        roots = engine.list_objects("b", delimiter="/")
        deep = engine.list_objects("b", prefix="dir042/", start_after="dir042/file050042")
        first = engine.list_objects("b")
        elapsed = time.monotonic() - started
        assert len(roots.common_prefixes) == 100
        assert [v.key for v in roots.contents] == ["seed"]
        # dir042/ holds every 100th key: 1,000 of them, 499 after file050042.
        assert len(deep.contents) == 499
        assert not deep.is_truncated
        assert deep.contents[0].key == "dir042/file050142"
        assert len(first.contents) == 1000
        assert first.is_truncated
        # Index seeks: 100 rolled-up prefixes and a 1,000-key page in well under a second
        # (a scan of 100k rows with JSON decoding takes several).
        assert elapsed < 1.5, elapsed
    finally:
        engine.close()
