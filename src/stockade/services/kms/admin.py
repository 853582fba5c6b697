"""Key management: create, describe, list, enable/disable, deletion, rotation, key policies.

Handlers run once the kernel has allowed their needs (`needs`); those on a key take the key that
was authorized from the `KeyScope`. Maintenance (`rotate`, called by `KmsService.maintain`) is
the service's own schedule, not a request."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from stockade.services.context import RequestContext
from stockade.services.kms.deps import KmsDeps, metadata, when
from stockade.services.kms.errors import (
    DisabledError,
    InvalidMarkerError,
    UnsupportedOperationError,
    ValidationError,
)
from stockade.services.kms.keys import iso
from stockade.services.kms.policies import default_key_policy, parse_key_policy
from stockade.services.kms.scopes import KeyScope
from stockade.services.kms.states import KeyEvent, next_state, require_not_pending_deletion
from stockade.services.kms.tags import given_tags, merged
from stockade.shapes import kms as shapes
from stockade.store.key_ports import KeyManager, KeyRecord, KeyState, MaterialRecord

DESCRIPTION_MAX = 8192
DELETION_DAYS_MIN, DELETION_DAYS_MAX, DELETION_DAYS_DEFAULT = 7, 30, 30
ROTATION_DAYS_MIN, ROTATION_DAYS_MAX, ROTATION_DAYS_DEFAULT = 90, 2560, 365
LIST_LIMIT_MAX = 1000


class KeyAdmin:
    def __init__(self, deps: KmsDeps, keys: KeyScope, keys_by_id: KeyScope) -> None:
        self._deps = deps
        self._keys = keys
        self._keys_by_id = keys_by_id  # key policies are named by key id or key ARN only

    def create_key(
        self, ctx: RequestContext, request: shapes.CreateKeyRequest
    ) -> shapes.CreateKeyResponse:
        deps = self._deps
        account = ctx.principal.account_id
        given: Mapping[str, object] = request
        for name, allowed in (("KeyUsage", "ENCRYPT_DECRYPT"), ("KeySpec", "SYMMETRIC_DEFAULT"),
                              ("CustomerMasterKeySpec", "SYMMETRIC_DEFAULT"),
                              ("Origin", "AWS_KMS")):  # fmt: skip
            value = given.get(name, allowed)
            if value != allowed:
                raise UnsupportedOperationError(
                    f"Stockade supports only {name} {allowed} (got {str(value)[:40]})."
                )
        if request.get("MultiRegion"):
            raise UnsupportedOperationError("Stockade does not support multi-Region keys.")
        if request.get("CustomKeyStoreId") or request.get("XksKeyId"):
            raise UnsupportedOperationError("Stockade does not support custom key stores.")
        tags = merged((), given_tags(request.get("Tags") or ()))
        description = request.get("Description") or ""
        if len(description) > DESCRIPTION_MAX:
            raise ValidationError(f"Description is longer than {DESCRIPTION_MAX} characters.")
        key_policy = request.get("Policy") or default_key_policy(account)
        parse_key_policy(key_policy)
        with deps.store.write() as tx:
            key = deps.finder.create(
                tx, account, ctx.region, description, key_policy, KeyManager.CUSTOMER, tags
            )
        return {"KeyMetadata": metadata(key)}

    def describe_key(
        self, ctx: RequestContext, request: shapes.DescribeKeyRequest
    ) -> shapes.DescribeKeyResponse:
        return {"KeyMetadata": metadata(self._keys.key(ctx, request["KeyId"]))}

    def list_keys(
        self, ctx: RequestContext, request: shapes.ListKeysRequest
    ) -> shapes.ListKeysResponse:
        deps = self._deps
        limit = request.get("Limit", 100)
        if not 1 <= limit <= LIST_LIMIT_MAX:
            raise ValidationError(f"Limit must be between 1 and {LIST_LIMIT_MAX}.")
        marker = request.get("Marker")
        if marker is not None and (not marker or len(marker) > 320):
            raise InvalidMarkerError("The marker is not valid.")
        with deps.store.read() as tx:
            found = tx.keys.page(ctx.principal.account_id, ctx.region, marker, limit + 1)
        page = found[:limit]
        keys: list[shapes.KeyListEntry] = [{"KeyId": k.key_id, "KeyArn": k.arn} for k in page]
        if len(found) > limit:
            return {"Keys": keys, "Truncated": True, "NextMarker": page[-1].key_id}
        return {"Keys": keys, "Truncated": False}

    def enable_key(self, ctx: RequestContext, request: shapes.EnableKeyRequest) -> None:
        self._transition(ctx, request["KeyId"], "kms:EnableKey", KeyEvent.ENABLE)

    def disable_key(self, ctx: RequestContext, request: shapes.DisableKeyRequest) -> None:
        self._transition(ctx, request["KeyId"], "kms:DisableKey", KeyEvent.DISABLE)

    def schedule_key_deletion(
        self, ctx: RequestContext, request: shapes.ScheduleKeyDeletionRequest
    ) -> shapes.ScheduleKeyDeletionResponse:
        days = request.get("PendingWindowInDays", DELETION_DAYS_DEFAULT)
        if not DELETION_DAYS_MIN <= days <= DELETION_DAYS_MAX:
            raise ValidationError(
                f"PendingWindowInDays must be between {DELETION_DAYS_MIN} and {DELETION_DAYS_MAX}."
            )
        date = self._deps.clock.now() + timedelta(days=days)
        key = self._transition(
            ctx, request["KeyId"], "kms:ScheduleKeyDeletion", KeyEvent.SCHEDULE_DELETION,
            deletion_date=iso(date),
        )  # fmt: skip
        return {"KeyId": key.arn, "DeletionDate": date, "KeyState": key.state.value,
                "PendingWindowInDays": days}  # fmt: skip

    def cancel_key_deletion(
        self, ctx: RequestContext, request: shapes.CancelKeyDeletionRequest
    ) -> shapes.CancelKeyDeletionResponse:
        key = self._transition(
            ctx, request["KeyId"], "kms:CancelKeyDeletion", KeyEvent.CANCEL_DELETION,
            deletion_date=None,
        )  # fmt: skip
        return {"KeyId": key.arn}

    def _transition(
        self, ctx: RequestContext, ref: str, action: str, event: KeyEvent, **changes: Any
    ) -> KeyRecord:
        deps = self._deps
        key = self._keys.key(ctx, ref)
        _customer_managed(key, action)
        with deps.store.write() as tx:
            current = tx.keys.get(key.key_id) or key
            updated = dataclasses.replace(current, state=next_state(current, event), **changes)
            tx.keys.put(updated)
        return updated

    # -- rotation ------------------------------------------------------------------------------
    def enable_key_rotation(
        self, ctx: RequestContext, request: shapes.EnableKeyRotationRequest
    ) -> None:
        period = request.get("RotationPeriodInDays", ROTATION_DAYS_DEFAULT)
        if not ROTATION_DAYS_MIN <= period <= ROTATION_DAYS_MAX:
            raise ValidationError(
                f"RotationPeriodInDays must be between {ROTATION_DAYS_MIN} and {ROTATION_DAYS_MAX}."
            )
        nxt = iso(self._deps.clock.now() + timedelta(days=period))
        self._configure(ctx, request["KeyId"], "kms:EnableKeyRotation", rotation_enabled=True,
                        rotation_period_days=period, next_rotation=nxt)  # fmt: skip

    def disable_key_rotation(
        self, ctx: RequestContext, request: shapes.DisableKeyRotationRequest
    ) -> None:
        self._configure(ctx, request["KeyId"], "kms:DisableKeyRotation", rotation_enabled=False,
                        next_rotation=None)  # fmt: skip

    def get_key_rotation_status(
        self, ctx: RequestContext, request: shapes.GetKeyRotationStatusRequest
    ) -> shapes.GetKeyRotationStatusResponse:
        key = self._keys.key(ctx, request["KeyId"])
        if not key.rotation_enabled or key.next_rotation is None:
            return {"KeyRotationEnabled": key.rotation_enabled, "KeyId": key.arn}
        return {"KeyRotationEnabled": True, "KeyId": key.arn,
                "RotationPeriodInDays": key.rotation_period_days,
                "NextRotationDate": when(key.next_rotation)}  # fmt: skip

    def rotate_key_on_demand(
        self, ctx: RequestContext, request: shapes.RotateKeyOnDemandRequest
    ) -> shapes.RotateKeyOnDemandResponse:
        key = self._keys.key(ctx, request["KeyId"])
        _customer_managed(key, "kms:RotateKeyOnDemand")
        if key.state is KeyState.DISABLED:
            raise next_state_error(key)
        require_not_pending_deletion(key)
        self.rotate(key.key_id, on_demand=True)
        return {"KeyId": key.arn}

    def rotate(self, key_id: str, on_demand: bool = False) -> KeyRecord | None:
        """Give the key a new current version of material; older versions stay for decrypt."""
        deps = self._deps
        now = deps.clock.now()
        with deps.store.write() as tx:
            key = tx.keys.get(key_id)
            if key is None:
                return None
            number = key.current_version + 1
            version = deps.cipher.new_version(key_id, number)
            tx.materials.put(MaterialRecord(key_id, number, version.wrapped, iso(now), on_demand))
            nxt = key.next_rotation
            if key.rotation_enabled and not on_demand:
                nxt = iso(now + timedelta(days=key.rotation_period_days))
            updated = dataclasses.replace(key, current_version=number, next_rotation=nxt)
            tx.keys.put(updated)
        return updated

    # -- key policies --------------------------------------------------------------------------
    def get_key_policy(
        self, ctx: RequestContext, request: shapes.GetKeyPolicyRequest
    ) -> shapes.GetKeyPolicyResponse:
        if request.get("PolicyName", "default") != "default":
            raise ValidationError("PolicyName must be 'default'.")
        key = self._keys_by_id.key(ctx, request["KeyId"])
        return {"Policy": key.policy, "PolicyName": "default"}

    def put_key_policy(self, ctx: RequestContext, request: shapes.PutKeyPolicyRequest) -> None:
        if request.get("PolicyName", "default") != "default":
            raise ValidationError("PolicyName must be 'default'.")
        text = request["Policy"]
        parse_key_policy(text)
        self._configure(ctx, request["KeyId"], "kms:PutKeyPolicy", policy=text, by_id=True)

    def _configure(
        self, ctx: RequestContext, ref: str, action: str, by_id: bool = False, **changes: Any
    ) -> KeyRecord:
        deps = self._deps
        key = (self._keys_by_id if by_id else self._keys).key(ctx, ref)
        _customer_managed(key, action)
        require_not_pending_deletion(key)
        if key.state is KeyState.DISABLED and action.endswith("KeyRotation"):
            raise next_state_error(key)
        with deps.store.write() as tx:
            updated = dataclasses.replace(tx.keys.get(key.key_id) or key, **changes)
            tx.keys.put(updated)
        return updated


def next_state_error(key: KeyRecord) -> DisabledError:
    return DisabledError(f"{key.arn} is disabled.")


def _customer_managed(key: KeyRecord, action: str) -> None:
    if key.manager is KeyManager.AWS:
        raise UnsupportedOperationError(
            f"{key.arn} is an AWS managed key; {action} is not supported on it."
        )
