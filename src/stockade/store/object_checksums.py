"""S3's checksums computed while a body streams, and S3's composite checksums for multipart.

Values are as S3 transmits them: base64 of the big-endian digest (a CRC as 4 bytes). A single
put's ETag is the hex MD5 of the body; a multipart object's is the hex MD5 of the concatenated
binary part MD5s followed by "-N", and its additional checksum is the same construction over
the parts' checksums (S3 User Guide, "Checking object integrity": "checksums of checksums").
CRC32C comes from google-crc32c (Google's C implementation, Apache-2.0).
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Callable, Iterable, Sequence

import google_crc32c

from stockade.store.object_errors import BadDigest
from stockade.store.object_ports import ChecksumAlgorithm, Checksums


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


def _new(algorithm: ChecksumAlgorithm) -> _Crc | _Digest:
    if algorithm is ChecksumAlgorithm.CRC32:
        return _Crc(_crc32)
    if algorithm is ChecksumAlgorithm.CRC32C:
        return _Crc(_crc32c)
    return _Digest(algorithm.name.lower())


def b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


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
        self._others = {a: _new(a) for a in algorithms}
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
    if algorithm is None:
        hasher: _Crc | _Digest = _Digest("md5")
    else:
        hasher = _new(algorithm)
    for raw in raw_parts:
        hasher.update(raw)
    return f"{b64(hasher.digest())}-{len(raw_parts)}"


def multipart_etag(part_md5s: Sequence[bytes]) -> str:
    joined = hashlib.md5(b"".join(part_md5s)).hexdigest()  # noqa: S324 - S3's definition
    return f'"{joined}-{len(part_md5s)}"'


def unb64(value: str) -> bytes:
    return base64.b64decode(value.split("-", 1)[0])
