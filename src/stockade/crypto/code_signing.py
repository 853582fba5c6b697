"""ECDSA P-384 with SHA-384 for code signing (Signer's `AWSLambda-SHA384-ECDSA` platform).

A profile version's private key exists in plaintext only in memory while it signs; it is
persisted wrapped by the root key (`generate` / `sign_with_wrapped`), bound to the profile
version's ARN as context so that a wrapped key cannot be replayed for another profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from stockade.crypto.errors import InvalidSignatureError
from stockade.crypto.root_key import RootKeyProvider

_CURVE = ec.SECP384R1()
_ALGORITHM = ec.ECDSA(hashes.SHA384())


@dataclass(frozen=True)
class CodeSigningKey:
    """A new key pair: the private half only as the root key wrapped it."""

    wrapped_private_key: bytes = field(repr=False)
    public_key_pem: bytes


class CodeSigningKeys:
    """Generates profile-version keys and signs with them; the only holder of the root key here."""

    __slots__ = ("_root",)

    def __init__(self, root: RootKeyProvider) -> None:
        self._root = root

    def generate(self, context: Mapping[str, str]) -> CodeSigningKey:
        key = ec.generate_private_key(_CURVE)
        raw = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return CodeSigningKey(self._root.wrap(raw, context), _public_pem(key.public_key()))

    def sign(self, wrapped_private_key: bytes, context: Mapping[str, str], data: bytes) -> bytes:
        key = serialization.load_der_private_key(
            self._root.unwrap(wrapped_private_key, context), password=None
        )
        if not isinstance(key, ec.EllipticCurvePrivateKey):  # pragma: no cover - we wrote it
            raise InvalidSignatureError("The stored code-signing key is not an ECDSA key.")
        return key.sign(data, _ALGORITHM)

    def __repr__(self) -> str:
        return "CodeSigningKeys(<root key redacted>)"


def verify_code_signature(public_key_pem: bytes, data: bytes, signature: bytes) -> None:
    """Return if `signature` is the P-384 key's ECDSA/SHA-384 signature of `data`; else raise
    `InvalidSignatureError`."""
    try:
        key = serialization.load_pem_public_key(public_key_pem)
    except ValueError as exc:
        raise InvalidSignatureError("The public key is not a PEM public key.") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != _CURVE.name:
        raise InvalidSignatureError("The public key is not an ECDSA P-384 key.")
    try:
        key.verify(signature, data, _ALGORITHM)
    except InvalidSignature as exc:
        raise InvalidSignatureError("The signature does not verify.") from exc


def _public_pem(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
