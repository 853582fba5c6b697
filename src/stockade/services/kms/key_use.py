"""The cryptographic core: encrypt and decrypt under a key that was already found and allowed.

Nothing here authorizes: the kernel authorizes the API operations (`needs`), and Lambda asks the
kernel's `Decider` before it uses a key for a caller (`for_lambda`). What is checked here is
the key's state (only an Enabled key may be used) and the ciphertext itself. Ciphertexts are
the crypto package's self-describing blobs; the encryption context is bound to them and must
match on decrypt.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from stockade.crypto import BlobHeader, InvalidBlobError, read_header
from stockade.services.kms.deps import KmsDeps
from stockade.services.kms.errors import InvalidCiphertextError, ValidationError
from stockade.services.kms.states import require_usable
from stockade.store.key_ports import KeyRecord

PLAINTEXT_MAX = 4096


def check_plaintext(plaintext: bytes) -> None:
    if not 1 <= len(plaintext) <= PLAINTEXT_MAX:
        raise ValidationError(
            "1 validation error detected: Value at 'plaintext' failed to satisfy constraint:"
            f" Member must have length between 1 and {PLAINTEXT_MAX} inclusive"
        )


def ciphertext_of(blob: bytes | None) -> bytes:
    """The request's CiphertextBlob (optional in the model, required by symmetric keys)."""
    if blob is None:
        raise ValidationError(
            "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy"
            " constraint: Member must not be null"
        )
    return blob


def header_of(blob: bytes) -> BlobHeader:
    """Which key and version a ciphertext names (a lookup hint until it is authenticated)."""
    try:
        return read_header(blob)
    except InvalidBlobError as exc:
        raise InvalidCiphertextError(str(exc)) from exc


class KeyUse:
    def __init__(self, deps: KmsDeps) -> None:
        self._deps = deps

    def encrypt(self, key: KeyRecord, plaintext: bytes, context: Mapping[str, str]) -> bytes:
        check_plaintext(plaintext)
        require_usable(key)
        return self._deps.cipher.encrypt(self._deps.version(key), plaintext, context)

    def decrypt(self, key: KeyRecord, blob: bytes, context: Mapping[str, str]) -> bytes:
        """`key`: the key the blob's header names (found by `KeyFinder.of_ciphertext`)."""
        header = header_of(blob)
        if header.key_id != key.key_id:
            raise InvalidCiphertextError("The ciphertext was not encrypted under this key.")
        require_usable(key)
        if not 1 <= header.key_version <= key.current_version:
            raise InvalidCiphertextError("The ciphertext names a key version that does not exist.")
        try:
            return self._deps.cipher.decrypt(
                self._deps.version(key, header.key_version), blob, context
            )
        except InvalidBlobError as exc:
            raise InvalidCiphertextError(str(exc)) from exc

    def data_key(
        self, key: KeyRecord, size: int, context: Mapping[str, str]
    ) -> tuple[bytes, bytes]:
        """(plaintext data key, its ciphertext under `key`)."""
        plaintext = secrets.token_bytes(size)
        return plaintext, self.encrypt(key, plaintext, context)
