"""S3's checksum headers at the edge: which header (or trailer) carries which algorithm, and the
digest a header's value stands for.

S3 sends and expects every checksum as base64 of the big-endian digest: `x-amz-checksum-crc32`
is base64 of the CRC's 4 bytes, `Content-MD5` base64 of the 16-byte MD5 (S3 User Guide,
"Checking object integrity"). The algorithms themselves, and their names, are the object
engine's (`store.object_checksums`, `ChecksumAlgorithm`).
"""

from __future__ import annotations

import base64
import binascii

from stockade.store.object_checksums import DIGEST_SIZES, b64
from stockade.store.object_ports import ChecksumAlgorithm

CONTENT_MD5 = "content-md5"
MD5_SIZE = 16


def header(algorithm: ChecksumAlgorithm) -> str:
    """The request header (and trailer) that carries this checksum."""
    return f"x-amz-checksum-{algorithm.value.lower()}"


CHECKSUM_HEADERS = {header(a): a for a in ChecksumAlgorithm}


def decode_checksum(algorithm: ChecksumAlgorithm, text: str) -> bytes | None:
    """An `x-amz-checksum-*` value's digest, or None unless it is canonical base64 of the
    algorithm's digest size."""
    return _decode(text, DIGEST_SIZES[algorithm])


def decode_md5(text: str) -> bytes | None:
    """A `Content-MD5` value's digest, or None unless it is canonical base64 of 16 bytes."""
    return _decode(text, MD5_SIZE)


def _decode(text: str, size: int) -> bytes | None:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return None
    if len(raw) != size or b64(raw) != text:
        return None
    return raw
