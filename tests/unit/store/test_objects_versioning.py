"""S3's versioning: version ids, delete markers and the "null" version (S3 User Guide,
"Using versioning in S3 buckets": unversioned, Enabled and Suspended buckets)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from stockade.store.object_errors import (
    BucketAlreadyExists,
    BucketAlreadyOwnedByYou,
    BucketNotEmpty,
    InvalidArgument,
    MethodNotAllowed,
    NoSuchBucket,
    NoSuchKey,
    NoSuchVersion,
)
from stockade.store.object_ports import NULL_VERSION, ObjectEngine, PutOptions, Versioning
from stockade.store.sqlite_objects import SqliteObjectEngine
from tests.unit.store.object_world import open_engine, put, read_all


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[SqliteObjectEngine]:
    found = open_engine(tmp_path)
    found.create_bucket("b", "111111111111", "us-east-1")
    yield found
    found.close()


def body_files(root: Path) -> int:
    return len([p for p in (root / "objects").rglob("*") if p.is_file()])


def test_buckets_are_records(engine: SqliteObjectEngine) -> None:
    info = engine.get_bucket("b")
    assert (info.owner_account, info.region, info.versioning) == (
        "111111111111", "us-east-1", Versioning.UNVERSIONED,
    )  # fmt: skip
    with pytest.raises(BucketAlreadyOwnedByYou):
        engine.create_bucket("b", "111111111111", "us-east-1")
    with pytest.raises(BucketAlreadyExists):
        engine.create_bucket("b", "222222222222", "us-east-1")
    engine.create_bucket("a", "111111111111", "eu-west-1")
    assert [b.name for b in engine.list_buckets("111111111111")] == ["a", "b"]
    assert engine.list_buckets("222222222222") == []
    engine.delete_bucket("a")
    with pytest.raises(NoSuchBucket):
        engine.get_bucket("a")


def test_unversioned_puts_replace_and_deletes_remove(
    engine: SqliteObjectEngine, tmp_path: Path
) -> None:
    assert put(engine, "b", "k", b"one") == NULL_VERSION
    put(engine, "b", "k", b"two")
    assert read_all(engine, "b", "k") == b"two"
    assert body_files(tmp_path) == 1  # the replaced body was freed
    assert engine.delete_object("b", "k").delete_marker is False
    with pytest.raises(NoSuchKey):
        engine.head_object("b", "k")
    assert engine.list_versions("b").versions == ()
    assert body_files(tmp_path) == 0
    engine.delete_bucket("b")


def test_enabled_keeps_every_version_and_deletes_add_markers(
    engine: SqliteObjectEngine, tmp_path: Path
) -> None:
    engine.set_versioning("b", Versioning.ENABLED)
    v1, v2 = put(engine, "b", "k", b"one"), put(engine, "b", "k", b"two")
    assert v1 != v2
    assert NULL_VERSION not in (v1, v2)
    assert len(v1) == 32
    assert read_all(engine, "b", "k", v1) == b"one"
    assert engine.head_object("b", "k", v1).is_latest is False
    assert engine.head_object("b", "k", v2).is_latest is True
    deleted = engine.delete_object("b", "k")
    assert deleted.delete_marker
    with pytest.raises(NoSuchKey):
        read_all(engine, "b", "k")
    with pytest.raises(MethodNotAllowed):
        engine.head_object("b", "k", deleted.version_id)
    assert read_all(engine, "b", "k", v2) == b"two"
    versions = engine.list_versions("b").versions
    assert [(v.version_id, v.delete_marker, v.is_latest) for v in versions] == [
        (deleted.version_id, True, True), (v2, False, False), (v1, False, False),
    ]  # fmt: skip
    with pytest.raises(BucketNotEmpty):
        engine.delete_bucket("b")
    # Removing the marker by its id brings the object back.
    assert engine.delete_object("b", "k", deleted.version_id).delete_marker
    assert read_all(engine, "b", "k") == b"two"
    engine.delete_object("b", "k", v2)
    assert read_all(engine, "b", "k") == b"one"
    assert body_files(tmp_path) == 1
    with pytest.raises(NoSuchVersion):
        engine.head_object("b", "k", v2)
    with pytest.raises(InvalidArgument):
        engine.set_versioning("b", Versioning.UNVERSIONED)


def test_suspended_writes_the_null_version(engine: SqliteObjectEngine) -> None:
    engine.set_versioning("b", Versioning.ENABLED)
    kept = put(engine, "b", "k", b"kept")
    engine.set_versioning("b", Versioning.SUSPENDED)
    assert put(engine, "b", "k", b"null one") == NULL_VERSION
    assert put(engine, "b", "k", b"null two") == NULL_VERSION  # replaces the null version
    ids = [v.version_id for v in engine.list_versions("b").versions]
    assert ids == [NULL_VERSION, kept]
    marker = engine.delete_object("b", "k")
    assert (marker.version_id, marker.delete_marker) == (NULL_VERSION, True)
    listed = engine.list_versions("b").versions
    assert [(v.version_id, v.delete_marker) for v in listed] == [
        (NULL_VERSION, True), (kept, False),
    ]  # fmt: skip
    assert read_all(engine, "b", "k", kept) == b"kept"


def test_a_version_listing_pages_by_key_and_version_markers(engine: SqliteObjectEngine) -> None:
    engine.set_versioning("b", Versioning.ENABLED)
    made = {k: [put(engine, "b", k, b"x") for _ in range(3)] for k in ("a", "b", "c")}
    expected = [(k, v) for k in ("a", "b", "c") for v in reversed(made[k])]
    seen: list[tuple[str, str]] = []
    key_marker = version_marker = ""
    for _ in range(20):
        page = engine.list_versions(
            "b", key_marker=key_marker, version_id_marker=version_marker, max_keys=2
        )
        seen += [(v.key, v.version_id) for v in page.versions]
        if not page.is_truncated:
            break
        key_marker, version_marker = page.next_key_marker, page.next_version_id_marker
    assert seen == expected


def test_tags_follow_the_version(engine: SqliteObjectEngine) -> None:
    engine.set_versioning("b", Versioning.ENABLED)
    v1 = engine.put_object("b", "k", iter([b"1"]), PutOptions(tags=(("v", "1"),))).version_id
    put(engine, "b", "k", b"2")
    engine.set_tags("b", "k", [("v", "one")], v1)
    assert engine.head_object("b", "k", v1).tags == (("v", "one"),)
    assert engine.head_object("b", "k").tags == ()


def test_a_key_hidden_by_a_delete_marker_names_the_marker(engine: SqliteObjectEngine) -> None:
    engine.set_versioning("b", Versioning.ENABLED)
    put(engine, "b", "k", b"x")
    marker = engine.delete_object("b", "k").version_id
    with pytest.raises(NoSuchKey) as raised:
        engine.head_object("b", "k")
    assert raised.value.delete_marker == marker
    assert raised.value.code == "NoSuchKey"


def test_the_adapter_implements_the_port(engine: SqliteObjectEngine) -> None:
    port: ObjectEngine = engine  # mypy checks the structure; this checks it is the engine
    assert port.get_bucket("b").name == "b"


def test_concurrent_puts_are_serialized_by_the_one_writer(
    engine: SqliteObjectEngine, tmp_path: Path
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    engine.set_versioning("b", Versioning.SUSPENDED)  # every put replaces the null version

    def worker(n: int) -> None:
        for i in range(5):
            put(engine, "b", "shared", f"{n}-{i}".encode())
            put(engine, "b", f"own-{n}", f"{n}-{i}".encode())

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(worker, range(6)))
    assert read_all(engine, "b", "shared") in {f"{n}-4".encode() for n in range(6)}
    assert [read_all(engine, "b", f"own-{n}") for n in range(6)] == [
        f"{n}-4".encode() for n in range(6)
    ]
    assert len(engine.list_versions("b").versions) == 7  # one null version per key
    assert body_files(tmp_path) == 7  # every replaced body was freed
