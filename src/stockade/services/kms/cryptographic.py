"""Encrypt, Decrypt, GenerateDataKey(WithoutPlaintext) and ReEncrypt, on the core (`key_use`).

Each handler runs once the kernel has allowed its needs (`needs`): it takes the key that was
authorized, requires it to be Enabled and acts. Members that Stockade would not honour are
refused rather than ignored: `Recipient` (the plaintext would leave unwrapped for an enclave
that asked for it wrapped) and `DryRun` (the operation would run for real). Grant tokens only
ever add permissions, and Stockade keeps no grants a caller could name: they are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping

from stockade.services.context import RequestContext
from stockade.services.kms.deps import KmsDeps
from stockade.services.kms.errors import (
    InvalidKeyUsageError,
    UnsupportedOperationError,
    ValidationError,
)
from stockade.services.kms.key_use import KeyUse, ciphertext_of, header_of
from stockade.services.kms.scopes import KeyScope
from stockade.shapes import kms as shapes

ALGORITHM = "SYMMETRIC_DEFAULT"
_DATA_KEY_SPECS = {"AES_256": 32, "AES_128": 16}
_UNSUPPORTED = ("Recipient", "DryRun")


def _refuse_unsupported(request: Mapping[str, object]) -> None:
    for member in _UNSUPPORTED:
        if request.get(member):
            raise UnsupportedOperationError(f"Stockade does not support {member}.")


def _algorithm(algorithm: str | None) -> None:
    if algorithm is not None and algorithm != ALGORITHM:
        raise InvalidKeyUsageError(
            f"The encryption algorithm {algorithm} is not supported by a symmetric key."
        )


def _data_key_size(spec: str | None, size: int | None) -> int:
    if (spec is None) == (size is None):
        raise ValidationError("Please specify either number of bytes or key spec.")
    if spec is not None:
        if spec not in _DATA_KEY_SPECS:
            raise ValidationError(f"Unsupported key spec {spec[:40]}.")
        return _DATA_KEY_SPECS[spec]
    if size is None or not 1 <= size <= 1024:
        raise ValidationError("NumberOfBytes must be between 1 and 1024.")
    return size


class Cryptographic:
    def __init__(self, deps: KmsDeps, keys: KeyScope) -> None:
        self._finder = deps.finder
        self._keys = keys
        self._use = KeyUse(deps)

    def encrypt(
        self, ctx: RequestContext, request: shapes.EncryptRequest
    ) -> shapes.EncryptResponse:
        _refuse_unsupported(request)
        _algorithm(request.get("EncryptionAlgorithm"))
        key = self._keys.key(ctx, request["KeyId"])
        blob = self._use.encrypt(key, request["Plaintext"], request.get("EncryptionContext") or {})
        return {"CiphertextBlob": blob, "KeyId": key.arn, "EncryptionAlgorithm": ALGORITHM}

    def decrypt(
        self, ctx: RequestContext, request: shapes.DecryptRequest
    ) -> shapes.DecryptResponse:
        _refuse_unsupported(request)
        _algorithm(request.get("EncryptionAlgorithm"))
        blob = ciphertext_of(request.get("CiphertextBlob"))
        key = self._finder.of_ciphertext(ctx, header_of(blob).key_id)
        plaintext = self._use.decrypt(key, blob, request.get("EncryptionContext") or {})
        return {"KeyId": key.arn, "Plaintext": plaintext, "EncryptionAlgorithm": ALGORITHM}

    def generate_data_key(
        self, ctx: RequestContext, request: shapes.GenerateDataKeyRequest
    ) -> shapes.GenerateDataKeyResponse:
        _refuse_unsupported(request)
        size = _data_key_size(request.get("KeySpec"), request.get("NumberOfBytes"))
        key = self._keys.key(ctx, request["KeyId"])
        plaintext, blob = self._use.data_key(key, size, request.get("EncryptionContext") or {})
        return {"CiphertextBlob": blob, "Plaintext": plaintext, "KeyId": key.arn}

    def generate_data_key_without_plaintext(
        self, ctx: RequestContext, request: shapes.GenerateDataKeyWithoutPlaintextRequest
    ) -> shapes.GenerateDataKeyWithoutPlaintextResponse:
        _refuse_unsupported(request)
        size = _data_key_size(request.get("KeySpec"), request.get("NumberOfBytes"))
        key = self._keys.key(ctx, request["KeyId"])
        _, blob = self._use.data_key(key, size, request.get("EncryptionContext") or {})
        return {"CiphertextBlob": blob, "KeyId": key.arn}

    def re_encrypt(
        self, ctx: RequestContext, request: shapes.ReEncryptRequest
    ) -> shapes.ReEncryptResponse:
        _refuse_unsupported(request)
        _algorithm(request.get("SourceEncryptionAlgorithm"))
        _algorithm(request.get("DestinationEncryptionAlgorithm"))
        blob = ciphertext_of(request.get("CiphertextBlob"))
        source = self._finder.of_ciphertext(ctx, header_of(blob).key_id)
        plaintext = self._use.decrypt(source, blob, request.get("SourceEncryptionContext") or {})
        key = self._keys.key(ctx, request["DestinationKeyId"])
        moved = self._use.encrypt(key, plaintext, request.get("DestinationEncryptionContext") or {})
        return {
            "CiphertextBlob": moved,
            "SourceKeyId": source.arn,
            "KeyId": key.arn,
            "SourceEncryptionAlgorithm": ALGORITHM,
            "DestinationEncryptionAlgorithm": ALGORITHM,
        }
