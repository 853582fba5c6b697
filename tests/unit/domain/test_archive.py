"""Hostile and honest deployment packages through inspect/extract."""

from __future__ import annotations

import io
import os
import stat
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from stockade.domain.archive import (
    CORRUPT_MESSAGE,
    ArchiveLimits,
    extract_archive,
    inspect_archive,
)
from stockade.domain.errors import (
    ArchiveError,
    ArchiveTooLargeError,
    CorruptArchiveError,
    HostileArchiveError,
)

LIMITS = ArchiveLimits()


def make_zip(*entries: tuple[str, bytes] | zipfile.ZipInfo, data: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in entries:
            if isinstance(entry, zipfile.ZipInfo):
                archive.writestr(entry, data)
            else:
                archive.writestr(entry[0], entry[1])
    return buffer.getvalue()


def unix_entry(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = mode << 16
    return info


def test_honest_archive_is_inspected_and_extracted_with_exec_bits(tmp_path: Path) -> None:
    data = make_zip(
        ("app.py", b"def handler(e, c):\n    return 1\n"),
        ("pkg/", b""),
        ("pkg/mod.py", b"x = 1\n"),
        unix_entry("bootstrap", stat.S_IFREG | 0o755),
        data=b"#!/bin/sh\n",
    )
    manifest = inspect_archive(data, LIMITS)
    assert {entry.path for entry in manifest.entries} == {
        "app.py",
        "pkg",
        "pkg/mod.py",
        "bootstrap",
    }
    assert manifest.unzipped_size == 32 + 6 + 10
    extracted = extract_archive(data, tmp_path, LIMITS)
    assert extracted == manifest
    assert (tmp_path / "pkg" / "mod.py").read_bytes() == b"x = 1\n"
    assert os.stat(tmp_path / "bootstrap").st_mode & 0o777 == 0o755
    assert os.stat(tmp_path / "app.py").st_mode & 0o777 == 0o644


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        pytest.param("../evil.py", "outside the archive root", id="dotdot"),
        pytest.param("a/../../evil.py", "outside the archive root", id="nested-dotdot"),
        pytest.param("/etc/passwd", "absolute path", id="absolute"),
        pytest.param("C:/x.py", "absolute path", id="drive-letter"),
        pytest.param("a\\..\\evil.py", "path separator", id="backslash"),
        pytest.param("x" * 300, "too long", id="long-component"),
    ],
)
def test_zip_slip_names_are_rejected(name: str, fragment: str) -> None:
    data = make_zip((name, b"boom"))
    with pytest.raises(HostileArchiveError, match=fragment):
        inspect_archive(data, LIMITS)


def test_symlink_entry_is_rejected(tmp_path: Path) -> None:
    data = make_zip(unix_entry("link", stat.S_IFLNK | 0o777), data=b"/etc/passwd")
    with pytest.raises(HostileArchiveError, match="symbolic link"):
        extract_archive(data, tmp_path, LIMITS)
    assert list(tmp_path.iterdir()) == []


def test_device_entry_is_rejected() -> None:
    data = make_zip(unix_entry("dev", stat.S_IFCHR | 0o666))
    with pytest.raises(HostileArchiveError, match="not a regular file"):
        inspect_archive(data, LIMITS)


def test_duplicate_entries_are_rejected() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.py", b"1")
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("a.py", b"2")
    with pytest.raises(HostileArchiveError, match="duplicate entry"):
        inspect_archive(buffer.getvalue(), LIMITS)


def test_normalised_duplicates_are_rejected() -> None:
    data = make_zip(("a/b.py", b"1"), ("a/./b.py", b"2"))
    with pytest.raises(HostileArchiveError, match="duplicate entry"):
        inspect_archive(data, LIMITS)


def test_entry_inside_a_file_is_rejected() -> None:
    data = make_zip(("a", b"file"), ("a/b.py", b"2"))
    with pytest.raises(HostileArchiveError, match="inside a file entry"):
        inspect_archive(data, LIMITS)


def test_file_over_implied_directory_is_rejected() -> None:
    data = make_zip(("a/b.py", b"2"), ("a", b"file"))
    with pytest.raises(HostileArchiveError, match="duplicate entry"):
        inspect_archive(data, LIMITS)


def test_corrupt_bytes_get_lambdas_message() -> None:
    with pytest.raises(CorruptArchiveError) as caught:
        inspect_archive(b"this is not a zip file at all", LIMITS)
    assert str(caught.value) == CORRUPT_MESSAGE


def test_flipped_payload_byte_fails_crc() -> None:
    data = bytearray(make_zip(("a.txt", b"hello world " * 100)))
    data[60] ^= 0xFF  # inside the compressed stream
    with pytest.raises(CorruptArchiveError):
        inspect_archive(bytes(data), LIMITS)


def test_truncated_archive_is_corrupt() -> None:
    data = make_zip(("a.txt", b"hello" * 1000))
    with pytest.raises(CorruptArchiveError):
        inspect_archive(data[: len(data) // 2], LIMITS)


def test_declared_size_over_limit_is_rejected_before_decompressing() -> None:
    data = make_zip(("big.bin", b"\0" * 20_000))
    with pytest.raises(
        ArchiveTooLargeError, match="Unzipped size must be smaller than 10000 bytes"
    ):
        inspect_archive(data, ArchiveLimits(max_unzipped_bytes=10_000))


def test_lying_header_cannot_exceed_the_limit_while_streaming() -> None:
    """Central directory claims 10 bytes; the stream inflates to 1 MB. Output stops at the
    declared size and the CRC check fails: never more than the declared bytes are produced."""
    payload = b"\0" * 1_000_000
    compressed = zlib.compress(payload)[2:-4]  # raw deflate
    data = _raw_zip("a.bin", compressed, declared_size=10, crc=zlib.crc32(payload))
    with pytest.raises(CorruptArchiveError):
        inspect_archive(data, ArchiveLimits(max_unzipped_bytes=100))


def test_ratio_limit() -> None:
    data = make_zip(("zeros.bin", b"\0" * 3_000_000))
    with pytest.raises(HostileArchiveError, match="compression ratio"):
        inspect_archive(data, ArchiveLimits(max_ratio=100))


def test_overlapping_entries_bomb_is_rejected() -> None:
    """Two central-directory records pointing at one local entry (the overlap construction of
    non-recursive zip bombs)."""
    single = make_zip(("a.bin", b"\0" * 5000))
    end = single.rindex(b"PK\x05\x06")
    (central_start,) = struct.unpack_from("<I", single, end + 16)
    record = single[central_start:end]
    renamed = record.replace(b"a.bin", b"b.bin")
    central = record + renamed
    eocd = bytearray(single[end:])
    struct.pack_into("<HHII", eocd, 8, 2, 2, len(central), central_start)
    bomb = single[:central_start] + central + bytes(eocd)
    with pytest.raises(ArchiveError):
        inspect_archive(bomb, LIMITS)


def test_too_many_entries() -> None:
    data = make_zip(*[(f"f{i}", b"") for i in range(5)])
    with pytest.raises(ArchiveTooLargeError, match="more than 4 entries"):
        inspect_archive(data, ArchiveLimits(max_entries=4))


def test_encrypted_flag_is_rejected() -> None:
    info = zipfile.ZipInfo("secret.txt")
    data = bytearray(make_zip(info, data=b"x"))
    # Set the encryption bit in both the local and the central header.
    struct.pack_into("<H", data, 6, 1)
    central = data.rindex(b"PK\x01\x02")
    struct.pack_into("<H", data, central + 8, 1)
    with pytest.raises(HostileArchiveError, match="encrypted"):
        inspect_archive(bytes(data), LIMITS)


def test_unsupported_compression_is_rejected() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("a.txt", b"hello")
    with pytest.raises(HostileArchiveError, match="compression method"):
        inspect_archive(buffer.getvalue(), LIMITS)


def _raw_zip(name: str, deflated: bytes, declared_size: int, crc: int) -> bytes:
    encoded = name.encode()
    local = struct.pack(
        "<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(deflated), declared_size,
        len(encoded), 0,
    ) + encoded + deflated  # fmt: skip
    central = struct.pack(
        "<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(deflated),
        declared_size, len(encoded), 0, 0, 0, 0, 0, 0,
    ) + encoded  # fmt: skip
    eocd = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local), 0)
    return local + central + eocd
