"""Tags on functions and event source mappings: TagResource, UntagResource, ListTags."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from stockade.services.context import RequestContext
from stockade.services.lambda_ import esm_tags, names
from stockade.services.lambda_.configuration_items import record_change
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import InvalidParameterValueError
from stockade.shapes import lambda_ as shapes

MAX_TAGS = 50


def checked_tags(tags: Mapping[str, str]) -> dict[str, str]:
    reserved = sorted(k for k in tags if k.lower().startswith("aws:"))
    if reserved:
        raise InvalidParameterValueError(
            f"Tag keys starting with 'aws:' are reserved for system use: {', '.join(reserved)}"
        )
    if len(tags) > MAX_TAGS:  # counted after merging with the tags already there
        raise InvalidParameterValueError("Number of tags exceeds resource tag limit.")
    return dict(tags)


def tagged_target(deps: LambdaDeps, ctx: RequestContext, resource: str) -> names.Target:
    """The function a tagging operation names (versions and aliases carry no tags)."""
    target = names.resolve(deps, ctx, resource)
    if target.qualifier is not None:
        raise InvalidParameterValueError(
            "Tags on function aliases and versions are not supported. Please specify a"
            " function ARN."
        )
    return target


class Tags:
    def __init__(self, deps: LambdaDeps) -> None:
        self._deps = deps

    def tag_resource(self, ctx: RequestContext, request: shapes.TagResourceRequest) -> None:
        if esm_tags.mapping_uuid(request["Resource"]) is not None:
            added = request["Tags"]
            if not added:
                raise InvalidParameterValueError(
                    "An error occurred and the request cannot be processed."
                )
            esm_tags.put_tags(
                self._deps, ctx, request["Resource"], lambda tags: checked_tags({**tags, **added})
            )
            return
        target = tagged_target(self._deps, ctx, request["Resource"])
        with self._deps.store.write() as tx:
            function = names.load_function(tx, target)
            if not request["Tags"]:  # Lambda's answer to an empty map (recorded AWS response)
                raise InvalidParameterValueError(
                    "An error occurred and the request cannot be processed."
                )
            merged = checked_tags({**function.tags, **request["Tags"]})
            tx.functions.put(replace(function, tags=merged))
            record_change(self._deps, ctx, tx, target.account_id, target.name)

    def untag_resource(self, ctx: RequestContext, request: shapes.UntagResourceRequest) -> None:
        if esm_tags.mapping_uuid(request["Resource"]) is not None:
            gone = set(request["TagKeys"])
            esm_tags.put_tags(
                self._deps,
                ctx,
                request["Resource"],
                lambda tags: {k: v for k, v in tags.items() if k not in gone},
            )
            return
        target = tagged_target(self._deps, ctx, request["Resource"])
        with self._deps.store.write() as tx:
            function = names.load_function(tx, target)
            remaining = {k: v for k, v in function.tags.items() if k not in request["TagKeys"]}
            tx.functions.put(replace(function, tags=remaining))
            record_change(self._deps, ctx, tx, target.account_id, target.name)

    def list_tags(
        self, ctx: RequestContext, request: shapes.ListTagsRequest
    ) -> shapes.ListTagsResponse:
        if esm_tags.mapping_uuid(request["Resource"]) is not None:
            return {"Tags": esm_tags.list_tags(self._deps, ctx, request["Resource"])}
        target = tagged_target(self._deps, ctx, request["Resource"])
        with self._deps.store.read() as tx:
            function = names.load_function(tx, target)
        return {"Tags": dict(function.tags)}
