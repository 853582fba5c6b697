"""Encrypt, Decrypt, GenerateDataKey(WithoutPlaintext) and ReEncrypt.

Each is: find the key -> authorise against its key policy (with the encryption context as
condition keys) -> require the key to be Enabled -> act. Ciphertexts are the crypto package's
self-describing blobs; the encryption context is bound to them and must match on decrypt.
`via_service` is set when a service (Lambda) uses a key for its caller (`kms:ViaService`).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stockade.crypto import InvalidBlobError, read_header
from stockade.services.context import RequestContext
from stockade.services.kms.deps import KmsDeps
from stockade.services.kms.errors import (
    IncorrectKeyError,
    InvalidCiphertextError,
    InvalidKeyUsageError,
    NotFoundError,
    ValidationError,
)
from stockade.services.kms.keys import key_arn
from stockade.services.kms.states import require_usable
from stockade.store.key_ports import KeyRecord

PLAINTEXT_MAX = 4096
ALGORITHM = "SYMMETRIC_DEFAULT"
_DATA_KEY_SPECS = {"AES_256": 32, "AES_128": 16}


@dataclass(frozen=True)
class Decrypted:
    key: KeyRecord
    plaintext: bytes

    def __repr__(self) -> str:
        return f"Decrypted(key={self.key.arn!r}, plaintext=<{len(self.plaintext)} bytes>)"


def _algorithm(params: Mapping[str, Any], name: str = "EncryptionAlgorithm") -> None:
    algorithm = params.get(name)
    if algorithm is not None and algorithm != ALGORITHM:
        raise InvalidKeyUsageError(
            f"The encryption algorithm {algorithm} is not supported by a symmetric key."
        )


class KeyUse:
    def __init__(self, deps: KmsDeps) -> None:
        self._deps = deps

    # -- use cases callable by other services --------------------------------------------------
    def encrypt(
        self,
        ctx: RequestContext,
        key_ref: str,
        plaintext: bytes,
        context: Mapping[str, str],
        action: str = "kms:Encrypt",
        via_service: str | None = None,
    ) -> tuple[KeyRecord, bytes]:
        if not 1 <= len(plaintext) <= PLAINTEXT_MAX:
            raise ValidationError(
                "1 validation error detected: Value at 'plaintext' failed to satisfy constraint:"
                f" Member must have length between 1 and {PLAINTEXT_MAX} inclusive"
            )
        deps = self._deps
        key = deps.finder.find(ctx, key_ref)
        deps.authorize(ctx, key, action, context, via_service)
        require_usable(key)
        return key, deps.cipher.encrypt(deps.version(key), plaintext, context)

    def decrypt(
        self,
        ctx: RequestContext,
        blob: bytes,
        context: Mapping[str, str],
        key_ref: str | None = None,
        action: str = "kms:Decrypt",
        via_service: str | None = None,
        grant: str | None = None,
    ) -> Decrypted:
        deps = self._deps
        try:
            header = read_header(blob)
        except InvalidBlobError as exc:
            raise InvalidCiphertextError(str(exc)) from exc
        key = deps.finder.by_id(header.key_id)
        if key is None:
            if _is_uuid(header.key_id):
                raise NotFoundError(
                    f"Key '{key_arn(ctx.region, ctx.principal.account_id, header.key_id)}'"
                    " does not exist"
                )
            raise InvalidCiphertextError("The ciphertext names no key.")
        if key_ref is not None:
            named = deps.finder.find(ctx, key_ref)
            if named.key_id != key.key_id:
                raise IncorrectKeyError(
                    "The key ID in the request does not identify a KMS key that can perform"
                    " this operation."
                )
        deps.authorize(ctx, key, action, context, via_service, grant)
        require_usable(key)
        if not 1 <= header.key_version <= key.current_version:
            raise InvalidCiphertextError("The ciphertext names a key version that does not exist.")
        try:
            plaintext = deps.cipher.decrypt(deps.version(key, header.key_version), blob, context)
        except InvalidBlobError as exc:
            raise InvalidCiphertextError(str(exc)) from exc
        return Decrypted(key, plaintext)

    def generate_data_key(
        self,
        ctx: RequestContext,
        key_ref: str,
        size: int,
        context: Mapping[str, str],
        action: str = "kms:GenerateDataKey",
        via_service: str | None = None,
    ) -> tuple[KeyRecord, bytes, bytes]:
        """(key, plaintext data key, its ciphertext)."""
        plaintext = secrets.token_bytes(size)
        key, blob = self.encrypt(ctx, key_ref, plaintext, context, action, via_service)
        return key, plaintext, blob

    # -- wire operations -----------------------------------------------------------------------
    def encrypt_op(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        _algorithm(params)
        key, blob = self.encrypt(
            ctx, params["KeyId"], params["Plaintext"], params.get("EncryptionContext") or {}
        )
        return {"CiphertextBlob": blob, "KeyId": key.arn, "EncryptionAlgorithm": ALGORITHM}

    def decrypt_op(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        _algorithm(params)
        found = self.decrypt(
            ctx,
            params["CiphertextBlob"],
            params.get("EncryptionContext") or {},
            params.get("KeyId"),
        )
        return {"KeyId": found.key.arn, "Plaintext": found.plaintext,
                "EncryptionAlgorithm": ALGORITHM}  # fmt: skip

    def generate_data_key_op(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        key, plaintext, blob = self.generate_data_key(
            ctx, params["KeyId"], _data_key_size(params), params.get("EncryptionContext") or {}
        )
        return {"CiphertextBlob": blob, "Plaintext": plaintext, "KeyId": key.arn}

    def generate_data_key_without_plaintext_op(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        key, _, blob = self.generate_data_key(
            ctx,
            params["KeyId"],
            _data_key_size(params),
            params.get("EncryptionContext") or {},
            action="kms:GenerateDataKeyWithoutPlaintext",
        )
        return {"CiphertextBlob": blob, "KeyId": key.arn}

    def re_encrypt_op(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        _algorithm(params, "SourceEncryptionAlgorithm")
        _algorithm(params, "DestinationEncryptionAlgorithm")
        source = self.decrypt(
            ctx,
            params["CiphertextBlob"],
            params.get("SourceEncryptionContext") or {},
            params.get("SourceKeyId"),
            action="kms:ReEncryptFrom",
        )
        key, blob = self.encrypt(
            ctx,
            params["DestinationKeyId"],
            source.plaintext,
            params.get("DestinationEncryptionContext") or {},
            action="kms:ReEncryptTo",
        )
        return {
            "CiphertextBlob": blob,
            "SourceKeyId": source.key.arn,
            "KeyId": key.arn,
            "SourceEncryptionAlgorithm": ALGORITHM,
            "DestinationEncryptionAlgorithm": ALGORITHM,
        }


def _data_key_size(params: Mapping[str, Any]) -> int:
    spec, size = params.get("KeySpec"), params.get("NumberOfBytes")
    if (spec is None) == (size is None):
        raise ValidationError("Please specify either number of bytes or key spec.")
    if spec is not None:
        if spec not in _DATA_KEY_SPECS:
            raise ValidationError(f"Unsupported key spec {str(spec)[:40]}.")
        return _DATA_KEY_SPECS[spec]
    if not isinstance(size, int) or not 1 <= size <= 1024:
        raise ValidationError("NumberOfBytes must be between 1 and 1024.")
    return size


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False
