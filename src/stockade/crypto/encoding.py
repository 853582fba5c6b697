"""Canonical byte encodings of encryption contexts and length-prefixed fields.

An encryption context is bound to a ciphertext as additional authenticated data (AAD), so two
contexts must encode equally exactly when they are equal: entries are sorted, and every string
is length-prefixed so that no choice of keys and values can make two contexts collide.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence

from stockade.crypto.errors import MalformedBlobError


def _field(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack(">I", len(data)) + data


def context_bytes(context: Mapping[str, str]) -> bytes:
    """A key/value context (KMS's EncryptionContext): order-independent."""
    items = sorted(context.items())
    return b"M" + struct.pack(">I", len(items)) + b"".join(_field(k) + _field(v) for k, v in items)


def sequence_bytes(parts: Sequence[str]) -> bytes:
    """An ordered context (the store's `Sealer` context, e.g. ("artifact", sha256))."""
    return b"S" + struct.pack(">I", len(parts)) + b"".join(_field(p) for p in parts)


class Reader:
    """Reads a blob front to back; any shortfall is a `MalformedBlobError`."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self.offset = 0

    def take(self, size: int) -> bytes:
        end = self.offset + size
        if size < 0 or end > len(self._data):
            raise MalformedBlobError("The ciphertext blob is truncated.")
        chunk = self._data[self.offset : end]
        self.offset = end
        return chunk

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        value: int = struct.unpack(">H", self.take(2))[0]
        return value

    def u32(self) -> int:
        value: int = struct.unpack(">I", self.take(4))[0]
        return value

    def rest(self) -> bytes:
        chunk = self._data[self.offset :]
        self.offset = len(self._data)
        return chunk
