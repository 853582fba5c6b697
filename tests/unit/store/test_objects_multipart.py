"""Multipart uploads: part limits, S3's multipart ETag and composite checksums, completion by
reference, abort, and uploads that survive a restart (S3 User Guide, "Uploading and copying
objects using multipart upload"; "Checking object integrity" for checksums of checksums)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from stockade.store.object_errors import (
    BadDigest,
    EntityTooSmall,
    InvalidArgument,
    InvalidPart,
    InvalidPartOrder,
    NoSuchUpload,
)
from stockade.store.object_limits import PART_MIN
from stockade.store.object_ports import (
    ByteRange,
    ChecksumAlgorithm,
    Checksums,
    CompletedPart,
    PutOptions,
)
from stockade.store.sqlite_objects import SqliteObjectEngine
from tests.unit.store.object_world import chunked, open_engine, random_bytes, read_all

PARTS = [random_bytes(PART_MIN), random_bytes(PART_MIN + 3), random_bytes(1000)]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[SqliteObjectEngine]:
    found = open_engine(tmp_path)
    found.create_bucket("b", "1", "us-east-1")
    yield found
    found.close()


def body_files(root: Path) -> int:
    return len([p for p in (root / "objects").rglob("*") if p.is_file()])


def upload_all(engine: SqliteObjectEngine, upload_id: str) -> list[CompletedPart]:
    done = []
    for number, data in enumerate(PARTS, start=1):
        part = engine.upload_part(upload_id, number, chunked(data, 256 * 1024))
        done.append(CompletedPart(number, part.etag, part.checksums))
    return done


def test_a_completed_upload_is_the_parts_in_order_by_reference(
    engine: SqliteObjectEngine, tmp_path: Path
) -> None:
    options = PutOptions(checksum_algorithm=ChecksumAlgorithm.SHA256)
    upload = engine.create_upload("b", "big", options)
    done = upload_all(engine, upload.upload_id)
    files_before = body_files(tmp_path)
    version = engine.complete_upload(upload.upload_id, done)
    assert body_files(tmp_path) == files_before  # no byte copied
    whole = b"".join(PARTS)
    assert read_all(engine, "b", "big") == whole
    md5s = b"".join(hashlib.md5(p).digest() for p in PARTS)
    assert version.etag == f'"{hashlib.md5(md5s).hexdigest()}-3"'
    shas = b"".join(hashlib.sha256(p).digest() for p in PARTS)
    assert (
        version.checksums.sha256 == base64.b64encode(hashlib.sha256(shas).digest()).decode() + "-3"
    )
    assert version.parts_count == 3
    assert version.size == len(whole)
    # A range across the boundary of the first two parts.
    read = engine.get_object("b", "big", byte_range=ByteRange(PART_MIN - 10, PART_MIN + 9))
    assert b"".join(read.chunks) == whole[PART_MIN - 10 : PART_MIN + 10]
    with pytest.raises(NoSuchUpload):
        engine.list_parts(upload.upload_id)


def test_a_part_uploaded_again_replaces_the_earlier_one(
    engine: SqliteObjectEngine, tmp_path: Path
) -> None:
    upload = engine.create_upload("b", "k", PutOptions())
    engine.upload_part(upload.upload_id, 1, iter([b"first"]))
    second = engine.upload_part(upload.upload_id, 1, iter([b"second"]))
    assert [p.etag for p in engine.list_parts(upload.upload_id)] == [second.etag]
    assert body_files(tmp_path) == 1
    engine.complete_upload(upload.upload_id, [CompletedPart(1, second.etag)])
    assert read_all(engine, "b", "k") == b"second"


def test_completion_checks_the_part_list(engine: SqliteObjectEngine) -> None:
    upload = engine.create_upload("b", "k", PutOptions())
    small = engine.upload_part(upload.upload_id, 1, iter([b"tiny"]))
    last = engine.upload_part(upload.upload_id, 2, iter([b"end"]))
    with pytest.raises(InvalidPartOrder):
        engine.complete_upload(upload.upload_id, [CompletedPart(2, last.etag),
                                                  CompletedPart(1, small.etag)])  # fmt: skip
    with pytest.raises(InvalidPart):
        engine.complete_upload(upload.upload_id, [CompletedPart(1, '"00"')])
    with pytest.raises(InvalidPart):
        engine.complete_upload(upload.upload_id, [CompletedPart(3, last.etag)])
    wrong = CompletedPart(1, small.etag, Checksums(crc32="AAAAAA=="))
    with pytest.raises(InvalidPart):
        engine.complete_upload(upload.upload_id, [wrong])
    with pytest.raises(EntityTooSmall):  # every part but the last is at least 5 MiB
        engine.complete_upload(upload.upload_id, [CompletedPart(1, small.etag),
                                                  CompletedPart(2, last.etag)])  # fmt: skip
    with pytest.raises(InvalidArgument):
        engine.upload_part(upload.upload_id, 10_001, iter([b"x"]))
    with pytest.raises(InvalidArgument):
        engine.upload_part(upload.upload_id, 0, iter([b"x"]))
    with pytest.raises(BadDigest):
        engine.upload_part(upload.upload_id, 3, iter([b"x"]), Checksums(crc32="AAAAAA=="))
    # A single (last) part may be small; failed completions changed nothing.
    engine.complete_upload(upload.upload_id, [CompletedPart(2, last.etag)])
    assert read_all(engine, "b", "k") == b"end"


def test_abort_frees_the_parts(engine: SqliteObjectEngine, tmp_path: Path) -> None:
    upload = engine.create_upload("b", "k", PutOptions())
    engine.upload_part(upload.upload_id, 1, iter([b"x" * 100]))
    assert [u.upload_id for u in engine.list_uploads("b")] == [upload.upload_id]
    engine.abort_upload(upload.upload_id)
    assert body_files(tmp_path) == 0
    assert engine.list_uploads("b") == []
    with pytest.raises(NoSuchUpload):
        engine.upload_part(upload.upload_id, 1, iter([b"x"]))
    with pytest.raises(NoSuchUpload):
        engine.abort_upload(upload.upload_id)


def test_uploads_survive_a_restart(tmp_path: Path) -> None:
    engine = open_engine(tmp_path)
    engine.create_bucket("b", "1", "us-east-1")
    upload = engine.create_upload("b", "k", PutOptions())
    first = engine.upload_part(upload.upload_id, 1, iter([PARTS[0]]))
    engine.close()
    engine = open_engine(tmp_path)
    try:
        assert [p.etag for p in engine.list_parts(upload.upload_id)] == [first.etag]
        second = engine.upload_part(upload.upload_id, 2, iter([b"tail"]))
        engine.complete_upload(
            upload.upload_id, [CompletedPart(1, first.etag), CompletedPart(2, second.etag)]
        )
        assert read_all(engine, "b", "k") == PARTS[0] + b"tail"
    finally:
        engine.close()
