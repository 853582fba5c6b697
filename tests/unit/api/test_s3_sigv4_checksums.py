"""S3's checksums: the algorithms against botocore's own and published vectors, and the header
checks a non-chunked body is handed through."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import AsyncIterator

import pytest
from botocore.httpchecksum import Crc32Checksum, Sha1Checksum, Sha256Checksum
from botocore.utils import calculate_md5
from hypothesis import given, settings
from hypothesis import strategies as st

from stockade.api import checksums, s3_body_checks
from stockade.api.checksums import Algorithm
from stockade.api.s3_body_checks import body_checks, checked, checked_async
from stockade.services.s3.errors import (
    BadDigestError,
    InvalidDigestError,
    InvalidRequestError,
    S3NotImplementedError,
)

BOTOCORE = {Algorithm.CRC32: Crc32Checksum, Algorithm.SHA1: Sha1Checksum,
            Algorithm.SHA256: Sha256Checksum}  # fmt: skip


@settings(max_examples=50, deadline=None)
@given(data=st.binary(max_size=3000), cut=st.integers(min_value=0, max_value=3000))
def test_algorithms_match_botocores_and_stream(data: bytes, cut: int) -> None:
    for algorithm, theirs in BOTOCORE.items():
        expected = theirs().handle(data)  # what boto3 sends in x-amz-checksum-*
        assert checksums.checksum(algorithm, data) == expected
        hasher = checksums.new_hasher(algorithm)
        hasher.update(data[:cut])
        hasher.update(data[cut:])
        assert checksums.encode(hasher.digest()) == expected
    assert checksums.checksum(Algorithm.MD5, data) == calculate_md5(data)


def test_crc32c_published_vectors() -> None:
    # RFC 3720 B.4 check value; and AWS's trailer example (66560 bytes of "a": "sOO8/Q==").
    assert checksums.new_hasher(Algorithm.CRC32C).digest() == b"\x00\x00\x00\x00"
    assert (
        checksums.checksum(Algorithm.CRC32C, b"123456789")
        == base64.b64encode(bytes.fromhex("e3069283")).decode()
    )
    assert checksums.checksum(Algorithm.CRC32C, b"a" * 66560) == "sOO8/Q=="
    assert (
        checksums.checksum(Algorithm.CRC32C, bytes(32))
        == base64.b64encode(bytes.fromhex("8a9136aa")).decode()
    )


def test_decode_takes_only_canonical_values_of_the_right_size() -> None:
    good = checksums.checksum(Algorithm.SHA256, b"x")
    assert checksums.decode(Algorithm.SHA256, good) == hashlib.sha256(b"x").digest()
    for bad in ("", "not base64!", good[:-4], "AAAAAA==", "AAAAAB==", "ü"):
        assert checksums.decode(Algorithm.SHA256, bad) is None
    assert checksums.decode(Algorithm.CRC32, "AAAAAA==") == b"\x00\x00\x00\x00"
    assert checksums.decode(Algorithm.CRC32, "AAAAAB==") is None  # non-canonical padding bits
    assert Algorithm.CRC32C.header == "x-amz-checksum-crc32c"
    assert Algorithm.MD5.header == "content-md5"


def headers_for(data: bytes, *algorithms: Algorithm, **extra: str) -> dict[str, str]:
    return {a.header: checksums.checksum(a, data) for a in algorithms} | extra


@pytest.mark.parametrize("algorithm", list(Algorithm))
def test_each_checksum_header_is_verified_as_the_body_passes(algorithm: Algorithm) -> None:
    data = b"object bytes " * 1000
    checks = body_checks(headers_for(data, algorithm), None)
    assert b"".join(checked([data[:5000], data[5000:]], checks)) == data
    wrong = body_checks(headers_for(data, algorithm), None)
    with pytest.raises(BadDigestError) as caught:
        list(checked([data[:-1]], wrong))
    if algorithm is Algorithm.MD5:
        assert (
            caught.value.message == "The Content-MD5 you specified did not match what we received."
        )
    else:
        assert caught.value.message == (
            f"The {algorithm.value} you specified did not match the calculated checksum."
        )


def test_content_md5_and_a_checksum_together() -> None:
    data = b"both"
    checks = body_checks(headers_for(data, Algorithm.MD5, Algorithm.CRC32C), None)
    list(checked([data], checks))
    assert checks.checksum == (Algorithm.CRC32C, checksums.checksum(Algorithm.CRC32C, data))


@pytest.mark.parametrize(
    ("headers", "error", "message"),
    [
        ({"content-md5": "abc"}, InvalidDigestError,
         "The Content-MD5 you specified was invalid."),
        ({"x-amz-checksum-crc32": "abc"}, InvalidRequestError,
         "Value for x-amz-checksum-crc32 header is invalid."),
        ({"x-amz-checksum-crc32": "AAAAAA==", "x-amz-checksum-sha1": "AAAAAA=="},
         InvalidRequestError, "Expecting a single x-amz-checksum- header"),
        ({"x-amz-checksum-md4": "AAAAAA=="}, InvalidRequestError,
         "Checksum algorithm provided is unsupported"),
        ({"x-amz-sdk-checksum-algorithm": "CRC32"}, InvalidRequestError,
         "no corresponding x-amz-checksum-* or x-amz-trailer headers"),
        ({"x-amz-sdk-checksum-algorithm": "SHA256", "x-amz-checksum-crc32": "AAAAAA=="},
         InvalidRequestError, "Checksum Type mismatch occurred"),
        ({"x-amz-checksum-crc64nvme": "AAAAAAAAAAA="}, S3NotImplementedError,
         "implies functionality that is not implemented"),
    ],
)  # fmt: skip
def test_unusable_checksum_headers_are_refused_up_front(
    headers: dict[str, str], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message.replace("*", r"\*")):
        body_checks(headers, None)


def test_the_async_pass_through_checks_too() -> None:
    data = b"async body"

    async def reads() -> AsyncIterator[bytes]:
        yield data[:3]
        yield data[3:]

    async def collect(checks: s3_body_checks.BodyChecks) -> bytes:
        return b"".join([p async for p in checked_async(reads(), checks)])

    assert asyncio.run(collect(body_checks(headers_for(data, Algorithm.SHA1), None))) == data
    with pytest.raises(BadDigestError):
        asyncio.run(collect(body_checks(headers_for(b"other", Algorithm.SHA1), None)))
