"""Ed25519 signatures (for the audit log's digests): sign, verify, export the public key.

The private key is only ever persisted wrapped by the root key (`wrapped` / `from_wrapped`).
"""

from __future__ import annotations

from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from stockade.crypto.errors import InvalidSignatureError
from stockade.crypto.root_key import RootKeyProvider


class Ed25519Signer:
    __slots__ = ("_key",)

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key

    @classmethod
    def generate(cls) -> Ed25519Signer:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_wrapped(
        cls, root: RootKeyProvider, wrapped: bytes, context: Mapping[str, str]
    ) -> Ed25519Signer:
        return cls(Ed25519PrivateKey.from_private_bytes(root.unwrap(wrapped, context)))

    def wrapped(self, root: RootKeyProvider, context: Mapping[str, str]) -> bytes:
        raw = self._key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return root.wrap(raw, context)

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)

    def public_key_pem(self) -> bytes:
        return self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def __repr__(self) -> str:
        return "Ed25519Signer(<private key redacted>)"


def verify(public_key_pem: bytes, data: bytes, signature: bytes) -> None:
    """Return if `signature` is the key's signature of `data`; else `InvalidSignatureError`."""
    try:
        key = serialization.load_pem_public_key(public_key_pem)
    except ValueError as exc:
        raise InvalidSignatureError("The public key is not a PEM Ed25519 public key.") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidSignatureError("The public key is not an Ed25519 key.")
    try:
        key.verify(signature, data)
    except InvalidSignature as exc:
        raise InvalidSignatureError("The signature does not verify.") from exc
