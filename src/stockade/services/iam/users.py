"""IAM users and their long-term access keys."""

from __future__ import annotations

import dataclasses
from typing import Any

from stockade.domain.account import AccessKey, IamUser
from stockade.domain.iam import OwnerKind
from stockade.domain.identity import KeyStatus, PrincipalKind
from stockade.services.context import RequestContext
from stockade.services.iam import presenters
from stockade.services.iam.common import IamDeps, authorize, check_path, entity_arn, no_such, page
from stockade.services.iam.errors import (
    DeleteConflictError,
    EntityAlreadyExistsError,
    LimitExceededError,
    NoSuchEntityError,
)
from stockade.services.iam.owned import ensure_boundary, has_policies
from stockade.services.identity import new_access_key_id, new_secret, new_user_id
from stockade.types import AccessKeyId

_KEYS_PER_USER = 2


class Users:
    def __init__(self, deps: IamDeps) -> None:
        self._deps = deps

    def create_user(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name, path = params["UserName"], check_path(params.get("Path"))
        authorize(self._deps, ctx, "CreateUser", entity_arn(ctx, "user", name, path))
        account = ctx.principal.account_id
        with self._deps.store.write() as tx:
            if tx.users.get(account, name) is not None:
                raise EntityAlreadyExistsError(f"User with name {name} already exists.")
            boundary = ensure_boundary(tx, ctx, params.get("PermissionsBoundary"))
            user = IamUser(account, name, new_user_id(), self._deps.clock.now(), path, boundary)
            tx.users.put(user)
        return {"User": presenters.user(user)}

    def get_user(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params.get("UserName") or _own_name(ctx)
        authorize(self._deps, ctx, "GetUser", entity_arn(ctx, "user", name))
        with self._deps.store.read() as tx:
            user = tx.users.get(ctx.principal.account_id, name)
        if user is None:
            raise no_such("user", name)
        return {"User": presenters.user(user)}

    def list_users(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        authorize(self._deps, ctx, "ListUsers", entity_arn(ctx, "user", ""))
        prefix = params.get("PathPrefix") or "/"
        with self._deps.store.read() as tx:
            users = [
                u for u in tx.users.all_in(ctx.principal.account_id) if u.path.startswith(prefix)
            ]
        items, extra = page(users, params)
        return {"Users": [presenters.user(u) for u in items], **extra}

    def delete_user(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["UserName"]
        authorize(self._deps, ctx, "DeleteUser", entity_arn(ctx, "user", name))
        account = ctx.principal.account_id
        with self._deps.store.write() as tx:
            if tx.users.get(account, name) is None:
                raise no_such("user", name)
            inline, attached = has_policies(tx, ctx, OwnerKind.USER, name)
            if inline:
                raise DeleteConflictError("Cannot delete entity, must delete policies first.")
            if attached:
                raise DeleteConflictError("Cannot delete entity, must detach all policies first.")
            if tx.access_keys.list_for_user(account, name):
                raise DeleteConflictError("Cannot delete entity, must delete access keys first.")
            if tx.groups.groups_of(account, name):
                raise DeleteConflictError(
                    "Cannot delete entity, must remove users from group first."
                )
            tx.users.delete(account, name)
        return {}

    # Access keys

    def create_access_key(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params.get("UserName") or _own_name(ctx)
        authorize(self._deps, ctx, "CreateAccessKey", entity_arn(ctx, "user", name))
        account = ctx.principal.account_id
        with self._deps.store.write() as tx:
            if tx.users.get(account, name) is None:
                raise no_such("user", name)
            if len(tx.access_keys.list_for_user(account, name)) >= _KEYS_PER_USER:
                raise LimitExceededError(
                    f"Cannot exceed quota for AccessKeysPerUser: {_KEYS_PER_USER}"
                )
            key = AccessKey(
                new_access_key_id(), account, name, new_secret(), self._deps.clock.now()
            )
            tx.access_keys.put(key)
        # The only time the secret is ever shown.
        return {"AccessKey": presenters.access_key(key, with_secret=True)}

    def _key(
        self, ctx: RequestContext, params: dict[str, Any], action: str
    ) -> tuple[str, AccessKeyId]:
        name = params.get("UserName") or _own_name(ctx)
        authorize(self._deps, ctx, action, entity_arn(ctx, "user", name))
        return name, AccessKeyId(params["AccessKeyId"])

    def _load_key(
        self, key: AccessKey | None, ctx: RequestContext, name: str, key_id: str
    ) -> AccessKey:
        if key is None or key.account_id != ctx.principal.account_id or key.user_name != name:
            raise NoSuchEntityError(f"The Access Key with id {key_id} cannot be found.")
        return key

    def delete_access_key(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name, key_id = self._key(ctx, params, "DeleteAccessKey")
        with self._deps.store.write() as tx:
            self._load_key(tx.access_keys.get(key_id), ctx, name, key_id)
            tx.access_keys.delete(key_id)
        return {}

    def update_access_key(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name, key_id = self._key(ctx, params, "UpdateAccessKey")
        status = KeyStatus(params["Status"])
        with self._deps.store.write() as tx:
            key = self._load_key(tx.access_keys.get(key_id), ctx, name, key_id)
            tx.access_keys.put(dataclasses.replace(key, status=status))
        return {}

    def list_access_keys(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params.get("UserName") or _own_name(ctx)
        authorize(self._deps, ctx, "ListAccessKeys", entity_arn(ctx, "user", name))
        account = ctx.principal.account_id
        with self._deps.store.read() as tx:
            if tx.users.get(account, name) is None:
                raise no_such("user", name)
            keys = tx.access_keys.list_for_user(account, name)
        items, extra = page(keys, params)
        return {"AccessKeyMetadata": [presenters.access_key(k) for k in items], **extra}

    def get_access_key_last_used(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        key_id = AccessKeyId(params["AccessKeyId"])
        with self._deps.store.read() as tx:
            key = tx.access_keys.get(key_id)
        if key is None or key.account_id != ctx.principal.account_id:
            raise NoSuchEntityError(f"The Access Key with id {key_id} cannot be found.")
        authorize(self._deps, ctx, "GetAccessKeyLastUsed", entity_arn(ctx, "user", key.user_name))
        last_used: dict[str, Any] = {"ServiceName": "N/A", "Region": "N/A"}
        if key.last_used is not None:
            last_used["LastUsedDate"] = key.last_used
        return {"UserName": key.user_name, "AccessKeyLastUsed": last_used}


def _own_name(ctx: RequestContext) -> str:
    """Operations without UserName act on the calling user."""
    if ctx.principal.kind is not PrincipalKind.IAM_USER:
        raise NoSuchEntityError("Must specify a userName when calling with non-User credentials")
    return ctx.principal.name
