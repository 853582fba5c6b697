"""A fake of the key service for the object engine's tests: it wraps object data keys under
named keys.

The object store's SSE-KMS seam (`stockade.store.object_ports.KmsDataKeys`) is to be
implemented by the KMS service when S3 is served; this is a real implementation of the same
contract for tests: each key id names a 256-bit key held in memory, and a data key is
wrapped under it with AES-256-GCM bound to the key id and the caller's encryption context (so a
wrapped key opens only under the same key and context, as KMS's GenerateDataKey/Decrypt).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from stockade.crypto import aead
from stockade.crypto.data_key import open_with, seal_with
from stockade.crypto.errors import KeyMismatchError

_ARN_PREFIX = "arn:aws:kms:us-east-1:000000000000:key/"


class LocalKmsDataKeys:
    def __init__(self) -> None:
        self._keys: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def create_key(self, key_id: str) -> str:
        """Make `key_id` usable; returns its ARN."""
        with self._lock:
            self._keys.setdefault(key_id, aead.new_key())
        return _ARN_PREFIX + key_id

    def _key(self, key_id: str) -> tuple[str, bytes]:
        short = key_id.removeprefix(_ARN_PREFIX)
        with self._lock:
            found = self._keys.get(short)
        if found is None:
            raise KeyMismatchError("The key does not exist.")
        return short, found

    def generate_data_key(
        self, key_id: str, context: Mapping[str, str]
    ) -> tuple[bytes, bytes, str]:
        short, key = self._key(key_id)
        data_key = aead.new_key()
        return data_key, seal_with(key, data_key, {**context, "key": short}), _ARN_PREFIX + short

    def decrypt_data_key(self, key_id: str, wrapped: bytes, context: Mapping[str, str]) -> bytes:
        short, key = self._key(key_id)
        return open_with(key, wrapped, {**context, "key": short})

    def __repr__(self) -> str:
        return f"LocalKmsDataKeys(keys={len(self._keys)})"
