"""A secret's life: CreateSecret, UpdateSecret, DescribeSecret, DeleteSecret, RestoreSecret.

    (none) --Create--> active --Delete(window 7-30 d)--> scheduled --Restore--> active
    active | scheduled --Delete(ForceDeleteWithoutRecovery)--> gone
    scheduled --window passes (sweep, or any lookup after it)--> gone

A secret scheduled for deletion answers InvalidRequestException to every use but Describe,
ListSecretVersionIds, GetResourcePolicy, Restore and a forced Delete; its name cannot be
reused until it is gone. Values go through `ValueCipher`, so only ciphertext is ever stored.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from stockade.domain.secrets import (
    CURRENT,
    PENDING,
    PREVIOUS,
    RECOVERY_DAYS_DEFAULT,
    RECOVERY_DAYS_MAX,
    RECOVERY_DAYS_MIN,
    Secret,
    SecretVersion,
)
from stockade.services.context import RequestContext
from stockade.services.secretsmanager.configuration_items import removed, saved
from stockade.services.secretsmanager.errors import (
    InvalidParameterError,
    InvalidRequestError,
    ResourceExistsError,
)
from stockade.services.secretsmanager.lookup import existing, expired, usable
from stockade.services.secretsmanager.names import check_name, new_arn
from stockade.services.secretsmanager.render import described, named
from stockade.services.secretsmanager.stages import add_version
from stockade.services.secretsmanager.tags import checked_tags
from stockade.services.secretsmanager.values import ValueCipher, value_of, version_id
from stockade.shapes import secretsmanager as shapes
from stockade.store.ports import Store
from stockade.types import AccountId

_UNSUPPORTED = ("AddReplicaRegions", "CrossAccountPrimaryARN", "Type")


class SecretLifecycle:
    def __init__(self, store: Store, region: str, values: ValueCipher) -> None:
        self._store = store
        self._region = region
        self._values = values

    def create_secret(
        self, ctx: RequestContext, request: shapes.CreateSecretRequest
    ) -> shapes.CreateSecretResponse:
        name = check_name(request["Name"])
        given = [key for key in _UNSUPPORTED if key in request]
        if given:
            raise InvalidRequestError(f"{given[0]} is not supported by this service.")
        value = value_of(request, required=False)
        tags = checked_tags((), request.get("Tags", ()))
        account = AccountId(ctx.principal.account_id)
        now = ctx.received_at
        token = version_id(request)
        with self._store.read() as tx:
            found = tx.secrets.get(account, name)
        if found is not None and not expired(found, now):
            return self._created_before(ctx, found, token, value)
        arn = new_arn(self._region, account, name)
        secret = Secret(
            account, name, arn, now, now, request.get("Description"),
            request.get("KmsKeyId") or None, tags,
        )  # fmt: skip
        if value is not None:
            version = self._values.seal(ctx, secret.kms_key_id, arn, token, value, now)
            secret = replace(secret, versions=add_version((), version, (CURRENT,), now))
        with self._store.write() as tx:
            again = tx.secrets.get(account, name)
            if again is not None:
                if not expired(again, now):
                    raise _exists(name)
                removed(ctx, tx, again)  # its window passed before the sweep came by
            saved(ctx, tx, secret)
        out: dict[str, Any] = named(secret)
        if value is not None:
            out["VersionId"] = token
        return out  # type: ignore[return-value]

    def _created_before(
        self, ctx: RequestContext, found: Secret, token: str, value: Any
    ) -> shapes.CreateSecretResponse:
        """A retried CreateSecret (same token, same value) answers as the first did."""
        if found.scheduled_for_deletion:
            raise InvalidRequestError(
                "You can't create this secret because a secret with this name is already"
                " scheduled for deletion."
            )
        if value is None or self._values.same_version(ctx, found, token, value) is None:
            raise _exists(found.name)
        return {**named(found), "VersionId": token}  # type: ignore[typeddict-item]

    def update_secret(
        self, ctx: RequestContext, request: shapes.UpdateSecretRequest
    ) -> shapes.UpdateSecretResponse:
        value = value_of(request, required=False)
        now = ctx.received_at
        token = version_id(request)
        with self._store.read() as tx:
            secret = usable(tx, ctx, request["SecretId"])
        key_ref = secret.kms_key_id
        if "KmsKeyId" in request:
            key_ref = request["KmsKeyId"] or None
        version = None
        if value is not None:
            version = self._values.same_version(ctx, secret, token, value)
            if version is None:
                version = self._values.seal(ctx, key_ref, secret.arn, token, value, now)
            else:
                value = None  # a retry: nothing new
        resealed = self._resealed(ctx, secret, key_ref) if key_ref != secret.kms_key_id else {}
        with self._store.write() as tx:
            current = usable(tx, ctx, request["SecretId"])
            changed = replace(current, kms_key_id=key_ref, last_changed=now,
                              versions=_with_resealed(current.versions, resealed))  # fmt: skip
            if "Description" in request:
                changed = replace(changed, description=request["Description"])
            if value is not None and version is not None and current.version(token) is None:
                changed = replace(
                    changed, versions=add_version(current.versions, version, (CURRENT,), now)
                )
            saved(ctx, tx, changed)
        out: dict[str, Any] = named(changed)
        if version is not None:
            out["VersionId"] = version.version_id
        return out  # type: ignore[return-value]

    def _resealed(
        self, ctx: RequestContext, secret: Secret, key_ref: str | None
    ) -> dict[str, tuple[SecretVersion, SecretVersion]]:
        """A new key re-encrypts the AWSCURRENT, AWSPENDING and AWSPREVIOUS versions, each
        kept under its old key too ("Change the encryption key", Secrets Manager User Guide):
        {version id: (as read, resealed)}, leaving out what the caller could not reseal."""
        found = {}
        for version in secret.versions:
            if not {CURRENT, PENDING, PREVIOUS} & set(version.stages):
                continue
            again = self._values.resealed(ctx, key_ref, secret, version)
            if again is not None:
                found[version.version_id] = (version, again)
        return found

    def describe_secret(
        self, ctx: RequestContext, request: shapes.DescribeSecretRequest
    ) -> shapes.DescribeSecretResponse:
        with self._store.read() as tx:
            secret = existing(tx, ctx, request["SecretId"])
        return described(secret)  # type: ignore[return-value]

    def delete_secret(
        self, ctx: RequestContext, request: shapes.DeleteSecretRequest
    ) -> shapes.DeleteSecretResponse:
        force = request.get("ForceDeleteWithoutRecovery", False)
        days = request.get("RecoveryWindowInDays")
        if force and days is not None:
            raise InvalidParameterError(
                "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays."
            )
        if days is not None and not RECOVERY_DAYS_MIN <= days <= RECOVERY_DAYS_MAX:
            raise InvalidParameterError(
                f"The RecoveryWindowInDays value must be between {RECOVERY_DAYS_MIN} and"
                f" {RECOVERY_DAYS_MAX} days (inclusive)."
            )
        now = ctx.received_at
        with self._store.write() as tx:
            secret = existing(tx, ctx, request["SecretId"])
            if force:
                removed(ctx, tx, secret)
                return {**named(secret), "DeletionDate": now}  # type: ignore[typeddict-item]
            if secret.scheduled_for_deletion:
                raise InvalidRequestError(
                    "You can't delete secret because it is already scheduled for deletion."
                )
            when = now + timedelta(days=days or RECOVERY_DAYS_DEFAULT)
            saved(ctx, tx, replace(secret, deletion_date=when, last_changed=now))
        return {**named(secret), "DeletionDate": when}  # type: ignore[typeddict-item]

    def restore_secret(
        self, ctx: RequestContext, request: shapes.RestoreSecretRequest
    ) -> shapes.RestoreSecretResponse:
        with self._store.write() as tx:
            secret = existing(tx, ctx, request["SecretId"])
            if secret.scheduled_for_deletion:
                saved(ctx, tx, replace(secret, deletion_date=None, last_changed=ctx.received_at))
        return named(secret)  # type: ignore[return-value]


def _exists(name: str) -> ResourceExistsError:
    return ResourceExistsError(f"The operation failed because the secret {name} already exists.")


def _with_resealed(
    versions: tuple[SecretVersion, ...], resealed: dict[str, tuple[SecretVersion, SecretVersion]]
) -> tuple[SecretVersion, ...]:
    """`versions` with each resealed one replaced, if it is still sealed as it was read (a
    concurrent change wins; stages are taken from the stored version)."""
    out = []
    for version in versions:
        pair = resealed.get(version.version_id)
        if pair is not None and pair[0].ciphertext_b64 == version.ciphertext_b64:
            out.append(replace(pair[1], stages=version.stages,
                               last_accessed=version.last_accessed))  # fmt: skip
        else:
            out.append(version)
    return tuple(out)
