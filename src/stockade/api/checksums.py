"""S3's checksum algorithms, computed a piece at a time, encoded as S3 encodes them.

S3 sends and expects every checksum as base64 of the big-endian digest: `x-amz-checksum-crc32`
is base64 of the CRC's 4 bytes, `Content-MD5` base64 of the 16-byte MD5 (S3 User Guide,
"Checking object integrity"). One module for the edge and the object engine alike.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import zlib
from enum import Enum
from typing import Protocol


class Algorithm(Enum):
    """A checksum S3 knows, by the name its API uses (`ChecksumAlgorithm`; MD5 for Content-MD5)."""

    CRC32 = "CRC32"
    CRC32C = "CRC32C"
    SHA1 = "SHA1"
    SHA256 = "SHA256"
    MD5 = "MD5"

    @property
    def header(self) -> str:
        """The request header (and trailer) that carries this checksum."""
        if self is Algorithm.MD5:
            return "content-md5"
        return f"x-amz-checksum-{self.value.lower()}"

    @property
    def digest_size(self) -> int:
        return _DIGEST_SIZES[self]


_DIGEST_SIZES = {
    Algorithm.CRC32: 4,
    Algorithm.CRC32C: 4,
    Algorithm.SHA1: 20,
    Algorithm.SHA256: 32,
    Algorithm.MD5: 16,
}
# The x-amz-checksum-* algorithms (MD5 travels in Content-MD5 only).
CHECKSUM_HEADERS = {a.header: a for a in Algorithm if a is not Algorithm.MD5}


class Hasher(Protocol):
    def update(self, data: bytes) -> None: ...

    def digest(self) -> bytes: ...


class _Crc32:
    def __init__(self) -> None:
        self._crc = 0

    def update(self, data: bytes) -> None:
        self._crc = zlib.crc32(data, self._crc)

    def digest(self) -> bytes:
        return self._crc.to_bytes(4, "big")


def _crc32c_table() -> tuple[int, ...]:
    # Castagnoli polynomial, reflected (RFC 3720 appendix B.4).
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC32C_TABLE = _crc32c_table()


class _Crc32c:
    """Table-driven CRC32C: correct, not fast (a few MB/s); a native implementation can replace
    `update` without changing anything else."""

    def __init__(self) -> None:
        self._crc = 0xFFFFFFFF

    def update(self, data: bytes) -> None:
        crc, table = self._crc, _CRC32C_TABLE
        for byte in data:
            crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
        self._crc = crc

    def digest(self) -> bytes:
        return (self._crc ^ 0xFFFFFFFF).to_bytes(4, "big")


def new_hasher(algorithm: Algorithm) -> Hasher:
    if algorithm is Algorithm.CRC32:
        return _Crc32()
    if algorithm is Algorithm.CRC32C:
        return _Crc32c()
    return hashlib.new(algorithm.value.lower())


def encode(digest: bytes) -> str:
    """A digest as S3 writes it on the wire."""
    return base64.b64encode(digest).decode("ascii")


def decode(algorithm: Algorithm, text: str) -> bytes | None:
    """A wire value's digest, or None unless it is canonical base64 of the right length."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return None
    if len(raw) != algorithm.digest_size or encode(raw) != text:
        return None
    return raw


def checksum(algorithm: Algorithm, data: bytes) -> str:
    """The wire value of a whole, in-memory body's checksum (small bodies and tests)."""
    hasher = new_hasher(algorithm)
    hasher.update(data)
    return encode(hasher.digest())
