"""The key service as another service uses it for its caller: the one place where a service
(Lambda for environment variables and filter criteria, Parameter Store for SecureStrings,
Secrets Manager for secret values) finds a key,
asks the kernel (`Decider`) whether its caller may use it through that service, uses it, and
leaves the KMS audit record CloudTrail shows for such a call.

Every use is decided against the key policy with `kms:ViaService` = <service>.<region>.
amazonaws.com, `kms:CallerAccount` and the encryption context as condition keys; an AWS
managed key (`aws/<service>`) allows exactly that and nothing else. Errors stay KMS's own
(`KmsError`): each calling service maps them to its own wording.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from stockade.audit.events import AuditEvent, UserIdentity
from stockade.services.audit_log import AuditLog
from stockade.services.context import RequestContext
from stockade.services.declaration import Decider, Need
from stockade.services.kms import errors as kms
from stockade.services.kms.key_use import check_plaintext, header_of
from stockade.services.kms.policies import request_keys
from stockade.services.kms.scopes import FoundKey
from stockade.services.kms.service import KmsService
from stockade.store.key_ports import KeyRecord
from stockade.types import Region


class KeysViaService:
    """`service`: the calling service's short name (`lambda`, `ssm`); its principal
    (<service>.amazonaws.com) invokes the KMS calls it makes; `request_note`: the name under
    which a KMS record links to the user's request behind it (None: not linked)."""

    def __init__(
        self,
        kms_service: KmsService,
        decider: Decider,
        region: Region,
        audit: AuditLog,
        service: str,
        request_note: str | None = None,
    ) -> None:
        self.kms = kms_service
        self._decider = decider
        self._region = region
        self._audit = audit
        self.service = service
        self.principal = f"{service}.amazonaws.com"
        self.via = f"{service}.{region}.amazonaws.com"
        self._note = request_note

    def key(self, ctx: RequestContext, ref: str | None) -> KeyRecord:
        """The key `ref` names (id, ARN, alias), or the account's `aws/<service>` key."""
        if ref is None:
            return self.kms.managed_key(ctx.principal.account_id, ctx.region, self.service)
        return self.kms.finder.find(ctx, ref)

    def allow(
        self, ctx: RequestContext, key: KeyRecord, operation: str, context: Mapping[str, str]
    ) -> None:
        """Whether the caller may kms:<operation> the key through the service (raises
        AccessDenied): the key policy, with kms:ViaService and the encryption context."""
        need = Need(f"kms:{operation}", key.arn, FoundKey(key),
                    request_keys(ctx, context, self.via))  # fmt: skip
        self._decider.decide(ctx, need, kms.AccessDeniedError)

    def encrypt(
        self, ctx: RequestContext, key: KeyRecord, plaintext: bytes, context: Mapping[str, str]
    ) -> bytes:
        """kms:Encrypt through the service (raises KMS's errors; audit by `audited`)."""
        check_plaintext(plaintext)
        self.allow(ctx, key, "Encrypt", context)
        return self.kms.key_use.encrypt(key, plaintext, context)

    def data_key(
        self, ctx: RequestContext, key: KeyRecord, context: Mapping[str, str]
    ) -> tuple[bytes, bytes]:
        """kms:GenerateDataKey through the service: (plaintext data key, its ciphertext)."""
        self.allow(ctx, key, "GenerateDataKey", context)
        return self.kms.key_use.data_key(key, 32, context)

    def decrypt(
        self,
        ctx: RequestContext,
        blob: bytes,
        context: Mapping[str, str],
        grant: str | None = None,
    ) -> bytes:
        """kms:Decrypt through the service on the key the ciphertext names (with a grant the
        service holds on it, if any, evaluated with the key policy)."""
        key = self.kms.finder.of_ciphertext(ctx, header_of(blob).key_id)
        need = Need("kms:Decrypt", key.arn, FoundKey(key, grant),
                    request_keys(ctx, context, self.via))  # fmt: skip
        self._decider.decide(ctx, need, kms.AccessDeniedError)
        return self.kms.key_use.decrypt(key, blob, context)

    @contextmanager
    def audited(
        self,
        ctx: RequestContext,
        operation: str,
        key_ref: str,
        context: Mapping[str, str],
        extra: Mapping[str, Any] | None = None,
    ) -> Iterator[None]:
        """One KMS audit record for the call made inside, invoked by the service (its error,
        if any; never a plaintext: only the key and the encryption context). `extra`: the
        call's other request parameters (default: EncryptionAlgorithm SYMMETRIC_DEFAULT)."""
        error: kms.KmsError | None = None
        try:
            yield
        except kms.KmsError as exc:
            error = exc
            raise
        finally:
            self._write(
                ctx,
                AuditEvent(
                    event_id=str(uuid.uuid4()),
                    event_time=self.kms.deps.clock.now(),
                    event_source="kms.amazonaws.com",
                    event_name=operation,
                    region=self._region,
                    source_ip=self.principal,
                    user_agent=self.principal,
                    request_id=str(uuid.uuid4()),  # KMS's own request
                    recipient_account_id=ctx.principal.account_id,
                    user_identity=UserIdentity.of(ctx.principal, invoked_by=self.principal),
                    read_only=True,
                    error_code=None if error is None else error.code,
                    error_message=None if error is None else error.message,
                    request_parameters={
                        "KeyId": key_ref,
                        "EncryptionContext": dict(context),
                        **(extra or {"EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}),
                    },
                    # Links the use to the user's request behind it (none without one).
                    additional_event_data=(
                        {self._note: ctx.request_id}
                        if self._note is not None and ctx.request_id
                        else None
                    ),
                ),
            )

    def _write(self, ctx: RequestContext, event: AuditEvent) -> None:
        """Held for the kernel to journal with the request's record (one wait for the disk per
        request); written now, waiting for the disk, when no request will (or no longer)."""
        held = ctx.held_writes
        if held is None or not held.hold(event):
            self._audit.write(event)
