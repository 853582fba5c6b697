"""Putting and getting objects: streaming, ranges, checksums, encryption, limits."""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stockade.store.object_errors import (
    BadDigest,
    EntityTooLarge,
    InvalidArgument,
    InvalidRange,
    KeyTooLongError,
    MetadataTooLarge,
    NoSuchBucket,
    NoSuchKey,
)
from stockade.store.object_ports import (
    ByteRange,
    ChecksumAlgorithm,
    Checksums,
    Encryption,
    ObjectHeaders,
    PutOptions,
    Sse,
)
from stockade.store.sqlite_objects import SqliteObjectEngine
from tests.support.object_kms import LocalKmsDataKeys
from tests.unit.store.object_world import SEG, chunked, open_engine, put, random_bytes, read_all


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[SqliteObjectEngine]:
    found = open_engine(tmp_path)
    found.create_bucket("b", "111111111111", "us-east-1")
    yield found
    found.close()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize("size", [0, 1, SEG - 1, SEG, SEG + 1, 3 * SEG + 17])
def test_bodies_of_every_size_round_trip(engine: SqliteObjectEngine, size: int) -> None:
    data = random_bytes(size)
    version = engine.put_object("b", "k", chunked(data, 7_777), PutOptions())
    assert version.size == size
    assert version.etag == f'"{hashlib.md5(data).hexdigest()}"'
    assert read_all(engine, "b", "k") == data


def test_chunks_out_are_bounded_by_the_segment_size(engine: SqliteObjectEngine) -> None:
    data = random_bytes(5 * SEG)
    engine.put_object("b", "k", iter([data]), PutOptions())  # one big chunk in
    sizes = [len(c) for c in engine.get_object("b", "k").chunks]
    assert max(sizes) <= SEG
    assert sum(sizes) == len(data)


DATA = random_bytes(4 * SEG + 1234)


_FIXTURES_OK = [HealthCheck.function_scoped_fixture]


@settings(max_examples=60, deadline=None, suppress_health_check=_FIXTURES_OK)
@given(
    first=st.integers(0, len(DATA) + 10),
    span=st.one_of(st.none(), st.integers(0, len(DATA) + 10)),
    suffix=st.one_of(st.none(), st.integers(0, len(DATA) + 10)),
)
def test_range_reads_return_exactly_the_bytes_asked_for(
    engine: SqliteObjectEngine, first: int, span: int | None, suffix: int | None
) -> None:
    if engine.list_objects("b").contents == ():
        put(engine, "b", "r", DATA)
    size = len(DATA)
    if suffix is not None:
        wanted = ByteRange(suffix=suffix)
        if suffix == 0:  # RFC 9110: a zero suffix is unsatisfiable
            with pytest.raises(InvalidRange):
                engine.get_object("b", "r", byte_range=wanted)
            return
        expected, start = DATA[max(0, size - suffix) :], max(0, size - suffix)
    else:
        last = None if span is None else first + span
        wanted = ByteRange(first, last)
        if first >= size:
            with pytest.raises(InvalidRange):
                engine.get_object("b", "r", byte_range=wanted)
            return
        expected, start = DATA[first : None if last is None else last + 1], first
    read = engine.get_object("b", "r", byte_range=wanted)
    assert b"".join(read.chunks) == expected
    assert (read.start, read.end) == (start, start + len(expected))


def test_a_range_on_an_empty_object_is_unsatisfiable(engine: SqliteObjectEngine) -> None:
    put(engine, "b", "empty", b"")
    with pytest.raises(InvalidRange):
        engine.get_object("b", "empty", byte_range=ByteRange(0, None))
    assert read_all(engine, "b", "empty") == b""


def test_checksums_are_s3s_base64_big_endian_digests(engine: SqliteObjectEngine) -> None:
    data = b"hello world"
    for algorithm in ChecksumAlgorithm:
        version = engine.put_object(
            "b", f"k-{algorithm.value}", iter([data]), PutOptions(checksum_algorithm=algorithm)
        )
        assert version.checksums.get(algorithm)
    head = engine.head_object
    assert head("b", "k-CRC32").checksums.crc32 == b64(zlib.crc32(data).to_bytes(4, "big"))
    assert head("b", "k-CRC32").checksums.crc32 == "DUoRhQ=="
    assert head("b", "k-CRC32C").checksums.crc32c == "yZRlqg=="  # CRC-32C (Castagnoli)
    assert head("b", "k-SHA1").checksums.sha1 == b64(hashlib.sha1(data).digest())
    assert head("b", "k-SHA256").checksums.sha256 == b64(hashlib.sha256(data).digest())


def test_crc32c_matches_the_standard_check_value(engine: SqliteObjectEngine) -> None:
    # The CRC-32C check value: CRC of "123456789" is 0xE3069283 (RFC 3720, appendix B.4).
    version = engine.put_object(
        "b", "c", chunked(b"123456789", 4), PutOptions(checksum_algorithm=ChecksumAlgorithm.CRC32C)
    )
    assert version.checksums.crc32c == b64(bytes.fromhex("e3069283"))


@pytest.mark.parametrize(
    "options",
    [
        PutOptions(expected=Checksums(crc32="AAAAAA==")),
        PutOptions(expected=Checksums(sha256=b64(hashlib.sha256(b"other").digest()))),
        PutOptions(expected_md5=b64(hashlib.md5(b"other").digest())),
    ],
)
def test_a_mismatched_checksum_stores_nothing(
    engine: SqliteObjectEngine, tmp_path: Path, options: PutOptions
) -> None:
    put(engine, "b", "k", b"old")
    with pytest.raises(BadDigest):
        engine.put_object("b", "k", iter([b"new body"]), options)
    assert read_all(engine, "b", "k") == b"old"
    assert len([p for p in (tmp_path / "objects").rglob("*") if p.is_file()]) == 1


def test_matching_checksums_are_accepted_and_stored(engine: SqliteObjectEngine) -> None:
    data = b"payload"
    given_sha = b64(hashlib.sha256(data).digest())
    options = PutOptions(
        expected=Checksums(sha256=given_sha),
        expected_md5=b64(hashlib.md5(data).digest()),
    )
    version = engine.put_object("b", "k", iter([data]), options)
    assert version.checksums.sha256 == given_sha


def test_headers_metadata_and_tags_are_kept(engine: SqliteObjectEngine) -> None:
    headers = ObjectHeaders(
        content_type="text/plain", content_encoding="gzip", content_disposition="inline",
        cache_control="no-cache", expires="Thu, 01 Jan 2037 00:00:00 GMT",
        user_metadata=(("colour", "blue"),),
    )  # fmt: skip
    engine.put_object("b", "k", iter([b"x"]), PutOptions(headers=headers, tags=(("t", "1"),)))
    found = engine.head_object("b", "k")
    assert found.headers == headers
    assert found.tags == (("t", "1"),)
    assert engine.set_tags("b", "k", [("u", "2")]).tags == (("u", "2"),)


def test_limits_are_s3s(engine: SqliteObjectEngine) -> None:
    with pytest.raises(KeyTooLongError):
        put(engine, "b", "k" * 1025, b"x")
    put(engine, "b", "é" * 512, b"x")  # 1,024 bytes of UTF-8: the longest allowed
    big = ObjectHeaders(user_metadata=(("m", "v" * 2048),))
    with pytest.raises(MetadataTooLarge):
        engine.put_object("b", "k", iter([b"x"]), PutOptions(headers=big))
    with pytest.raises(InvalidArgument):
        put(engine, "b", "", b"x")
    with pytest.raises(NoSuchBucket):
        put(engine, "nope", "k", b"x")
    with pytest.raises(NoSuchKey):
        engine.get_object("b", "missing")


def test_a_body_past_the_size_limit_is_refused_and_leaves_nothing(
    engine: SqliteObjectEngine, tmp_path: Path
) -> None:
    from stockade.crypto.segments import AesGcmSegments
    from stockade.store.object_bodies import BodyFiles, new_body_id
    from stockade.store.object_checksums import StreamHasher

    bodies = BodyFiles(tmp_path / "limit", AesGcmSegments())
    with pytest.raises(EntityTooLarge):
        bodies.write(new_body_id(), bytes(32), chunked(bytes(1000), 100), StreamHasher([]), 999)
    assert not [p for p in (tmp_path / "limit").rglob("*") if p.is_file()]


def test_sse_kms_wraps_the_data_key_under_the_callers_key(tmp_path: Path) -> None:
    kms = LocalKmsDataKeys()
    arn = kms.create_key("k1")
    engine = open_engine(tmp_path, kms)
    try:
        engine.create_bucket("b", "1", "us-east-1")
        options = PutOptions(encryption=Encryption(Sse.KMS, "k1"))
        version = engine.put_object("b", "k", iter([b"secret"]), options)
        assert version.encryption == Encryption(Sse.KMS, arn)
        assert read_all(engine, "b", "k") == b"secret"
        with pytest.raises(InvalidArgument):  # no key named: refused, nothing stored
            engine.put_object("b", "k2", iter([b"x"]), PutOptions(encryption=Encryption(Sse.KMS)))
    finally:
        engine.close()
    without_kms = open_engine(tmp_path)
    try:
        with pytest.raises(InvalidArgument):  # the key service is needed to read it back
            read_all(without_kms, "b", "k")
    finally:
        without_kms.close()


def test_no_plaintext_reaches_the_disk(tmp_path: Path) -> None:
    canary = b"CANARY-7d1f3b-" * 10_000
    engine = open_engine(tmp_path)
    try:
        engine.create_bucket("b", "1", "us-east-1")
        put(engine, "b", "k", canary)
        upload = engine.create_upload("b", "mp", PutOptions())
        engine.upload_part(upload.upload_id, 1, iter([canary]))
        assert read_all(engine, "b", "k") == canary
    finally:
        engine.close()
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "objects.db" for p in files)
    for path in files:
        assert b"CANARY-7d1f3b" not in path.read_bytes(), path.name
