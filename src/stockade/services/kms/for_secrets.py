"""The key service as Secrets Manager uses it for secret values (implements
`services.secretsmanager.keys.SecretKeys`).

Envelope encryption as Secrets Manager does it: GenerateDataKey (AES_256) under the secret's key
on every new version, Decrypt of that data key on every read, both through Secrets Manager
(`kms:ViaService` = secretsmanager.<region>.amazonaws.com) with the SecretARN and
SecretVersionId encryption context, decided by the kernel against the key policy and the
caller's policies (`KeysViaService`, shared with Lambda and Parameter Store). The account's
`aws/secretsmanager` key is created on first use. KMS errors become Secrets Manager's: a
caller KMS does not let in gets AccessDeniedException ("Access to KMS is not allowed", as
Secrets Manager answers it); a key that is disabled, pending deletion or gone gets
EncryptionFailure / DecryptionFailure naming KMS's own error.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from contextlib import contextmanager

from stockade.crypto import InvalidBlobError, open_with, seal_with
from stockade.services.audit_log import AuditLog
from stockade.services.context import RequestContext
from stockade.services.declaration import Decider
from stockade.services.kms import errors as kms
from stockade.services.kms.service import KmsService
from stockade.services.kms.via_service import KeysViaService
from stockade.services.secretsmanager import errors as sm
from stockade.services.secretsmanager.keys import MANAGED_ALIAS, Sealed, encryption_context
from stockade.store.key_ports import KeyRecord
from stockade.types import Region


class SecretsManagerKeys:
    def __init__(
        self, service: KmsService, decider: Decider, region: Region, audit: AuditLog
    ) -> None:
        self._service = service
        self._keys = KeysViaService(
            service, decider, region, audit, "secretsmanager", "secretsManagerRequestID"
        )

    def seal(
        self,
        ctx: RequestContext,
        key_ref: str | None,
        secret_arn: str,
        version_id: str,
        plaintext: bytes,
    ) -> Sealed:
        context = encryption_context(secret_arn, version_id)
        with _as_secrets_error(sm.EncryptionFailureError, "encrypt"):
            key = self._key(ctx, key_ref)
            with self._keys.audited(ctx, "GenerateDataKey", key.arn, context,
                                    {"KeySpec": "AES_256"}):  # fmt: skip
                data_key, wrapped = self._keys.data_key(ctx, key, context)
        blob = seal_with(data_key, plaintext, context)
        return Sealed(key.arn, _b64(wrapped), _b64(blob))

    def open(self, ctx: RequestContext, secret_arn: str, version_id: str, sealed: Sealed) -> bytes:
        context = encryption_context(secret_arn, version_id)
        with _as_secrets_error(sm.DecryptionFailureError, "decrypt"):
            wrapped = _unb64(sealed.data_key_b64)
            with self._keys.audited(ctx, "Decrypt", sealed.key_arn, context):
                data_key = self._keys.decrypt(ctx, wrapped, context)
            try:
                return open_with(data_key, _unb64(sealed.ciphertext_b64), context)
            except InvalidBlobError as exc:
                raise kms.InvalidCiphertextError("The stored value failed authentication.") from exc

    def _key(self, ctx: RequestContext, key_ref: str | None) -> KeyRecord:
        account = ctx.principal.account_id
        if key_ref in (None, "", MANAGED_ALIAS):
            return self._service.managed_key(account, ctx.region, "secretsmanager")
        assert key_ref is not None
        return self._service.finder.find(ctx, key_ref)

    def key_arn(self, ctx: RequestContext, key_ref: str | None) -> str:
        """The ARN of the key `key_ref` names (for a KmsKeyId checked before it is stored)."""
        with _as_secrets_error(sm.EncryptionFailureError, "encrypt"):
            return self._key(ctx, key_ref).arn


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise kms.InvalidCiphertextError("The stored ciphertext is not valid.") from exc


@contextmanager
def _as_secrets_error(failure: type[sm.SecretsError], verb: str) -> Iterator[None]:
    try:
        yield
    except kms.AccessDeniedError as error:
        raise sm.AccessDeniedError("Access to KMS is not allowed") from error
    except kms.KmsError as error:
        raise failure(
            f"Secrets Manager can't {verb} the protected secret text using the provided KMS"
            f" key. KMS Exception: {error.code}"
        ) from error
