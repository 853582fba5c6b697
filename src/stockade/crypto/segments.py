"""AES-256-GCM over an object body in fixed-size segments (what the object store seals with).

A body is cut into segments of `SEGMENT_BYTES` of plaintext (the last may be shorter, and an
empty body is one empty final segment), each sealed on its own so a range read opens only the
segments it needs. A body's segment key is derived from the object's data key and the body's id
(HKDF-SHA256): an object has a fresh data key, and a multipart object's parts (bodies of their
own) share it but never a segment key. A body is written once, so a segment's nonce can be
derived instead of drawn without any (key, nonce) pair repeating. The nonce and the AAD both
carry the segment index and the final-segment flag, and the AAD carries the body's id:

    nonce = 00 00 00 | index (u64 BE) | final (1 byte)
    aad   = "stockade-object-segment/1" | sequence_bytes((body id,)) | index | final

so a segment moved to another position (reordering), to another body (splicing), or a body cut
after any segment (truncation: the new last segment was not sealed as final) fails
authentication, as in the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015).
"""

from __future__ import annotations

import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from stockade.crypto import aead
from stockade.crypto.encoding import sequence_bytes

SEGMENT_BYTES = 64 * 1024
_LABEL = b"stockade-object-segment/1"


def _nonce_and_aad(body_id: str, index: int, final: bool) -> tuple[bytes, bytes]:
    if index < 0:
        raise ValueError("a segment index is not negative")
    position = struct.pack(">QB", index, 1 if final else 0)
    return b"\x00\x00\x00" + position, _LABEL + sequence_bytes((body_id,)) + position


class BodySegments:
    """The segments of one body (implements `stockade.store.object_ports.BodySegments`)."""

    def __init__(self, data_key: bytes, body_id: str) -> None:
        self._body_id = body_id
        segment_key = HKDF(
            algorithm=hashes.SHA256(), length=aead.KEY_BYTES, salt=None, info=_LABEL + b"/key"
            + sequence_bytes((body_id,)),
        ).derive(data_key)  # fmt: skip
        self._aead = AESGCM(segment_key)

    def seal(self, index: int, final: bool, plaintext: bytes) -> bytes:
        if len(plaintext) > SEGMENT_BYTES:
            raise ValueError("a segment holds at most SEGMENT_BYTES of plaintext")
        nonce, aad = _nonce_and_aad(self._body_id, index, final)
        return self._aead.encrypt(nonce, plaintext, aad)

    def open(self, index: int, final: bool, sealed: bytes) -> bytes | None:
        """The plaintext, or None when the segment fails authentication (modified, moved,
        cut, or sealed under another key)."""
        if len(sealed) < aead.TAG_BYTES:
            return None
        nonce, aad = _nonce_and_aad(self._body_id, index, final)
        try:
            return self._aead.decrypt(nonce, sealed, aad)
        except InvalidTag:
            return None

    def __repr__(self) -> str:
        return "BodySegments(<key redacted>)"


class AesGcmSegments:
    """Implements `stockade.store.object_ports.SegmentCipher`."""

    segment_bytes = SEGMENT_BYTES
    overhead_bytes = aead.TAG_BYTES

    def for_body(self, data_key: bytes, body_id: str) -> BodySegments:
        if len(data_key) != aead.KEY_BYTES:
            raise ValueError("a data key is 32 bytes")
        return BodySegments(data_key, body_id)

    def __repr__(self) -> str:
        return "AesGcmSegments()"
