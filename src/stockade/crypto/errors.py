"""The crypto package's errors. Messages never carry key material or plaintext.

StockadeError
└── CryptoError
    ├── InvalidBlobError           a blob that must not be trusted
    │   ├── MalformedBlobError     not a blob of a known format (truncated, wrong magic/version)
    │   ├── TamperedBlobError      authentication failed: modified, wrong key or wrong context
    │   └── KeyMismatchError       the blob names another key, key version or root key
    ├── RootKeyError               root key unusable: missing, wrong size, too-open permissions
    └── InvalidSignatureError      an Ed25519 or ECDSA signature does not verify
"""

from __future__ import annotations

from stockade.errors import StockadeError


class CryptoError(StockadeError):
    """Root of the crypto package's errors."""


class InvalidBlobError(CryptoError):
    """A ciphertext blob that must not be trusted (the precise reason is the subclass)."""


class MalformedBlobError(InvalidBlobError):
    pass


class TamperedBlobError(InvalidBlobError):
    pass


class KeyMismatchError(InvalidBlobError):
    pass


class RootKeyError(CryptoError):
    pass


class InvalidSignatureError(CryptoError):
    pass
