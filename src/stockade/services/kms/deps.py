"""What the KMS use cases share: stores, the cipher, the clock, and key-policy authorisation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stockade.clock import Clock
from stockade.crypto import EnvelopeCipher, KeyVersion
from stockade.errors import InternalError
from stockade.services.authz import Decision
from stockade.services.context import RequestContext
from stockade.services.kms.errors import AccessDeniedError
from stockade.services.kms.keys import KeyFinder
from stockade.services.kms.policies import KeyPolicyAuthorizer, attached, request_keys
from stockade.store.key_ports import KeyRecord, KeyState, KeyStore


@dataclass(frozen=True)
class KmsDeps:
    store: KeyStore
    cipher: EnvelopeCipher
    clock: Clock
    authorizer: KeyPolicyAuthorizer
    finder: KeyFinder

    def authorize(
        self,
        ctx: RequestContext,
        key: KeyRecord,
        action: str,
        encryption_context: Mapping[str, str] | None = None,
        via_service: str | None = None,
        grant: str | None = None,
    ) -> Decision:
        """`grant`: a statement (JSON) a service holds on the key, evaluated with its policy."""
        return self.authorizer.authorize(
            ctx,
            action,
            key.arn,
            AccessDeniedError,
            resource_policy=attached(key, grant),
            context=request_keys(ctx, encryption_context, via_service),
            resource_policy_required=True,
        )

    def authorize_identity(self, ctx: RequestContext, action: str, resource: str) -> Decision:
        """Operations on no key (ListKeys, ListAliases) or on an alias: IAM policies only."""
        return self.authorizer.authorize(
            ctx, action, resource, AccessDeniedError, context=request_keys(ctx)
        )

    def version(self, key: KeyRecord, number: int | None = None) -> KeyVersion:
        wanted = key.current_version if number is None else number
        with self.store.read() as tx:
            material = tx.materials.get(key.key_id, wanted)
        if material is None:
            raise InternalError(f"key material {key.key_id} v{wanted} is missing")
        return KeyVersion(key.key_id, material.version, material.wrapped)


def when(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def metadata(key: KeyRecord) -> dict[str, Any]:
    """KMS's KeyMetadata shape."""
    found: dict[str, Any] = {
        "AWSAccountId": key.account_id,
        "KeyId": key.key_id,
        "Arn": key.arn,
        "CreationDate": when(key.created),
        "Enabled": key.state is KeyState.ENABLED,
        "Description": key.description,
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": key.state.value,
        "Origin": "AWS_KMS",
        "KeyManager": key.manager.value,
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": False,
    }
    if key.deletion_date is not None:
        found["DeletionDate"] = when(key.deletion_date)
    return found
