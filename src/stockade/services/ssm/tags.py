"""AddTagsToResource, RemoveTagsFromResource, ListTagsForResource for ResourceType
Parameter (ResourceId: the parameter's name). Other resource types of Systems Manager exist
nowhere here, so their ids are answered as AWS answers an id it does not know
(InvalidResourceId). A parameter holds at most 50 tags (TooManyTagsError).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from stockade.domain.parameters import Parameter
from stockade.services.context import RequestContext
from stockade.services.ssm import configuration_items
from stockade.services.ssm.errors import InvalidResourceIdError, TooManyTagsError
from stockade.services.ssm.names import canonical, from_reference
from stockade.store.ports import Store, Transaction
from stockade.types import AccountId

TAGS_MAX = 50
PARAMETER = "Parameter"


class ParameterTags:
    def __init__(self, store: Store, region: str) -> None:
        self._store = store
        self._region = region

    def _load(self, tx: Transaction, ctx: RequestContext, request: Mapping[str, Any]) -> Parameter:
        if request["ResourceType"] != PARAMETER:
            raise InvalidResourceIdError("Invalid Resource Id")
        account = ctx.principal.account_id
        name = canonical(from_reference(str(request["ResourceId"]), account, ctx.region))
        found = tx.parameters.get(AccountId(ctx.principal.account_id), name)
        if found is None:
            raise InvalidResourceIdError("Invalid Resource Id")
        return found

    def add_tags_to_resource(
        self, ctx: RequestContext, request: Mapping[str, Any]
    ) -> dict[str, Any]:
        with self._store.write() as tx:
            parameter = self._load(tx, ctx, request)
            tags = {**parameter.tags, **{str(t["Key"]): str(t["Value"]) for t in request["Tags"]}}
            if len(tags) > TAGS_MAX:
                raise TooManyTagsError(
                    f"Number of tags on the resource exceeds the maximum of {TAGS_MAX}."
                )
            changed = replace(parameter, tags=tags)
            tx.parameters.put(changed)
            configuration_items.record(ctx, tx, self._region, parameter.name, changed)
        return {}

    def remove_tags_from_resource(
        self, ctx: RequestContext, request: Mapping[str, Any]
    ) -> dict[str, Any]:
        removed = {str(key) for key in request["TagKeys"]}
        with self._store.write() as tx:
            parameter = self._load(tx, ctx, request)
            tags = {k: v for k, v in parameter.tags.items() if k not in removed}
            if tags != dict(parameter.tags):
                changed = replace(parameter, tags=tags)
                tx.parameters.put(changed)
                configuration_items.record(ctx, tx, self._region, parameter.name, changed)
        return {}

    def list_tags_for_resource(
        self, ctx: RequestContext, request: Mapping[str, Any]
    ) -> dict[str, Any]:
        with self._store.read() as tx:
            parameter = self._load(tx, ctx, request)
        return {"TagList": [{"Key": k, "Value": v} for k, v in sorted(parameter.tags.items())]}
