"""CreateAlias, ListAliases, DeleteAlias. `alias/aws/*` names belong to AWS managed keys.

Handlers run once the kernel has allowed their needs (`needs`): the action on the alias by IAM
policies and on its key by the key policy, as AWS's "Controlling access to aliases" says.
"""

from __future__ import annotations

import re

from stockade.services.context import RequestContext
from stockade.services.kms.deps import KmsDeps, when
from stockade.services.kms.errors import (
    AlreadyExistsError,
    InvalidAliasNameError,
    NotFoundError,
    ValidationError,
)
from stockade.services.kms.keys import alias_arn, iso
from stockade.services.kms.scopes import KeyScope
from stockade.services.kms.states import require_not_pending_deletion
from stockade.shapes import kms as shapes
from stockade.store.key_ports import AliasRecord, KeyManager

_NAME = re.compile(r"alias/[a-zA-Z0-9:/_-]{1,250}")
LIMIT_MAX = 100


def checked_alias_name(name: str) -> str:
    """An alias name a caller may create or delete (before anything else is looked at)."""
    if not _NAME.fullmatch(name):
        raise ValidationError(
            'Alias must start with the prefix "alias/" and contain only letters, digits,'
            " '/', '_', '-' and ':' (at most 256 characters)."
        )
    if name.startswith("alias/aws/"):
        raise InvalidAliasNameError(f"Alias {name} cannot begin with the reserved alias/aws/.")
    return name


class Aliases:
    def __init__(self, deps: KmsDeps, keys: KeyScope, keys_by_id: KeyScope) -> None:
        self._deps = deps
        self._keys = keys
        self._keys_by_id = keys_by_id  # an alias names a key by key id or key ARN

    def create_alias(self, ctx: RequestContext, request: shapes.CreateAliasRequest) -> None:
        deps = self._deps
        name = checked_alias_name(request["AliasName"])
        account = ctx.principal.account_id
        arn = alias_arn(ctx.region, account, name)
        key = self._keys_by_id.key(ctx, request["TargetKeyId"])
        if key.account_id != account or key.region != ctx.region:
            raise NotFoundError(f"Key '{key.arn}' does not exist")
        require_not_pending_deletion(key)
        if key.manager is KeyManager.AWS:
            raise InvalidAliasNameError("An alias cannot point at an AWS managed key.")
        now = iso(deps.clock.now())
        with deps.store.write() as tx:
            if tx.aliases.get(account, ctx.region, name) is not None:
                raise AlreadyExistsError(f"An alias with the name {arn} already exists")
            tx.aliases.put(AliasRecord(account, ctx.region, name, key.key_id, now, now))

    def delete_alias(self, ctx: RequestContext, request: shapes.DeleteAliasRequest) -> None:
        name = checked_alias_name(request["AliasName"])
        account = ctx.principal.account_id
        authorized = self._keys.key(ctx, name)  # the key the alias named when authorized
        with self._deps.store.write() as tx:
            alias = tx.aliases.get(account, ctx.region, name)
            if alias is None or alias.target_key_id != authorized.key_id:  # changed since
                raise NotFoundError(f"Alias {alias_arn(ctx.region, account, name)} is not found.")
            tx.aliases.delete(account, ctx.region, name)

    def list_aliases(
        self, ctx: RequestContext, request: shapes.ListAliasesRequest
    ) -> shapes.ListAliasesResponse:
        deps = self._deps
        limit = request.get("Limit", 50)
        if not 1 <= limit <= LIMIT_MAX:
            raise ValidationError(f"Limit must be between 1 and {LIMIT_MAX}.")
        named = request.get("KeyId")
        key_id = None if named is None else deps.finder.find(ctx, named, aliases=False).key_id
        with deps.store.read() as tx:
            found = tx.aliases.page(
                ctx.principal.account_id, ctx.region, key_id, request.get("Marker"), limit + 1
            )
        page = found[:limit]
        aliases: list[shapes.AliasListEntry] = [
            {
                "AliasName": a.name,
                "AliasArn": alias_arn(a.region, a.account_id, a.name),
                "TargetKeyId": a.target_key_id,
                "CreationDate": when(a.created),
                "LastUpdatedDate": when(a.updated),
            }
            for a in page
        ]
        if len(found) > limit:
            return {"Aliases": aliases, "Truncated": True, "NextMarker": page[-1].name}
        return {"Aliases": aliases, "Truncated": False}
