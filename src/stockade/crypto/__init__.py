"""Keys, envelope encryption and signing; the only importer of `cryptography`.

- `root_key`: the root of trust (`RootKeyProvider`; file, environment and operator-file keys).
- `envelope`: versioned key material wrapped by the root key; self-describing AES-256-GCM blobs
  bound to an encryption context (what the KMS service builds on).
- `sealer`: the store's `Sealer` with a per-object data key from a `DataKeySource`.
- `signing`: Ed25519 for the audit layer.
- `code_signing`: ECDSA P-384 / SHA-384 keys for signing deployment packages.
"""

from __future__ import annotations

from stockade.crypto.aead import same as constant_time_equal
from stockade.crypto.code_signing import CodeSigningKey, CodeSigningKeys, verify_code_signature
from stockade.crypto.data_key import open_with, seal_with
from stockade.crypto.envelope import BlobHeader, EnvelopeCipher, KeyVersion, read_header
from stockade.crypto.errors import (
    CryptoError,
    InvalidBlobError,
    InvalidSignatureError,
    KeyMismatchError,
    MalformedBlobError,
    RootKeyError,
    TamperedBlobError,
)
from stockade.crypto.root_key import (
    ROOT_KEY_ENV,
    ROOT_KEY_FILE_ENV,
    AesRootKey,
    KeyFile,
    KeyFiles,
    OsKeyFiles,
    RootKeyProvider,
    file_root_key,
    load_root_key,
    operator_root_key,
)
from stockade.crypto.sealer import DataKeySource, EnvelopeSealer, RootDataKeys
from stockade.crypto.signing import Ed25519Signer, verify

__all__ = [
    "ROOT_KEY_ENV",
    "ROOT_KEY_FILE_ENV",
    "AesRootKey",
    "BlobHeader",
    "CodeSigningKey",
    "CodeSigningKeys",
    "CryptoError",
    "DataKeySource",
    "Ed25519Signer",
    "EnvelopeCipher",
    "EnvelopeSealer",
    "InvalidBlobError",
    "InvalidSignatureError",
    "KeyFile",
    "KeyFiles",
    "KeyMismatchError",
    "KeyVersion",
    "MalformedBlobError",
    "OsKeyFiles",
    "RootDataKeys",
    "RootKeyError",
    "RootKeyProvider",
    "TamperedBlobError",
    "constant_time_equal",
    "file_root_key",
    "load_root_key",
    "open_with",
    "operator_root_key",
    "read_header",
    "seal_with",
    "verify",
    "verify_code_signature",
]
