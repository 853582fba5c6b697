"""Tags of buses and rules: TagResource, UntagResource, ListTagsForResource.

A missing resource is answered as EventBridge answers it: "Event bus <name> does not exist."
or "Rule <name> does not exist on EventBus <bus>.". Tagging the default bus stores it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from stockade.domain.events import EventBus, Rule
from stockade.services.context import RequestContext
from stockade.services.events.buses import materialized
from stockade.services.events.lookup import existing_bus, existing_rule, tag_list, tag_map
from stockade.services.events.names import BusRef, resource_ref
from stockade.shapes import events as shapes
from stockade.store.ports import Store, Transaction


class EventTags:
    def __init__(self, store: Store, region: str) -> None:
        self._store = store
        self._region = region

    def _load(self, tx: Transaction, ctx: RequestContext, arn: str) -> EventBus | Rule:
        ref = resource_ref(arn)
        if isinstance(ref, BusRef):
            return existing_bus(tx, ctx, self._region, ref)
        return existing_rule(tx, ctx, self._region, ref)

    def _save(self, tx: Transaction, now: datetime, resource: EventBus | Rule) -> None:
        if isinstance(resource, EventBus):
            tx.events.put_bus(materialized(resource, now))
        else:
            tx.events.put_rule(resource)

    def tag_resource(
        self, ctx: RequestContext, request: shapes.TagResourceRequest
    ) -> shapes.TagResourceResponse:
        with self._store.write() as tx:
            resource = self._load(tx, ctx, request["ResourceARN"])
            tags = {**resource.tags, **tag_map(request["Tags"])}
            self._save(tx, ctx.received_at, replace(resource, tags=tags))
        return {}

    def untag_resource(
        self, ctx: RequestContext, request: shapes.UntagResourceRequest
    ) -> shapes.UntagResourceResponse:
        removed = set(request["TagKeys"])
        with self._store.write() as tx:
            resource = self._load(tx, ctx, request["ResourceARN"])
            tags = {k: v for k, v in resource.tags.items() if k not in removed}
            if tags != dict(resource.tags):
                self._save(tx, ctx.received_at, replace(resource, tags=tags))
        return {}

    def list_tags_for_resource(
        self, ctx: RequestContext, request: shapes.ListTagsForResourceRequest
    ) -> shapes.ListTagsForResourceResponse:
        with self._store.read() as tx:
            resource = self._load(tx, ctx, request["ResourceARN"])
        return {"Tags": tag_list(resource.tags)}  # type: ignore[typeddict-item]
