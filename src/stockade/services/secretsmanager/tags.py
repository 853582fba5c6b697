"""A secret's tags: TagResource and UntagResource (and the Tags of CreateSecret).

At most 50 tags per secret; keys 1-128 and values 0-256 characters (the model's limits);
"aws:" keys are reserved for AWS (Secrets Manager User Guide, "Tag secrets"). A secret
scheduled for deletion cannot be tagged or untagged (InvalidRequestException).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from stockade.domain.secrets import TAGS_MAX
from stockade.services.context import RequestContext
from stockade.services.secretsmanager.configuration_items import saved
from stockade.services.secretsmanager.errors import InvalidParameterError, LimitExceededError
from stockade.services.secretsmanager.lookup import usable
from stockade.shapes import secretsmanager as shapes
from stockade.store.ports import Store


def checked_tags(
    current: tuple[tuple[str, str], ...], added: Sequence[shapes.Tag]
) -> tuple[tuple[str, str], ...]:
    tags = dict(current)
    for tag in added:
        key, value = tag.get("Key"), tag.get("Value", "")
        if key is None:
            raise InvalidParameterError("A tag must have a Key.")
        if key.lower().startswith("aws:"):
            raise InvalidParameterError("Invalid tag key: the aws: prefix is reserved for AWS.")
        tags[key] = value
    if len(tags) > TAGS_MAX:
        raise LimitExceededError(f"A secret can have at most {TAGS_MAX} tags.")
    return tuple(tags.items())


class SecretTags:
    def __init__(self, store: Store) -> None:
        self._store = store

    def tag_resource(self, ctx: RequestContext, request: shapes.TagResourceRequest) -> None:
        with self._store.write() as tx:
            secret = usable(tx, ctx, request["SecretId"])
            tags = checked_tags(secret.tags, request["Tags"])
            saved(ctx, tx, replace(secret, tags=tags, last_changed=ctx.received_at))

    def untag_resource(self, ctx: RequestContext, request: shapes.UntagResourceRequest) -> None:
        removed = set(request["TagKeys"])
        with self._store.write() as tx:
            secret = usable(tx, ctx, request["SecretId"])
            tags = tuple((k, v) for k, v in secret.tags if k not in removed)
            if tags != secret.tags:
                saved(ctx, tx, replace(secret, tags=tags, last_changed=ctx.received_at))
