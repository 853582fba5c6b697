"""Queue tags: TagQueue, UntagQueue, ListQueueTags, and the `tags` of CreateQueue.

SQS's rules ("Quotas related to queues", Amazon SQS Developer Guide): a key of 1-128 and a value
of 0-256 Unicode characters, letters, digits, whitespace and `_ . : / = + - @` only, neither
starting with the reserved `aws:`; keys and values are case-sensitive; a key given again
replaces its value. The guide does not recommend more than 50 tags; SQS refuses more with
InvalidParameterValue, as the whole request then fails and no tag changes. Cross-account
permissions do not apply to tagging: only the caller's own policies decide (see `service`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from stockade.services.context import RequestContext
from stockade.services.sqs.errors import InvalidParameterValueError
from stockade.services.sqs.scope import existing_queue, no_queue
from stockade.shapes import sqs as shapes
from stockade.store.queue_ports import QueueEngine, QueueId, QueueNotFoundError, QueueSettings

TAGS_MAX = 50
KEY_MAX, VALUE_MAX = 128, 256
_ALLOWED = re.compile(r"[\w\s.:/=+\-@]*")  # \w: Unicode letters and digits (and _)
RESERVED_PREFIX = "aws:"

Tags = tuple[tuple[str, str], ...]


def _bad(message: str) -> InvalidParameterValueError:
    return InvalidParameterValueError(message)


def _check_key(key: str) -> None:
    if not 1 <= len(key) <= KEY_MAX:
        raise _bad(f"Tag keys must be between 1 and {KEY_MAX} characters in length.")
    if not _ALLOWED.fullmatch(key):
        raise _bad("Tag keys may only contain Unicode letters, digits, whitespace, or one of"
                   " these symbols: _ . : / = + - @")  # fmt: skip
    if key.lower().startswith(RESERVED_PREFIX):
        raise _bad(f"Tag keys must not start with the reserved prefix {RESERVED_PREFIX}")


def _check_value(value: str) -> None:
    if len(value) > VALUE_MAX:
        raise _bad(f"Tag values must be between 0 and {VALUE_MAX} characters in length.")
    if not _ALLOWED.fullmatch(value):
        raise _bad("Tag values may only contain Unicode letters, digits, whitespace, or one of"
                   " these symbols: _ . : / = + - @")  # fmt: skip
    if value.lower().startswith(RESERVED_PREFIX):
        raise _bad(f"Tag values must not start with the reserved prefix {RESERVED_PREFIX}")


def merged(queue_name: str, current: Tags, given: Mapping[str, str]) -> Tags:
    """`current` with `given` added (a key given again takes the new value), checked."""
    for key, value in given.items():
        _check_key(key)
        _check_value(value)
    tags = {**dict(current), **given}
    if len(tags) > TAGS_MAX:
        raise _bad(f"Too many tags added for queue {queue_name}.")
    return tuple(sorted(tags.items()))


def without(current: Tags, keys: Sequence[str]) -> Tags:
    for key in keys:
        if not 1 <= len(key) <= KEY_MAX:
            raise _bad(f"Tag keys must be between 1 and {KEY_MAX} characters in length.")
    dropped = set(keys)
    return tuple((k, v) for k, v in current if k not in dropped)


class QueueTags:
    def __init__(self, engine: QueueEngine) -> None:
        self._engine = engine

    def tag_queue(self, ctx: RequestContext, request: shapes.TagQueueRequest) -> None:
        given = request.get("Tags") or {}
        if not given:
            raise _bad("The request must contain at least one tag.")
        info = existing_queue(self._engine, request["QueueUrl"])
        tags = merged(info.queue_id.name, info.settings.tags, given)
        self._set(info.queue_id, info.settings, tags)

    def untag_queue(self, ctx: RequestContext, request: shapes.UntagQueueRequest) -> None:
        keys = list(request.get("TagKeys") or ())
        if not keys:
            raise _bad("The request must contain at least one tag key.")
        info = existing_queue(self._engine, request["QueueUrl"])
        self._set(info.queue_id, info.settings, without(info.settings.tags, keys))

    def list_queue_tags(
        self, ctx: RequestContext, request: shapes.ListQueueTagsRequest
    ) -> shapes.ListQueueTagsResult:
        info = existing_queue(self._engine, request["QueueUrl"])
        return {"Tags": dict(info.settings.tags)} if info.settings.tags else {}

    def _set(self, queue_id: QueueId, settings: QueueSettings, tags: Tags) -> None:
        try:
            self._engine.set_settings(queue_id, replace(settings, tags=tags))
        except QueueNotFoundError as exc:
            raise no_queue() from exc
