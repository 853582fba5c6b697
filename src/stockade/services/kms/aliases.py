"""CreateAlias, ListAliases, DeleteAlias. `alias/aws/*` names belong to AWS managed keys."""

from __future__ import annotations

import re
from typing import Any

from stockade.services.context import RequestContext
from stockade.services.kms.deps import KmsDeps, when
from stockade.services.kms.errors import (
    AlreadyExistsError,
    InvalidAliasNameError,
    NotFoundError,
    ValidationError,
)
from stockade.services.kms.keys import alias_arn, iso
from stockade.services.kms.states import require_not_pending_deletion
from stockade.store.key_ports import AliasRecord, KeyManager

_NAME = re.compile(r"alias/[a-zA-Z0-9:/_-]{1,250}")
LIMIT_MAX = 100


def _checked_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValidationError(
            'Alias must start with the prefix "alias/" and contain only letters, digits,'
            " '/', '_', '-' and ':' (at most 256 characters)."
        )
    if name.startswith("alias/aws/"):
        raise InvalidAliasNameError(f"Alias {name} cannot begin with the reserved alias/aws/.")
    return name


class Aliases:
    def __init__(self, deps: KmsDeps) -> None:
        self._deps = deps

    def create_alias(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        deps = self._deps
        name = _checked_name(params["AliasName"])
        account = ctx.principal.account_id
        arn = alias_arn(ctx.region, account, name)
        key = deps.finder.find(ctx, params["TargetKeyId"], aliases=False)
        if key.account_id != account or key.region != ctx.region:
            raise NotFoundError(f"Key '{key.arn}' does not exist")
        deps.authorize_identity(ctx, "kms:CreateAlias", arn)
        deps.authorize(ctx, key, "kms:CreateAlias")
        require_not_pending_deletion(key)
        if key.manager is KeyManager.AWS:
            raise InvalidAliasNameError("An alias cannot point at an AWS managed key.")
        now = iso(deps.clock.now())
        with deps.store.write() as tx:
            if tx.aliases.get(account, ctx.region, name) is not None:
                raise AlreadyExistsError(f"An alias with the name {arn} already exists")
            tx.aliases.put(AliasRecord(account, ctx.region, name, key.key_id, now, now))
        return {}

    def delete_alias(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        deps = self._deps
        name = _checked_name(params["AliasName"])
        account = ctx.principal.account_id
        arn = alias_arn(ctx.region, account, name)
        with deps.store.read() as tx:
            alias = tx.aliases.get(account, ctx.region, name)
        if alias is None:
            raise NotFoundError(f"Alias {arn} is not found.")
        deps.authorize_identity(ctx, "kms:DeleteAlias", arn)
        key = deps.finder.by_id(alias.target_key_id)
        if key is not None:
            deps.authorize(ctx, key, "kms:DeleteAlias")
        with deps.store.write() as tx:
            tx.aliases.delete(account, ctx.region, name)
        return {}

    def list_aliases(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        deps = self._deps
        deps.authorize_identity(ctx, "kms:ListAliases", "*")
        limit = params.get("Limit", 50)
        if not 1 <= limit <= LIMIT_MAX:
            raise ValidationError(f"Limit must be between 1 and {LIMIT_MAX}.")
        key_id = None
        if params.get("KeyId") is not None:
            key_id = deps.finder.find(ctx, params["KeyId"], aliases=False).key_id
        with deps.store.read() as tx:
            found = tx.aliases.page(
                ctx.principal.account_id, ctx.region, key_id, params.get("Marker"), limit + 1
            )
        page = found[:limit]
        result: dict[str, Any] = {
            "Aliases": [
                {
                    "AliasName": a.name,
                    "AliasArn": alias_arn(a.region, a.account_id, a.name),
                    "TargetKeyId": a.target_key_id,
                    "CreationDate": when(a.created),
                    "LastUpdatedDate": when(a.updated),
                }
                for a in page
            ],
            "Truncated": len(found) > limit,
        }
        if len(found) > limit:
            result["NextMarker"] = page[-1].name
        return result
