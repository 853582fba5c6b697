"""What every service that uses keys for its callers shares (Lambda for environment variables,
Secrets Manager for secret values): each use is decided by the kernel (`Decider`) against the
key policy with `kms:ViaService` = <service>.<region>.amazonaws.com and the use's encryption
context, then done by the cryptographic core; and each use leaves a KMS audit record invoked by
the service, linked to the user's request behind it.
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
from stockade.services.kms.policies import request_keys
from stockade.services.kms.scopes import FoundKey
from stockade.services.kms.service import KmsService
from stockade.store.key_ports import KeyRecord
from stockade.types import Region


class OnBehalf:
    """Key uses by `service` (its signing name: `lambda`, `secretsmanager`) for its callers."""

    def __init__(
        self,
        keys: KmsService,
        decider: Decider,
        region: Region,
        audit: AuditLog,
        service: str,
        request_link: str,
    ) -> None:
        self.keys = keys
        self._decider = decider
        self._region = region
        self._audit = audit
        self.principal = f"{service}.amazonaws.com"
        self.via = f"{service}.{region}.amazonaws.com"
        self._request_link = request_link  # additionalEventData's name for the user's request

    def allow(
        self,
        ctx: RequestContext,
        action: str,
        key: KeyRecord,
        context: Mapping[str, str],
        grant: str | None = None,
    ) -> None:
        """The kernel's decision on `action` with `key` through the service (raises KMS's
        AccessDeniedException in KMS's wording when not allowed)."""
        need = Need(action, key.arn, FoundKey(key, grant), request_keys(ctx, context, self.via))
        self._decider.decide(ctx, need, kms.AccessDeniedError)

    @contextmanager
    def audited(
        self,
        ctx: RequestContext,
        operation: str,
        key_ref: str,
        context: Mapping[str, str],
        extra: Mapping[str, Any] | None = None,
    ) -> Iterator[None]:
        """Journals KMS's record of the use inside the block, with its error if it fails."""
        error: kms.KmsError | None = None
        try:
            yield
        except kms.KmsError as exc:
            error = exc
            raise
        finally:
            parameters: dict[str, Any] = {"KeyId": key_ref, "EncryptionContext": dict(context)}
            parameters.update(extra or {"EncryptionAlgorithm": "SYMMETRIC_DEFAULT"})
            self._audit.write(
                AuditEvent(
                    event_id=str(uuid.uuid4()),
                    event_time=self.keys.deps.clock.now(),
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
                    request_parameters=parameters,
                    # Links the use to the user's request behind it (none without one).
                    additional_event_data=(
                        {self._request_link: ctx.request_id} if ctx.request_id else None
                    ),
                )
            )
