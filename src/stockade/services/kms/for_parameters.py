"""The key service as Parameter Store uses it for SecureString values.

Implements `services.ssm.secure_values.SecureValues` on the machinery every service shares
(`via_service`): every use is decided by the kernel against the key policy with
`kms:ViaService` = ssm.<region>.amazonaws.com and {"PARAMETER_ARN": <parameter ARN>} as the
encryption context, and leaves a KMS audit record invoked by ssm.amazonaws.com. KMS errors
become Parameter Store's, with KMS's own message in the form Parameter Store relays it
("... (Service: AWSKMS; Status Code: 400; Error Code: DisabledException; ...)"): a key that
does not exist, is disabled or pending deletion is `InvalidKeyId`; a key policy or identity
policy that does not allow the use is `AccessDeniedException`.
"""

from __future__ import annotations

import base64
import binascii
import struct
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from stockade.crypto import InvalidBlobError, open_with, seal_with
from stockade.services.audit_log import AuditLog
from stockade.services.context import RequestContext
from stockade.services.declaration import Decider
from stockade.services.kms import errors as kms
from stockade.services.kms.key_use import header_of
from stockade.services.kms.service import KmsService
from stockade.services.kms.via_service import KeysViaService
from stockade.services.ssm import errors as ssm
from stockade.services.ssm.secure_values import CONTEXT_KEY, MANAGED_KEY_ALIAS, Sealed
from stockade.types import Region


class ParameterKeys:
    def __init__(
        self, service: KmsService, decider: Decider, region: Region, audit: AuditLog
    ) -> None:
        self._keys = KeysViaService(service, decider, region, audit, "ssm")

    def seal(
        self,
        ctx: RequestContext,
        key_ref: str | None,
        parameter_arn: str,
        value: str,
        envelope: bool,
    ) -> Sealed:
        context = {CONTEXT_KEY: parameter_arn}
        named = key_ref or MANAGED_KEY_ALIAS
        operation = "GenerateDataKey" if envelope else "Encrypt"
        extra = {"KeySpec": "AES_256"} if envelope else None
        with _as_parameter_error(), self._keys.audited(ctx, operation, named, context, extra):
            key = self._keys.key(ctx, key_ref)
            plaintext = value.encode()
            if envelope:
                data_key, wrapped = self._keys.data_key(ctx, key, context)
                blob = struct.pack(">H", len(wrapped)) + wrapped + seal_with(
                    data_key, plaintext, context)  # fmt: skip
            else:
                blob = self._keys.encrypt(ctx, key, plaintext, context)
        return Sealed(named, key.arn, base64.b64encode(blob).decode())

    def open(self, ctx: RequestContext, parameter_arn: str, ciphertext: str, envelope: bool) -> str:
        context = {CONTEXT_KEY: parameter_arn}
        blob = _blob(ciphertext)
        with _as_parameter_error():
            if not envelope:
                key_ref = _key_of(blob)
                with self._keys.audited(ctx, "Decrypt", key_ref, context):
                    return self._keys.decrypt(ctx, blob, context).decode()
            (size,) = struct.unpack(">H", blob[:2])
            wrapped, rest = blob[2 : 2 + size], blob[2 + size :]
            with self._keys.audited(ctx, "Decrypt", _key_of(wrapped), context):
                data_key = self._keys.decrypt(ctx, wrapped, context)
            try:
                return open_with(data_key, rest, context).decode()
            except InvalidBlobError as exc:
                raise ssm.InternalServerError("The stored value could not be read.") from exc


def _key_of(blob: bytes) -> str:
    try:
        return header_of(blob).key_id
    except kms.KmsError:
        return ""


def _blob(ciphertext: str) -> bytes:
    try:
        return base64.b64decode(ciphertext, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ssm.InternalServerError("The stored value could not be read.") from exc


@contextmanager
def _as_parameter_error() -> Iterator[None]:
    try:
        yield
    except kms.KmsError as error:
        relayed = (
            f"{error.message} (Service: AWSKMS; Status Code: {error.http_status}; Error Code:"
            f" {error.code}; Request ID: {uuid.uuid4()}; Proxy: null)"
        )
        if isinstance(error, kms.AccessDeniedError):
            raise ssm.AccessDeniedError(relayed) from error
        raise ssm.InvalidKeyIdError(relayed) from error
