"""Versions and their values: GetSecretValue, BatchGetSecretValue, PutSecretValue,
ListSecretVersionIds and UpdateSecretVersionStage.

GetSecretValue answers the version VersionId names, else the one VersionStage names, else
AWSCURRENT; both given must agree ("You provided a VersionStage that is not associated to the
provided VersionId."). LastAccessedDate is kept to the day, as Secrets Manager keeps it, so a
read writes at most once a day. BatchGetSecretValue decides `secretsmanager:GetSecretValue` on
each secret through the kernel (`Decider`), and answers a secret it may not read, or cannot
find, as an entry of Errors rather than failing the whole call (the API reference).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from stockade.domain.secrets import BATCH_IDS_MAX, CURRENT, Secret, SecretVersion
from stockade.errors import ApiError
from stockade.services.context import RequestContext
from stockade.services.declaration import Decider, Need
from stockade.services.secretsmanager.errors import (
    AccessDeniedError,
    InvalidParameterError,
    InvalidRequestError,
    ResourceNotFoundError,
)
from stockade.services.secretsmanager.listing import page, selected
from stockade.services.secretsmanager.lookup import SecretScope, existing, usable
from stockade.services.secretsmanager.render import named
from stockade.services.secretsmanager.stages import add_version, move_stage
from stockade.services.secretsmanager.values import ValueCipher, value_of, version_id
from stockade.shapes import secretsmanager as shapes
from stockade.store.ports import Store


def _day(instant: datetime) -> datetime:
    return instant.replace(hour=0, minute=0, second=0, microsecond=0)


def chosen_version(secret: Secret, wanted_id: str | None, stage: str | None) -> SecretVersion:
    if wanted_id is not None:
        version = secret.version(wanted_id)
        if version is None:
            raise ResourceNotFoundError(
                f"Secrets Manager can't find the specified secret value for VersionId: {wanted_id}"
            )
        if stage is not None and stage not in version.stages:
            raise InvalidRequestError(
                "You provided a VersionStage that is not associated to the provided VersionId."
            )
        if not version.has_value:  # a rotation's version before its createSecret step
            raise ResourceNotFoundError(
                f"Secrets Manager can't find the specified secret value for VersionId: {wanted_id}"
            )
        return version
    label = stage or CURRENT
    found = secret.staged(label)
    if found is None or not found.has_value:
        raise ResourceNotFoundError(
            f"Secrets Manager can't find the specified secret value for staging label: {label}"
        )
    return found


class SecretReads:
    def __init__(
        self, store: Store, values: ValueCipher, decider: Decider, scope: SecretScope
    ) -> None:
        self._store = store
        self._values = values
        self._decider = decider
        self._scope = scope

    def get_secret_value(
        self, ctx: RequestContext, request: shapes.GetSecretValueRequest
    ) -> shapes.GetSecretValueResponse:
        return self._get(ctx, request["SecretId"], request.get("VersionId"),
                         request.get("VersionStage"))  # type: ignore[return-value]  # fmt: skip

    def _get(
        self, ctx: RequestContext, secret_id: str, wanted: str | None, stage: str | None
    ) -> dict[str, Any]:
        with self._store.read() as tx:
            secret = usable(tx, ctx, secret_id)
        version = chosen_version(secret, wanted, stage)
        value = self._values.open(ctx, secret, version)
        self._touch(ctx, secret, version)
        return {
            **named(secret),
            "VersionId": version.version_id,
            **value.render(),
            "VersionStages": list(version.stages),
            "CreatedDate": version.created,
        }

    def _touch(self, ctx: RequestContext, secret: Secret, version: SecretVersion) -> None:
        today = _day(ctx.received_at)
        if secret.last_accessed == today and version.last_accessed == today:
            return
        with self._store.write() as tx:
            current = tx.secrets.get(secret.account_id, secret.name)
            if current is None or current.arn != secret.arn:
                return
            versions = tuple(
                replace(v, last_accessed=today) if v.version_id == version.version_id else v
                for v in current.versions
            )
            tx.secrets.put(replace(current, last_accessed=today, versions=versions))

    def batch_get_secret_value(
        self, ctx: RequestContext, request: shapes.BatchGetSecretValueRequest
    ) -> shapes.BatchGetSecretValueResponse:
        ids, filters = request.get("SecretIdList"), request.get("Filters")
        if (ids is None) == (filters is None):
            raise InvalidParameterError(
                "Either 'SecretIdList' or 'Filters' must be provided, but not both."
            )
        out: dict[str, Any] = {}
        if ids is not None:
            if "MaxResults" in request or "NextToken" in request:
                raise InvalidParameterError(
                    "'MaxResults' and 'NextToken' can be used only with 'Filters'."
                )
            if len(ids) > BATCH_IDS_MAX:
                raise InvalidParameterError(f"You can retrieve at most {BATCH_IDS_MAX} secrets.")
            wanted: list[str] = list(ids)
        else:
            assert filters is not None
            secrets = selected(self._store, ctx, filters)
            chunk, token = page(secrets, request.get("NextToken"),
                                request.get("MaxResults", BATCH_IDS_MAX))  # fmt: skip
            wanted = [s.arn for s in chunk]
            if token is not None:
                out["NextToken"] = token
        values, errors = [], []
        for secret_id in wanted:
            try:
                need = Need("secretsmanager:GetSecretValue", secret_id, self._scope,
                            {"secretsmanager:SecretId": (secret_id,)})  # fmt: skip
                self._decider.decide(ctx, need, AccessDeniedError)
                values.append(self._get(ctx, secret_id, None, None))
            except ApiError as error:
                errors.append({"SecretId": secret_id, "ErrorCode": error.code,
                               "Message": error.message})  # fmt: skip
        out["SecretValues"] = values
        out["Errors"] = errors
        return out  # type: ignore[return-value]

    def put_secret_value(
        self, ctx: RequestContext, request: shapes.PutSecretValueRequest
    ) -> shapes.PutSecretValueResponse:
        value = value_of(request, required=True)
        assert value is not None
        token = version_id(request)
        stages = tuple(request.get("VersionStages", (CURRENT,)))
        now = ctx.received_at
        with self._store.read() as tx:
            secret = usable(tx, ctx, request["SecretId"])
        same = self._values.same_version(ctx, secret, token, value)
        if same is not None:
            return {**named(secret), "VersionId": token,  # type: ignore[typeddict-item]
                    "VersionStages": list(same.stages)}  # fmt: skip
        version = self._values.seal(ctx, secret.kms_key_id, secret.arn, token, value, now)
        with self._store.write() as tx:
            current = usable(tx, ctx, request["SecretId"])
            placeholder = current.version(token)
            if placeholder is not None and placeholder.has_value:
                raise InvalidRequestError(
                    "A version with this ClientRequestToken was just created."
                )
            kept = current.versions
            if placeholder is not None:  # a rotation's empty AWSPENDING version: filled now
                kept = tuple(v for v in kept if v.version_id != token)
                stages = (*placeholder.stages, *stages)
            versions = add_version(kept, version, stages, now)
            tx.secrets.put(replace(current, versions=versions, last_changed=now))
        added = next(v for v in versions if v.version_id == token)
        return {**named(secret), "VersionId": token,  # type: ignore[typeddict-item]
                "VersionStages": list(added.stages)}  # fmt: skip

    def list_secret_version_ids(
        self, ctx: RequestContext, request: shapes.ListSecretVersionIdsRequest
    ) -> shapes.ListSecretVersionIdsResponse:
        with self._store.read() as tx:
            secret = existing(tx, ctx, request["SecretId"])
        shown = [v for v in secret.versions if v.stages or request.get("IncludeDeprecated", False)]
        chunk, token = page(shown, request.get("NextToken"), request.get("MaxResults", 100))
        entries = []
        for v in chunk:
            entry: dict[str, Any] = {"VersionId": v.version_id, "CreatedDate": v.created}
            if v.key_arn:  # (a rotation's version is empty until createSecret fills it)
                entry["KmsKeyIds"] = [v.key_arn]
            if v.stages:
                entry["VersionStages"] = list(v.stages)
            if v.last_accessed is not None:
                entry["LastAccessedDate"] = v.last_accessed
            entries.append(entry)
        out: dict[str, Any] = {**named(secret), "Versions": entries}
        if token is not None:
            out["NextToken"] = token
        return out  # type: ignore[return-value]

    def update_secret_version_stage(
        self, ctx: RequestContext, request: shapes.UpdateSecretVersionStageRequest
    ) -> shapes.UpdateSecretVersionStageResponse:
        with self._store.write() as tx:
            secret = usable(tx, ctx, request["SecretId"])
            versions = move_stage(
                secret.versions, request["VersionStage"], request.get("RemoveFromVersionId"),
                request.get("MoveToVersionId"), ctx.received_at,
            )  # fmt: skip
            tx.secrets.put(replace(secret, versions=versions, last_changed=ctx.received_at))
        return named(secret)  # type: ignore[return-value]
