"""S3's checksums computed while a body streams, and S3's composite checksums for multipart.

Values are as S3 transmits them: base64 of the big-endian digest (a CRC as 4 bytes). A single
put's ETag is the hex MD5 of the body; a multipart object's is the hex MD5 of the concatenated
binary part MD5s followed by "-N", and its additional checksum is the same construction over
the parts' checksums (S3 User Guide, "Checking object integrity": "checksums of checksums").
CRC32C comes from google-crc32c (Google's C implementation, Apache-2.0). The one implementation
of S3's algorithms: the HTTP edge's header and trailer checks hash with `new_hasher` too.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

import google_crc32c

from stockade.store.object_errors import BadDigest
from stockade.store.object_ports import ChecksumAlgorithm, Checksums


class Hasher(Protocol):
    """One running digest, fed a piece at a time."""

    def update(self, data: bytes) -> None: ...

    def digest(self) -> bytes: ...


class _Crc:
    def __init__(self, extend: Callable[[int, bytes], int]) -> None:
        self._extend, self._value = extend, 0

    def update(self, data: bytes) -> None:
        self._value = self._extend(self._value, data)

    def digest(self) -> bytes:
        return self._value.to_bytes(4, "big")


def _crc32(value: int, data: bytes) -> int:
    return zlib.crc32(data, value)


def _crc32c(value: int, data: bytes) -> int:
    result: int = google_crc32c.extend(value, data)
    return result


class _Digest:
    def __init__(self, name: str) -> None:
        self._hash = hashlib.new(name)

    def update(self, data: bytes) -> None:
        self._hash.update(data)

    def digest(self) -> bytes:
        return self._hash.digest()


# Bytes of each digest: a CRC's 4, SHA-1's 20, SHA-256's 32.
DIGEST_SIZES = {
    ChecksumAlgorithm.CRC32: 4,
    ChecksumAlgorithm.CRC32C: 4,
    ChecksumAlgorithm.SHA1: 20,
    ChecksumAlgorithm.SHA256: 32,
}


def new_hasher(algorithm: ChecksumAlgorithm) -> Hasher:
    if algorithm is ChecksumAlgorithm.CRC32:
        return _Crc(_crc32)
    if algorithm is ChecksumAlgorithm.CRC32C:
        return _Crc(_crc32c)
    return _Digest(algorithm.name.lower())


def b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


def checksum(algorithm: ChecksumAlgorithm, data: bytes) -> str:
    """The wire value of a whole, in-memory body's checksum (small bodies and tests)."""
    hasher = new_hasher(algorithm)
    hasher.update(data)
    return b64(hasher.digest())


def wanted(requested: ChecksumAlgorithm | None, expected: Checksums) -> set[ChecksumAlgorithm]:
    """The algorithms to compute: the one to store and every one the caller sent a value of."""
    found = {a for a in ChecksumAlgorithm if expected.get(a)}
    if requested is not None:
        found.add(requested)
    return found


class StreamHasher:
    """MD5 (always: the ETag) and the given algorithms, fed chunk by chunk."""

    def __init__(self, algorithms: Iterable[ChecksumAlgorithm]) -> None:
        self._md5 = hashlib.md5()  # noqa: S324 - S3's ETag is MD5 by definition
        self._others = {a: new_hasher(a) for a in algorithms}
        self.size = 0

    def update(self, data: bytes) -> None:
        self._md5.update(data)
        for hasher in self._others.values():
            hasher.update(data)
        self.size += len(data)

    def md5(self) -> bytes:
        return self._md5.digest()

    def raw(self) -> dict[ChecksumAlgorithm, bytes]:
        return {a: h.digest() for a, h in self._others.items()}

    def checksums(self) -> Checksums:
        values = {a.name.lower(): b64(d) for a, d in self.raw().items()}
        return Checksums(**values)

    def verify(self, expected: Checksums, expected_md5: str) -> None:
        """BadDigest unless every value the caller gave matches what streamed."""
        if expected_md5 and expected_md5 != b64(self.md5()):
            raise BadDigest("The Content-MD5 you specified did not match what we received.")
        computed = self.checksums()
        for algorithm in ChecksumAlgorithm:
            given = expected.get(algorithm)
            if given and given != computed.get(algorithm):
                raise BadDigest(
                    f"The {algorithm.value} you specified did not match the calculated checksum."
                )


def composite(raw_parts: Sequence[bytes], algorithm: ChecksumAlgorithm | None) -> str:
    """S3's checksum of checksums: base64(H(part1 || part2 || ...)) + "-N"."""
    hasher = _Digest("md5") if algorithm is None else new_hasher(algorithm)
    for raw in raw_parts:
        hasher.update(raw)
    return f"{b64(hasher.digest())}-{len(raw_parts)}"


def multipart_etag(part_md5s: Sequence[bytes]) -> str:
    joined = hashlib.md5(b"".join(part_md5s)).hexdigest()  # noqa: S324 - S3's definition
    return f'"{joined}-{len(part_md5s)}"'


def unb64(value: str) -> bytes:
    return base64.b64decode(value.split("-", 1)[0])
