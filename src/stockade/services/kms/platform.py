"""The platform's own key for encryption at rest: a `crypto.DataKeySource` for the store's
`EnvelopeSealer`. Every sealed object gets a fresh data key encrypted under this key (a key of
the key service, kept in its store with wrapped material, invisible to every account: it has
no account region). `rotate()` adds a version; older objects still open."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import replace

from stockade import entropy
from stockade.clock import Clock
from stockade.crypto import EnvelopeCipher, KeyMismatchError, KeyVersion, read_header
from stockade.services.kms.keys import iso
from stockade.store.key_ports import KeyManager, KeyRecord, KeyState, KeyStore, MaterialRecord
from stockade.types import AccountId

PLATFORM_KEY_ID = "stockade-at-rest"
_NO_ACCOUNT = AccountId("000000000000")


class PlatformDataKeys:
    def __init__(self, store: KeyStore, cipher: EnvelopeCipher, clock: Clock) -> None:
        self._store, self._cipher, self._clock = store, cipher, clock
        self._versions: dict[int, KeyVersion] = {}
        self._lock = threading.Lock()
        with store.write() as tx:
            found = tx.keys.get(PLATFORM_KEY_ID)
            # Only `rotate` changes it, and only this server (which holds the data dir's
            # lock) writes the key store: the current version can live in memory.
            self._current = 1 if found is None else found.current_version
            if found is None:
                now = iso(clock.now())
                tx.keys.put(KeyRecord(_NO_ACCOUNT, PLATFORM_KEY_ID, PLATFORM_KEY_ID, "",
                                      "Stockade encryption at rest", KeyManager.AWS,
                                      KeyState.ENABLED, now, "", 1))  # fmt: skip
                version = cipher.new_version(PLATFORM_KEY_ID, 1)
                tx.materials.put(MaterialRecord(PLATFORM_KEY_ID, 1, version.wrapped, now))

    def generate_data_key(self, context: Mapping[str, str]) -> tuple[bytes, bytes]:
        data_key = entropy.token_bytes(32)
        return data_key, self._cipher.encrypt(self._version(self._current), data_key, context)

    def decrypt_data_key(self, wrapped: bytes, context: Mapping[str, str]) -> bytes:
        header = read_header(wrapped)
        if header.key_id != PLATFORM_KEY_ID:
            raise KeyMismatchError("The data key was not encrypted under the platform key.")
        return self._cipher.decrypt(self._version(header.key_version), wrapped, context)

    def rotate(self) -> int:
        with self._store.write() as tx:
            key = tx.keys.get(PLATFORM_KEY_ID)
            if key is None:
                raise KeyMismatchError("The platform key is missing from the key store.")
            number = key.current_version + 1
            version = self._cipher.new_version(PLATFORM_KEY_ID, number)
            tx.materials.put(MaterialRecord(PLATFORM_KEY_ID, number, version.wrapped,
                                            iso(self._clock.now())))  # fmt: skip
            tx.keys.put(replace(key, current_version=number))
        self._current = number
        return number

    def _version(self, number: int) -> KeyVersion:
        with self._lock:
            found = self._versions.get(number)
        if found is not None:
            return found
        with self._store.read() as tx:
            material = tx.materials.get(PLATFORM_KEY_ID, number)
        if material is None:
            raise KeyMismatchError("The data key names a platform key version that is unknown.")
        found = KeyVersion(PLATFORM_KEY_ID, number, material.wrapped)
        with self._lock:
            self._versions[number] = found
        return found

    def __repr__(self) -> str:
        return "PlatformDataKeys()"
