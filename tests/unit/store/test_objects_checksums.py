"""S3's checksum algorithms (the one implementation, shared with the HTTP edge): against
botocore's own, computed a piece at a time, and against published CRC32C vectors."""

from __future__ import annotations

import base64

from botocore.httpchecksum import Crc32Checksum, Sha1Checksum, Sha256Checksum
from hypothesis import given, settings
from hypothesis import strategies as st

from stockade.store.object_checksums import DIGEST_SIZES, b64, checksum, new_hasher
from stockade.store.object_ports import ChecksumAlgorithm

BOTOCORE = {ChecksumAlgorithm.CRC32: Crc32Checksum, ChecksumAlgorithm.SHA1: Sha1Checksum,
            ChecksumAlgorithm.SHA256: Sha256Checksum}  # fmt: skip


@settings(max_examples=50, deadline=None)
@given(data=st.binary(max_size=3000), cut=st.integers(min_value=0, max_value=3000))
def test_algorithms_match_botocores_and_stream(data: bytes, cut: int) -> None:
    for algorithm, theirs in BOTOCORE.items():
        expected = theirs().handle(data)  # what boto3 sends in x-amz-checksum-*
        assert checksum(algorithm, data) == expected
        hasher = new_hasher(algorithm)
        hasher.update(data[:cut])
        hasher.update(data[cut:])
        assert b64(hasher.digest()) == expected
        assert len(hasher.digest()) == DIGEST_SIZES[algorithm]


def test_crc32c_published_vectors() -> None:
    # RFC 3720 B.4 check value; and AWS's trailer example (66560 bytes of "a": "sOO8/Q==").
    assert new_hasher(ChecksumAlgorithm.CRC32C).digest() == b"\x00\x00\x00\x00"
    assert (
        checksum(ChecksumAlgorithm.CRC32C, b"123456789")
        == base64.b64encode(bytes.fromhex("e3069283")).decode()
    )
    assert checksum(ChecksumAlgorithm.CRC32C, b"a" * 66560) == "sOO8/Q=="
    assert (
        checksum(ChecksumAlgorithm.CRC32C, bytes(32))
        == base64.b64encode(bytes.fromhex("8a9136aa")).decode()
    )
    hasher = new_hasher(ChecksumAlgorithm.CRC32C)
    for piece in (b"1234", b"5", b"6789"):  # streamed in pieces: the same value
        hasher.update(piece)
    assert hasher.digest() == bytes.fromhex("e3069283")
    assert DIGEST_SIZES[ChecksumAlgorithm.CRC32C] == 4
