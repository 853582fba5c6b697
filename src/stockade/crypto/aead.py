"""AES-256-GCM with random 96-bit nonces: the one primitive everything here is built on."""

from __future__ import annotations

import hmac

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from stockade import entropy
from stockade.crypto.errors import TamperedBlobError

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16


def new_key() -> bytes:
    return entropy.token_bytes(KEY_BYTES)


def seal(key: bytes, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
    """(nonce, ciphertext with tag). Random nonces: far below GCM's 2^32-message bound per key
    for how often one key encrypts here (data keys are per object; key material rotates)."""
    nonce = entropy.token_bytes(NONCE_BYTES)
    return nonce, AESGCM(key).encrypt(nonce, plaintext, aad)


def open_(key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, aad)
    except InvalidTag as exc:
        raise TamperedBlobError(
            "The ciphertext failed authentication: it was modified, or the key or the"
            " encryption context differs from the ones it was encrypted with."
        ) from exc


def same(a: bytes | str, b: bytes | str) -> bool:
    """Constant-time equality (for identifiers read from untrusted blobs and for secrets)."""
    left = a.encode() if isinstance(a, str) else a
    right = b.encode() if isinstance(b, str) else b
    return hmac.compare_digest(left, right)
