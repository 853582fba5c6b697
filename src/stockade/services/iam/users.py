"""IAM users and their long-term access keys."""

from __future__ import annotations

import dataclasses

from stockade.domain.account import AccessKey, IamUser
from stockade.domain.iam import OwnerKind
from stockade.domain.identity import KeyStatus
from stockade.services.context import RequestContext
from stockade.services.iam import presenters
from stockade.services.iam.common import (
    IamDeps,
    check_path,
    no_such,
    own_name,
    page,
    refuse_tags,
)
from stockade.services.iam.errors import (
    DeleteConflictError,
    EntityAlreadyExistsError,
    LimitExceededError,
    NoSuchEntityError,
    ValidationError,
)
from stockade.services.iam.owned import ensure_boundary, has_policies
from stockade.services.identity import new_access_key_id, new_secret, new_user_id
from stockade.shapes import iam as shapes
from stockade.types import AccessKeyId

_KEYS_PER_USER = 2


class Users:
    def __init__(self, deps: IamDeps) -> None:
        self._deps = deps

    def create_user(
        self, ctx: RequestContext, request: shapes.CreateUserRequest
    ) -> shapes.CreateUserResponse:
        refuse_tags("CreateUser", request)
        name, path = request["UserName"], check_path(request.get("Path"))
        account = ctx.principal.account_id
        with self._deps.store.write() as tx:
            if tx.users.get(account, name) is not None:
                raise EntityAlreadyExistsError(f"User with name {name} already exists.")
            boundary = ensure_boundary(tx, ctx, request.get("PermissionsBoundary"))
            user = IamUser(account, name, new_user_id(), self._deps.clock.now(), path, boundary)
            tx.users.put(user)
        return {"User": presenters.user(user)}

    def get_user(
        self, ctx: RequestContext, request: shapes.GetUserRequest
    ) -> shapes.GetUserResponse:
        name = request.get("UserName") or own_name(ctx)
        with self._deps.store.read() as tx:
            user = tx.users.get(ctx.principal.account_id, name)
        if user is None:
            raise no_such("user", name)
        return {"User": presenters.user(user)}

    def list_users(
        self, ctx: RequestContext, request: shapes.ListUsersRequest
    ) -> shapes.ListUsersResponse:
        prefix = request.get("PathPrefix") or "/"
        with self._deps.store.read() as tx:
            users = [
                u for u in tx.users.all_in(ctx.principal.account_id) if u.path.startswith(prefix)
            ]
        items, paging = page(users, request)
        return {"Users": [presenters.user(u) for u in items], **paging}

    def delete_user(self, ctx: RequestContext, request: shapes.DeleteUserRequest) -> None:
        name = request["UserName"]
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

    # Access keys

    def create_access_key(
        self, ctx: RequestContext, request: shapes.CreateAccessKeyRequest
    ) -> shapes.CreateAccessKeyResponse:
        name = request.get("UserName") or own_name(ctx)
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
        return {"AccessKey": presenters.new_access_key(key)}

    def _load_key(
        self, key: AccessKey | None, ctx: RequestContext, name: str, key_id: str
    ) -> AccessKey:
        if key is None or key.account_id != ctx.principal.account_id or key.user_name != name:
            raise NoSuchEntityError(f"The Access Key with id {key_id} cannot be found.")
        return key

    def delete_access_key(
        self, ctx: RequestContext, request: shapes.DeleteAccessKeyRequest
    ) -> None:
        name = request.get("UserName") or own_name(ctx)
        key_id = AccessKeyId(request["AccessKeyId"])
        with self._deps.store.write() as tx:
            self._load_key(tx.access_keys.get(key_id), ctx, name, key_id)
            tx.access_keys.delete(key_id)

    def update_access_key(
        self, ctx: RequestContext, request: shapes.UpdateAccessKeyRequest
    ) -> None:
        name = request.get("UserName") or own_name(ctx)
        key_id = AccessKeyId(request["AccessKeyId"])
        if request["Status"] not in (KeyStatus.ACTIVE, KeyStatus.INACTIVE):
            # The model's enum also names Expired, which only IAM itself may set.
            raise ValidationError("An access key's status can be set to Active or Inactive only.")
        status = KeyStatus(request["Status"])
        with self._deps.store.write() as tx:
            key = self._load_key(tx.access_keys.get(key_id), ctx, name, key_id)
            tx.access_keys.put(dataclasses.replace(key, status=status))

    def list_access_keys(
        self, ctx: RequestContext, request: shapes.ListAccessKeysRequest
    ) -> shapes.ListAccessKeysResponse:
        name = request.get("UserName") or own_name(ctx)
        account = ctx.principal.account_id
        with self._deps.store.read() as tx:
            if tx.users.get(account, name) is None:
                raise no_such("user", name)
            keys = tx.access_keys.list_for_user(account, name)
        items, paging = page(keys, request)
        return {"AccessKeyMetadata": [presenters.access_key(k) for k in items], **paging}

    def get_access_key_last_used(
        self, ctx: RequestContext, request: shapes.GetAccessKeyLastUsedRequest
    ) -> shapes.GetAccessKeyLastUsedResponse:
        key_id = AccessKeyId(request["AccessKeyId"])
        with self._deps.store.read() as tx:
            key = tx.access_keys.get(key_id)
        if key is None or key.account_id != ctx.principal.account_id:
            raise NoSuchEntityError(f"The Access Key with id {key_id} cannot be found.")
        return {"UserName": key.user_name, "AccessKeyLastUsed": presenters.last_used(key)}
