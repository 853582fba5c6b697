"""The key service as Lambda uses it for functions' environment variables.

Implements `services.lambda_.environment_keys.EnvironmentKeys`: every use is decided by the
kernel (`Decider`) against the key policy with `kms:ViaService` = lambda.<region>.amazonaws.com
and the function's ARN as encryption context, then done by the cryptographic core (`key_use`),
through the machinery every service shares (`via_service`).
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

from stockade import policy
from stockade.domain.function import EncryptedEnvironment
from stockade.domain.identity import Principal, PrincipalKind
from stockade.policy import AuthorizationRequest, PolicySet, RequestPrincipal
from stockade.services.audit_log import AuditLog
from stockade.services.context import RequestContext
from stockade.services.declaration import Decider
from stockade.services.kms import errors as kms
from stockade.services.kms.key_use import check_plaintext, header_of
from stockade.services.kms.policies import attached, request_keys
from stockade.services.kms.service import KmsService
from stockade.services.kms.via_service import KeysViaService
from stockade.services.lambda_ import errors as lam
from stockade.services.lambda_.environment_keys import CONTEXT_KEY
from stockade.types import AccountId, Region, RequestId

_LAMBDA = "lambda.amazonaws.com"
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
        self._keys = KeysViaService(service, decider, region, audit, "lambda", "lambdaRequestID")
        self._via = self._keys.via

    @property
    def service(self) -> KmsService:
        return self._service

    def encrypt(
        self, ctx: RequestContext, key_arn: str | None, function_arn: str, plaintext: bytes
    ) -> EncryptedEnvironment:
        ref = key_arn or self._service.managed_key(ctx.principal.account_id, ctx.region).arn
        try:
            arn, blob = self.seal(ctx, ref, {CONTEXT_KEY: function_arn}, plaintext, ("Encrypt",))
        except kms.KmsError as error:  # configuring, not running: Lambda's wording for it
            raise lam.InvalidParameterValueError(
                "Lambda was unable to configure access to your environment variables because"
                " the KMS key is invalid for CreateGrant. Please check your KMS key settings."
                f" KMS Exception: {error.code} KMS Message: {error.message}"
            ) from error
        return EncryptedEnvironment(arn, base64.b64encode(blob).decode())

    # -- what every Lambda use of a key shares (environment variables, filter criteria) ---------
    def seal(
        self,
        ctx: RequestContext,
        key_ref: str,
        context: dict[str, str],
        plaintext: bytes,
        operations: tuple[str, ...],
    ) -> tuple[str, bytes]:
        """(key ARN, ciphertext) of `plaintext` under the key, for the caller through Lambda:
        each kms:<operation> decided against the key policy with kms:ViaService (raises
        KmsError); the audit record names the last (the one that encrypts)."""
        with self._keys.audited(ctx, operations[-1], key_ref, context):
            check_plaintext(plaintext)
            key = self._service.finder.find(ctx, key_ref)
            for operation in operations:
                self._keys.allow(ctx, key, operation, context)
            return key.arn, self._service.key_use.encrypt(key, plaintext, context)

    def open_for_caller(
        self, ctx: RequestContext, key_ref: str, context: dict[str, str], blob: bytes
    ) -> bytes:
        """kms:Decrypt through Lambda for the caller (raises KmsError)."""
        with self._keys.audited(ctx, "Decrypt", key_ref, context):
            return self._keys.decrypt(ctx, blob, context)

    def open_as_lambda(
        self, account_id: str, source_arn: str, key_ref: str, context: dict[str, str], blob: bytes
    ) -> bytes:
        """kms:Decrypt by Lambda's own Regional service principal, for the resource
        `source_arn` (aws:SourceArn): only the key policy can allow it (raises KmsError)."""
        principal = Principal(PrincipalKind.AWS_SERVICE, AccountId(account_id), arn=self._via,
                              principal_id=self._via, name=self._via)  # fmt: skip
        ctx = self._service_ctx(principal)
        with self._keys.audited(ctx, "Decrypt", key_ref, context):
            key = self._service.finder.of_ciphertext(ctx, header_of(blob).key_id)
            keys = {**request_keys(ctx, context), "aws:SourceArn": (source_arn,),
                    "aws:SourceAccount": (account_id,)}  # fmt: skip
            request = AuthorizationRequest(RequestPrincipal.service(self._via), "kms:Decrypt",
                                           key.arn, key.account_id, keys)  # fmt: skip
            if not policy.evaluate(request, PolicySet(resource=attached(key))).allowed:
                raise kms.AccessDeniedError(
                    f"The key policy of {key.arn} does not allow {self._via} to perform"
                    " kms:Decrypt."
                )
            return self._service.key_use.decrypt(key, blob, context)

    def _service_ctx(self, principal: Principal) -> RequestContext:
        return RequestContext(
            request_id=RequestId(""),
            principal=principal,
            region=self._region,
            source_ip="",
            user_agent=_LAMBDA,
            secure_transport=True,
            received_at=self._service.deps.clock.now(),
            base_url="",
        )

    def decrypt_for_caller(
        self, ctx: RequestContext, function_arn: str, environment: EncryptedEnvironment
    ) -> bytes:
        context = {CONTEXT_KEY: function_arn}
        with _as_lambda_error("decrypt", "Decrypt"):
            return self.open_for_caller(ctx, environment.key_arn, context, _blob(environment))

    def decrypt_for_function(
        self, role: Principal, function_arn: str, environment: EncryptedEnvironment
    ) -> bytes:
        ctx = self._service_ctx(role)
        context = {CONTEXT_KEY: function_arn}
        with (
            _as_lambda_error("decrypt", "Decrypt"),
            self._keys.audited(ctx, "Decrypt", environment.key_arn, context),
        ):
            # Lambda's grant for the function's role, when the role decrypts at a cold start.
            grant = lambda_grant(role.role_arn or role.arn, context)
            return self._keys.decrypt(ctx, _blob(environment), context, grant)


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
