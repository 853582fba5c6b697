"""Self-describing ciphertext blobs under versioned, root-wrapped key material.

A customer key is a list of versions of 32-byte AES-256-GCM key material, each stored only
wrapped by the root key (bound to the key id and version, so wrapped material cannot be moved
to another key or version). A blob says which key and version encrypted it, so a rotated key
still decrypts what older versions encrypted:

    magic "SKC" | format (1) | key id length (1) | key id | key version (u32 BE)
    | nonce (12) | ciphertext + GCM tag (16)

The header and the canonical encryption context are the AEAD's additional data: changing any
bit of a blob, or decrypting under another context, fails authentication.
"""

from __future__ import annotations

import struct
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from stockade.crypto import aead
from stockade.crypto.encoding import Reader, context_bytes
from stockade.crypto.errors import KeyMismatchError, MalformedBlobError
from stockade.crypto.root_key import RootKeyProvider

_MAGIC = b"SKC"
_FORMAT = 1
KEY_ID_MAX = 255
# Unwrapped material kept in memory, as a key service's HSM keeps loaded keys: the root key
# unwrap is the costliest step of every data key. Whether a key may be used at all is decided
# by its state, above this cache.
_LOADED_MAX = 256


@dataclass(frozen=True)
class BlobHeader:
    key_id: str
    key_version: int


@dataclass(frozen=True)
class KeyVersion:
    """One version of a key's material, as stored: wrapped by the root key."""

    key_id: str
    version: int
    wrapped: bytes

    def __repr__(self) -> str:
        return f"KeyVersion(key_id={self.key_id!r}, version={self.version}, wrapped=<redacted>)"


def _material_context(key_id: str, version: int) -> dict[str, str]:
    return {"stockade:key-id": key_id, "stockade:key-version": str(version)}


def _header(key_id: str, version: int) -> bytes:
    kid = key_id.encode()
    if not kid or len(kid) > KEY_ID_MAX:
        raise ValueError("a key id is 1 to 255 bytes")
    return _MAGIC + bytes([_FORMAT, len(kid)]) + kid + struct.pack(">I", version)


def read_header(blob: bytes) -> BlobHeader:
    """Which key and version a blob names (not yet authenticated: only a lookup hint)."""
    header, _ = _split(blob)
    return header


def _split(blob: bytes) -> tuple[BlobHeader, Reader]:
    reader = Reader(blob)
    if reader.take(3) != _MAGIC:
        raise MalformedBlobError("The ciphertext is not a Stockade ciphertext blob.")
    if reader.u8() != _FORMAT:
        raise MalformedBlobError("The ciphertext blob has an unknown format version.")
    try:
        key_id = reader.take(reader.u8()).decode()
    except UnicodeDecodeError as exc:
        raise MalformedBlobError("The ciphertext blob names no valid key id.") from exc
    if not key_id:
        raise MalformedBlobError("The ciphertext blob names no valid key id.")
    version = reader.u32()
    return BlobHeader(key_id, version), reader


class EnvelopeCipher:
    """Creates key material and encrypts/decrypts blobs with it, via the root key."""

    def __init__(self, root: RootKeyProvider) -> None:
        self._root = root
        self._loaded: OrderedDict[tuple[str, int, bytes], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def new_version(self, key_id: str, version: int) -> KeyVersion:
        material = aead.new_key()
        wrapped = self._root.wrap(material, _material_context(key_id, version))
        return KeyVersion(key_id, version, wrapped)

    def encrypt(self, key: KeyVersion, plaintext: bytes, context: Mapping[str, str]) -> bytes:
        header = _header(key.key_id, key.version)
        nonce, sealed = aead.seal(self._material(key), plaintext, header + context_bytes(context))
        return header + nonce + sealed

    def decrypt(self, key: KeyVersion, blob: bytes, context: Mapping[str, str]) -> bytes:
        """The plaintext, or an `InvalidBlobError` saying precisely why not."""
        named, reader = _split(blob)
        if not aead.same(named.key_id, key.key_id) or named.key_version != key.version:
            raise KeyMismatchError("The ciphertext was encrypted under another key or version.")
        header = blob[: reader.offset]
        nonce = reader.take(aead.NONCE_BYTES)
        sealed = reader.rest()
        if len(sealed) < aead.TAG_BYTES:
            raise MalformedBlobError("The ciphertext blob is truncated.")
        return aead.open_(self._material(key), nonce, sealed, header + context_bytes(context))

    def _material(self, key: KeyVersion) -> bytes:
        slot = (key.key_id, key.version, key.wrapped)
        with self._lock:
            found = self._loaded.get(slot)
            if found is not None:
                self._loaded.move_to_end(slot)
                return found
        material = self._root.unwrap(key.wrapped, _material_context(key.key_id, key.version))
        with self._lock:
            self._loaded[slot] = material
            if len(self._loaded) > _LOADED_MAX:
                self._loaded.popitem(last=False)
        return material

    def __repr__(self) -> str:
        return f"EnvelopeCipher(root={self._root!r})"
