"""Key management: create, describe, list, enable/disable, deletion, rotation, key policies."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from stockade.services.context import RequestContext
from stockade.services.kms.deps import KmsDeps, metadata, when
from stockade.services.kms.errors import (
    AccessDeniedError,
    DisabledError,
    InvalidMarkerError,
    UnsupportedOperationError,
    ValidationError,
)
from stockade.services.kms.keys import iso
from stockade.services.kms.policies import default_key_policy, parse_key_policy
from stockade.services.kms.states import KeyEvent, next_state, require_not_pending_deletion
from stockade.store.key_ports import KeyManager, KeyRecord, KeyState, MaterialRecord

DESCRIPTION_MAX = 8192
DELETION_DAYS_MIN, DELETION_DAYS_MAX, DELETION_DAYS_DEFAULT = 7, 30, 30
ROTATION_DAYS_MIN, ROTATION_DAYS_MAX, ROTATION_DAYS_DEFAULT = 90, 2560, 365
LIST_LIMIT_MAX = 1000


class KeyAdmin:
    def __init__(self, deps: KmsDeps) -> None:
        self._deps = deps

    def create_key(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        deps = self._deps
        account = ctx.principal.account_id
        deps.authorizer.authorize(
            ctx, "kms:CreateKey", "*", AccessDeniedError, context={"kms:CallerAccount": (account,)}
        )
        for name, allowed in (("KeyUsage", "ENCRYPT_DECRYPT"), ("KeySpec", "SYMMETRIC_DEFAULT"),
                              ("CustomerMasterKeySpec", "SYMMETRIC_DEFAULT"),
                              ("Origin", "AWS_KMS")):  # fmt: skip
            if params.get(name, allowed) != allowed:
                raise UnsupportedOperationError(
                    f"Stockade supports only {name} {allowed} (got {str(params[name])[:40]})."
                )
        if params.get("MultiRegion"):
            raise UnsupportedOperationError("Stockade does not support multi-Region keys.")
        if params.get("CustomKeyStoreId") or params.get("XksKeyId"):
            raise UnsupportedOperationError("Stockade does not support custom key stores.")
        description = params.get("Description") or ""
        if len(description) > DESCRIPTION_MAX:
            raise ValidationError(f"Description is longer than {DESCRIPTION_MAX} characters.")
        key_policy = params.get("Policy") or default_key_policy(account)
        parse_key_policy(key_policy)
        with deps.store.write() as tx:
            key = deps.finder.create(
                tx, account, ctx.region, description, key_policy, KeyManager.CUSTOMER
            )
        return {"KeyMetadata": metadata(key)}

    def describe_key(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        key = self._deps.finder.find(ctx, params["KeyId"])
        self._deps.authorize(ctx, key, "kms:DescribeKey")
        return {"KeyMetadata": metadata(key)}

    def list_keys(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        deps = self._deps
        deps.authorize_identity(ctx, "kms:ListKeys", "*")
        limit = _limit(params)
        marker = params.get("Marker")
        if marker is not None and (not marker or len(marker) > 320):
            raise InvalidMarkerError("The marker is not valid.")
        with deps.store.read() as tx:
            found = tx.keys.page(ctx.principal.account_id, ctx.region, marker, limit + 1)
        page = found[:limit]
        result: dict[str, Any] = {
            "Keys": [{"KeyId": k.key_id, "KeyArn": k.arn} for k in page],
            "Truncated": len(found) > limit,
        }
        if len(found) > limit:
            result["NextMarker"] = page[-1].key_id
        return result

    def enable_key(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._transition(ctx, params["KeyId"], "kms:EnableKey", KeyEvent.ENABLE)
        return {}

    def disable_key(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._transition(ctx, params["KeyId"], "kms:DisableKey", KeyEvent.DISABLE)
        return {}

    def schedule_key_deletion(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        days = params.get("PendingWindowInDays", DELETION_DAYS_DEFAULT)
        if not DELETION_DAYS_MIN <= days <= DELETION_DAYS_MAX:
            raise ValidationError(
                f"PendingWindowInDays must be between {DELETION_DAYS_MIN} and {DELETION_DAYS_MAX}."
            )
        date = self._deps.clock.now() + timedelta(days=days)
        key = self._transition(
            ctx, params["KeyId"], "kms:ScheduleKeyDeletion", KeyEvent.SCHEDULE_DELETION,
            deletion_date=iso(date),
        )  # fmt: skip
        return {"KeyId": key.arn, "DeletionDate": date, "KeyState": key.state.value,
                "PendingWindowInDays": days}  # fmt: skip

    def cancel_key_deletion(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        key = self._transition(
            ctx, params["KeyId"], "kms:CancelKeyDeletion", KeyEvent.CANCEL_DELETION,
            deletion_date=None,
        )  # fmt: skip
        return {"KeyId": key.arn}

    def _transition(
        self, ctx: RequestContext, ref: str, action: str, event: KeyEvent, **changes: Any
    ) -> KeyRecord:
        deps = self._deps
        key = deps.finder.find(ctx, ref)
        deps.authorize(ctx, key, action)
        _customer_managed(key, action)
        with deps.store.write() as tx:
            current = tx.keys.get(key.key_id) or key
            updated = dataclasses.replace(current, state=next_state(current, event), **changes)
            tx.keys.put(updated)
        return updated

    # -- rotation ------------------------------------------------------------------------------
    def enable_key_rotation(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        period = params.get("RotationPeriodInDays", ROTATION_DAYS_DEFAULT)
        if not ROTATION_DAYS_MIN <= period <= ROTATION_DAYS_MAX:
            raise ValidationError(
                f"RotationPeriodInDays must be between {ROTATION_DAYS_MIN} and {ROTATION_DAYS_MAX}."
            )
        nxt = iso(self._deps.clock.now() + timedelta(days=period))
        self._configure(ctx, params["KeyId"], "kms:EnableKeyRotation", rotation_enabled=True,
                        rotation_period_days=period, next_rotation=nxt)  # fmt: skip
        return {}

    def disable_key_rotation(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._configure(ctx, params["KeyId"], "kms:DisableKeyRotation", rotation_enabled=False,
                        next_rotation=None)  # fmt: skip
        return {}

    def get_key_rotation_status(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        key = self._deps.finder.find(ctx, params["KeyId"])
        self._deps.authorize(ctx, key, "kms:GetKeyRotationStatus")
        result: dict[str, Any] = {"KeyRotationEnabled": key.rotation_enabled,
                                  "KeyId": key.arn}  # fmt: skip
        if key.rotation_enabled:
            result["RotationPeriodInDays"] = key.rotation_period_days
            result["NextRotationDate"] = when(key.next_rotation)
        return result

    def rotate_key_on_demand(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        deps = self._deps
        key = deps.finder.find(ctx, params["KeyId"])
        deps.authorize(ctx, key, "kms:RotateKeyOnDemand")
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
    def get_key_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params.get("PolicyName", "default")
        if name != "default":
            raise ValidationError("PolicyName must be 'default'.")
        key = self._deps.finder.find(ctx, params["KeyId"], aliases=False)
        self._deps.authorize(ctx, key, "kms:GetKeyPolicy")
        return {"Policy": key.policy, "PolicyName": "default"}

    def put_key_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params.get("PolicyName", "default")
        if name != "default":
            raise ValidationError("PolicyName must be 'default'.")
        text = params["Policy"]
        parse_key_policy(text)
        self._configure(ctx, params["KeyId"], "kms:PutKeyPolicy", policy=text, aliases=False)
        return {}

    def _configure(
        self, ctx: RequestContext, ref: str, action: str, aliases: bool = True, **changes: Any
    ) -> KeyRecord:
        deps = self._deps
        key = deps.finder.find(ctx, ref, aliases=aliases)
        deps.authorize(ctx, key, action)
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


def _limit(params: dict[str, Any]) -> int:
    limit = params.get("Limit", 100)
    if not 1 <= limit <= LIST_LIMIT_MAX:
        raise ValidationError(f"Limit must be between 1 and {LIST_LIMIT_MAX}.")
    return int(limit)
