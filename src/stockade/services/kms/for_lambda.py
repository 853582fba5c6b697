"""The key service as Lambda uses it for functions' environment variables.

Implements `services.lambda_.environment_keys.EnvironmentKeys`: every use is decided by the
kernel (`Decider`) against the key policy with `kms:ViaService` = lambda.<region>.amazonaws.com
and the function's ARN as encryption context, then done by the cryptographic core (`key_use`).
Environments decrypt as the function's execution role under a grant that Lambda holds for it
(as AWS Lambda creates one when a function is configured with a key): the grant allows
kms:Decrypt for that role and that function's context only, and an explicit deny in the key
policy or the role's policies still wins. Each use leaves a KMS audit record invoked by Lambda,
and KMS errors become Lambda's KMS* errors.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from stockade.domain.function import EncryptedEnvironment
from stockade.domain.identity import Principal
from stockade.services.audit_log import AuditLog
from stockade.services.context import RequestContext
from stockade.services.declaration import Decider
from stockade.services.kms import errors as kms
from stockade.services.kms.key_use import check_plaintext, header_of
from stockade.services.kms.on_behalf import OnBehalf
from stockade.services.kms.service import KmsService
from stockade.services.lambda_ import errors as lam
from stockade.services.lambda_.environment_keys import CONTEXT_KEY
from stockade.types import Region, RequestId

_WHY: dict[type[kms.KmsError], tuple[Callable[[str], lam.KmsKeyError], str]] = {
    kms.DisabledError: (lam.KmsDisabledError, "the KMS key used is disabled"),
    kms.InvalidStateError: (
        lam.KmsInvalidStateError,
        "the state of the KMS key used is not valid for {verb}",
    ),
    kms.NotFoundError: (lam.KmsNotFoundError, "the KMS key was not found"),
    kms.AccessDeniedError: (lam.KmsAccessDeniedError, "KMS access was denied"),
    kms.InvalidCiphertextError: (lam.KmsAccessDeniedError, "KMS access was denied"),
    kms.IncorrectKeyError: (lam.KmsAccessDeniedError, "KMS access was denied"),
    kms.InvalidArnError: (lam.KmsNotFoundError, "the KMS key was not found"),
}


class LambdaEnvironmentKeys:
    def __init__(
        self, service: KmsService, decider: Decider, region: Region, audit: AuditLog
    ) -> None:
        self._service = service
        self._region = region
        self._behalf = OnBehalf(service, decider, region, audit, "lambda", "lambdaRequestID")

    def encrypt(
        self, ctx: RequestContext, key_arn: str | None, function_arn: str, plaintext: bytes
    ) -> EncryptedEnvironment:
        ref = key_arn or self._service.managed_key(ctx.principal.account_id, ctx.region).arn
        context = {CONTEXT_KEY: function_arn}
        try:
            with self._behalf.audited(ctx, "Encrypt", ref, context):
                check_plaintext(plaintext)
                key = self._service.finder.find(ctx, ref)
                self._behalf.allow(ctx, "kms:Encrypt", key, context)
                blob = self._service.key_use.encrypt(key, plaintext, context)
        except kms.KmsError as error:  # configuring, not running: Lambda's wording for it
            raise lam.InvalidParameterValueError(
                "Lambda was unable to configure access to your environment variables because"
                " the KMS key is invalid for CreateGrant. Please check your KMS key settings."
                f" KMS Exception: {error.code} KMS Message: {error.message}"
            ) from error
        return EncryptedEnvironment(key.arn, base64.b64encode(blob).decode())

    def decrypt_for_caller(
        self, ctx: RequestContext, function_arn: str, environment: EncryptedEnvironment
    ) -> bytes:
        context = {CONTEXT_KEY: function_arn}
        with (
            _as_lambda_error("decrypt", "Decrypt"),
            self._behalf.audited(ctx, "Decrypt", environment.key_arn, context),
        ):
            return self._decrypt(ctx, _blob(environment), context, grant=None)

    def decrypt_for_function(
        self, role: Principal, function_arn: str, environment: EncryptedEnvironment
    ) -> bytes:
        ctx = RequestContext(
            request_id=RequestId(""),
            principal=role,
            region=self._region,
            source_ip="",
            user_agent="lambda.amazonaws.com",
            secure_transport=True,
            received_at=self._service.deps.clock.now(),
            base_url="",
        )
        context = {CONTEXT_KEY: function_arn}
        with (
            _as_lambda_error("decrypt", "Decrypt"),
            self._behalf.audited(ctx, "Decrypt", environment.key_arn, context),
        ):
            grant = lambda_grant(role.role_arn or role.arn, context)
            return self._decrypt(ctx, _blob(environment), context, grant)

    def _decrypt(
        self, ctx: RequestContext, blob: bytes, context: dict[str, str], grant: str | None
    ) -> bytes:
        """kms:Decrypt through Lambda on the key the ciphertext names (with Lambda's grant for
        the function's role, when the role decrypts at a cold start)."""
        key = self._service.finder.of_ciphertext(ctx, header_of(blob).key_id)
        self._behalf.allow(ctx, "kms:Decrypt", key, context, grant)
        return self._service.key_use.decrypt(key, blob, context)


def lambda_grant(grantee: str, context: dict[str, str]) -> str:
    """The statement of Lambda's grant for a function's role (evaluated with the key policy)."""
    return json.dumps(
        {
            "Sid": "LambdaFunctionEnvironmentGrant",
            "Effect": "Allow",
            "Principal": {"AWS": grantee},
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {
                "StringEquals": {f"kms:EncryptionContext:{k}": v for k, v in context.items()}
            },
        }
    )


def _blob(environment: EncryptedEnvironment) -> bytes:
    try:
        return base64.b64decode(environment.ciphertext_b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise kms.InvalidCiphertextError("The stored ciphertext is not valid.") from exc


@contextmanager
def _as_lambda_error(verb: str, operation: str) -> Iterator[None]:
    try:
        yield
    except kms.KmsError as error:
        for kind, (lambda_error, why) in _WHY.items():
            if isinstance(error, kind):
                raise lambda_error(
                    f"Lambda couldn't {verb} the environment variables because"
                    f" {why.format(verb=operation)}. Check the function's KMS key settings."
                ) from error
        raise
