"""Encryption at rest for the store: a `Sealer` with a fresh data key per object.

Each sealed object carries its own 256-bit data key, wrapped by a key-service key (any
`DataKeySource`: the KMS service's, or the root key directly), and is bound to the object's
identity (the store's context, e.g. ("artifact", sha256)) so a sealed blob cannot be swapped
for another object's:

    magic "SKS" | format (1) | wrapped data key length (u16 BE) | wrapped data key
    | nonce (12) | ciphertext + GCM tag (16)
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Mapping, Sequence
from typing import Protocol

from stockade.crypto import aead
from stockade.crypto.encoding import Reader, sequence_bytes
from stockade.crypto.errors import MalformedBlobError
from stockade.crypto.root_key import RootKeyProvider

_MAGIC = b"SKS"
_FORMAT = 1


class DataKeySource(Protocol):
    def generate_data_key(self, context: Mapping[str, str]) -> tuple[bytes, bytes]:
        """A new 32-byte data key: (plaintext, wrapped), the wrapping bound to `context`."""
        ...

    def decrypt_data_key(self, wrapped: bytes, context: Mapping[str, str]) -> bytes: ...


class RootDataKeys:
    """Data keys wrapped by the root key itself (no key service in between)."""

    def __init__(self, root: RootKeyProvider) -> None:
        self._root = root

    def generate_data_key(self, context: Mapping[str, str]) -> tuple[bytes, bytes]:
        key = aead.new_key()
        return key, self._root.wrap(key, context)

    def decrypt_data_key(self, wrapped: bytes, context: Mapping[str, str]) -> bytes:
        return self._root.unwrap(wrapped, context)

    def __repr__(self) -> str:
        return f"RootDataKeys(root={self._root!r})"


def _key_context(context: Sequence[str]) -> dict[str, str]:
    # The key service sees a digest of the object's identity, not the identity itself.
    return {"stockade:object": hashlib.sha256(sequence_bytes(context)).hexdigest()}


class EnvelopeSealer:
    """Implements `stockade.store.ports.Sealer`."""

    def __init__(self, data_keys: DataKeySource) -> None:
        self._data_keys = data_keys

    def seal(self, plaintext: bytes, context: Sequence[str]) -> bytes:
        key, wrapped = self._data_keys.generate_data_key(_key_context(context))
        header = _MAGIC + bytes([_FORMAT]) + struct.pack(">H", len(wrapped)) + wrapped
        nonce, sealed = aead.seal(key, plaintext, header + sequence_bytes(context))
        return header + nonce + sealed

    def open(self, sealed: bytes, context: Sequence[str]) -> bytes:
        reader = Reader(sealed)
        if reader.take(3) != _MAGIC or reader.u8() != _FORMAT:
            raise MalformedBlobError("Not a sealed object of a known format.")
        wrapped = reader.take(reader.u16())
        header = sealed[: reader.offset]
        nonce = reader.take(aead.NONCE_BYTES)
        body = reader.rest()
        if len(body) < aead.TAG_BYTES:
            raise MalformedBlobError("The sealed object is truncated.")
        key = self._data_keys.decrypt_data_key(wrapped, _key_context(context))
        return aead.open_(key, nonce, body, header + sequence_bytes(context))

    def __repr__(self) -> str:
        return f"EnvelopeSealer(data_keys={self._data_keys!r})"
