"""Key tags: TagResource, UntagResource, ListResourceTags, CreateKey's `Tags`, and
ListKeyPolicies (every key has the one policy, `default`).

As KMS ("TagResource", AWS KMS API reference; "Tagging keys", developer guide): only customer
managed keys are tagged (an AWS managed key's policy allows no tagging, and the handler refuses
it too); a key is named by key id or key ARN, never across accounts ("Cross-account use: No");
a key pending deletion cannot be tagged or untagged (KMSInvalidStateException); a key given
again takes the new value; untagging a key that is not there is no error. Keys of 1-128 and
values of 0-256 characters are the model's bounds (checked by the kernel); keys starting with
`aws:` are reserved (TagException); 50 tags per key (LimitExceededException, the error of every
KMS quota). Tags bear on access: the kernel sees them as `aws:ResourceTag/<key>` (`scopes`),
and a tagging request carries `aws:RequestTag/<key>` and `aws:TagKeys`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import Required, TypedDict

from typing_extensions import ReadOnly

from stockade.services.context import RequestContext
from stockade.services.declaration import Need
from stockade.services.kms.deps import KmsDeps
from stockade.services.kms.errors import (
    InvalidMarkerError,
    LimitExceededError,
    NotFoundError,
    TagError,
    UnsupportedOperationError,
    ValidationError,
)
from stockade.services.kms.keys import parse_ref
from stockade.services.kms.policies import request_keys
from stockade.services.kms.scopes import KeyScope
from stockade.services.kms.states import require_not_pending_deletion
from stockade.shapes import kms as shapes
from stockade.store.key_ports import KeyManager, KeyRecord

TAGS_MAX = 50
LIST_LIMIT_MAX = 50  # ListResourceTags: "between 1 and 50, inclusive ... defaults to 50"
RESERVED_PREFIX = "aws:"
Tags = tuple[tuple[str, str], ...]


def given_tags(tags: Iterable[shapes.Tag]) -> dict[str, str]:
    """The request's tags as a map (a key given twice: the last value), checked."""
    found: dict[str, str] = {}
    for tag in tags:
        key, value = tag["TagKey"], tag["TagValue"]
        if key.lower().startswith(RESERVED_PREFIX):
            raise TagError(f"Tag keys beginning with {RESERVED_PREFIX} are reserved for AWS use.")
        found[key] = value
    return found


def merged(current: Tags, given: dict[str, str]) -> Tags:
    tags = {**dict(current), **given}
    if len(tags) > TAGS_MAX:
        raise LimitExceededError(f"A KMS key can have at most {TAGS_MAX} tags.")
    return tuple(sorted(tags.items()))


def tag_context(ctx: RequestContext, tags: Iterable[shapes.Tag]) -> dict[str, tuple[str, ...]]:
    """The condition keys of a request that sets tags (the tags are checked by the handler,
    after access is decided, as KMS answers: a caller with no access learns nothing)."""
    given = {tag["TagKey"]: tag["TagValue"] for tag in tags}
    keys = request_keys(ctx)
    keys["aws:TagKeys"] = tuple(sorted(given))
    for key, value in given.items():
        keys[f"aws:RequestTag/{key}"] = (value,)
    return keys


def own_key(action: str, keys: KeyScope) -> Callable[[RequestContext, _NamesKey], Sequence[Need]]:
    """`action` on a key of the caller's own account, named by key id or key ARN."""

    def needs(ctx: RequestContext, request: _NamesKey) -> Sequence[Need]:
        reference = request["KeyId"]
        _same_account(ctx, reference)
        context = request_keys(ctx)
        tags = request.get("Tags")
        if tags is not None:
            context = tag_context(ctx, tags)
        untagged = request.get("TagKeys")
        if untagged is not None:
            context["aws:TagKeys"] = tuple(sorted(set(untagged)))
        return [Need(action, reference, keys, context)]

    return needs


class _NamesKey(TypedDict, total=False):
    """What the tag operations and ListKeyPolicies name: a key, and the tags set or removed."""

    KeyId: ReadOnly[Required[str]]
    Tags: ReadOnly[Sequence[shapes.Tag]]
    TagKeys: ReadOnly[Sequence[str]]


def create_key_needs(ctx: RequestContext, request: shapes.CreateKeyRequest) -> Sequence[Need]:
    """kms:CreateKey, and kms:TagResource (IAM policies) to create it with tags, as CreateKey's
    reference says; both with the tags requested as condition keys."""
    tags = request.get("Tags")
    if not tags:
        return [Need("kms:CreateKey", "*", None, request_keys(ctx))]
    context = tag_context(ctx, tags)
    return [Need("kms:CreateKey", "*", None, context), Need("kms:TagResource", "*", None, context)]


def _same_account(ctx: RequestContext, reference: str) -> None:
    ref = parse_ref(ctx, reference, aliases=False)
    if ref.account != ctx.principal.account_id:
        # "Cross-account use: No": another account's key is not found from here.
        raise NotFoundError(ref.describe())


class KeyTags:
    def __init__(self, deps: KmsDeps, keys_by_id: KeyScope) -> None:
        self._deps = deps
        self._keys = keys_by_id

    def tag_resource(self, ctx: RequestContext, request: shapes.TagResourceRequest) -> None:
        given = given_tags(request["Tags"])
        self._change(ctx, request["KeyId"], lambda current: merged(current, given))

    def untag_resource(self, ctx: RequestContext, request: shapes.UntagResourceRequest) -> None:
        dropped = set(request["TagKeys"])
        self._change(
            ctx, request["KeyId"], lambda current: tuple(t for t in current if t[0] not in dropped)
        )

    def list_resource_tags(
        self, ctx: RequestContext, request: shapes.ListResourceTagsRequest
    ) -> shapes.ListResourceTagsResponse:
        limit = request.get("Limit", LIST_LIMIT_MAX)
        if not 1 <= limit <= LIST_LIMIT_MAX:
            raise ValidationError(f"Limit must be between 1 and {LIST_LIMIT_MAX}.")
        key = self._keys.key(ctx, request["KeyId"])
        marker = request.get("Marker")
        tags = list(key.tags)
        if marker is not None:
            if marker not in dict(tags):
                raise InvalidMarkerError("The marker is not valid.")
            tags = [t for t in tags if t[0] > marker]
        page = tags[:limit]
        listed: list[shapes.Tag] = [{"TagKey": k, "TagValue": v} for k, v in page]
        if len(tags) > limit:
            return {"Tags": listed, "Truncated": True, "NextMarker": page[-1][0]}
        return {"Tags": listed, "Truncated": False}

    def list_key_policies(
        self, ctx: RequestContext, request: shapes.ListKeyPoliciesRequest
    ) -> shapes.ListKeyPoliciesResponse:
        limit = request.get("Limit", 100)
        if not 1 <= limit <= 1000:
            raise ValidationError("Limit must be between 1 and 1000.")
        if request.get("Marker") is not None:  # one page holds the one policy: no next page
            raise InvalidMarkerError("The marker is not valid.")
        self._keys.key(ctx, request["KeyId"])
        return {"PolicyNames": ["default"], "Truncated": False}

    def _change(self, ctx: RequestContext, reference: str, change: Callable[[Tags], Tags]) -> None:
        key = self._keys.key(ctx, reference)
        _tagged_key(key)
        deps = self._deps
        with deps.store.write() as tx:
            current = tx.keys.get(key.key_id) or key
            require_not_pending_deletion(current)
            tx.keys.put(dataclasses.replace(current, tags=change(current.tags)))


def _tagged_key(key: KeyRecord) -> None:
    if key.manager is KeyManager.AWS:
        raise UnsupportedOperationError(f"{key.arn} is an AWS managed key; it cannot be tagged.")
