"""S3's checksum headers: their values decoded strictly, and the checks a non-chunked body is
handed through. (The algorithms themselves: tests/unit/store/test_objects_checksums.py.)"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator

import pytest
from botocore.utils import calculate_md5

from stockade.api import checksums, s3_body_checks
from stockade.api.s3_body_checks import body_checks, checked, checked_async
from stockade.services.s3.errors import (
    BadDigestError,
    InvalidDigestError,
    InvalidRequestError,
    S3NotImplementedError,
)
from stockade.store.object_checksums import checksum
from stockade.store.object_ports import ChecksumAlgorithm


def test_decode_takes_only_canonical_values_of_the_right_size() -> None:
    good = checksum(ChecksumAlgorithm.SHA256, b"x")
    assert checksums.decode_checksum(ChecksumAlgorithm.SHA256, good) == (
        hashlib.sha256(b"x").digest()
    )
    for bad in ("", "not base64!", good[:-4], "AAAAAA==", "AAAAAB==", "ü"):
        assert checksums.decode_checksum(ChecksumAlgorithm.SHA256, bad) is None
    assert checksums.decode_checksum(ChecksumAlgorithm.CRC32, "AAAAAA==") == b"\x00\x00\x00\x00"
    # non-canonical padding bits
    assert checksums.decode_checksum(ChecksumAlgorithm.CRC32, "AAAAAB==") is None
    md5 = calculate_md5(b"x")  # what boto3 sends in Content-MD5
    assert checksums.decode_md5(md5) == hashlib.md5(b"x", usedforsecurity=False).digest()
    assert checksums.decode_md5(good) is None  # a SHA-256's 32 bytes are no MD5
    assert checksums.header(ChecksumAlgorithm.CRC32C) == "x-amz-checksum-crc32c"
    assert set(checksums.CHECKSUM_HEADERS.values()) == set(ChecksumAlgorithm)


def headers_for(
    data: bytes, *algorithms: ChecksumAlgorithm, md5: bool = False, **extra: str
) -> dict[str, str]:
    headers = {checksums.header(a): checksum(a, data) for a in algorithms}
    if md5:
        headers[checksums.CONTENT_MD5] = calculate_md5(data)
    return headers | extra


@pytest.mark.parametrize("algorithm", [*ChecksumAlgorithm, None], ids=str)
def test_each_checksum_header_is_verified_as_the_body_passes(
    algorithm: ChecksumAlgorithm | None,
) -> None:
    # None: Content-MD5 alone
    data = b"object bytes " * 1000
    given = headers_for(data, *([algorithm] if algorithm else []), md5=algorithm is None)
    checks = body_checks(given, None)
    assert b"".join(checked([data[:5000], data[5000:]], checks)) == data
    wrong = body_checks(given, None)
    with pytest.raises(BadDigestError) as caught:
        list(checked([data[:-1]], wrong))
    if algorithm is None:
        assert (
            caught.value.message == "The Content-MD5 you specified did not match what we received."
        )
    else:
        assert caught.value.message == (
            f"The {algorithm.value} you specified did not match the calculated checksum."
        )


def test_content_md5_and_a_checksum_together() -> None:
    data = b"both"
    checks = body_checks(headers_for(data, ChecksumAlgorithm.CRC32C, md5=True), None)
    list(checked([data], checks))
    assert checks.checksum == (ChecksumAlgorithm.CRC32C, checksum(ChecksumAlgorithm.CRC32C, data))


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

    assert (
        asyncio.run(collect(body_checks(headers_for(data, ChecksumAlgorithm.SHA1), None))) == data
    )
    with pytest.raises(BadDigestError):
        asyncio.run(collect(body_checks(headers_for(b"other", ChecksumAlgorithm.SHA1), None)))
