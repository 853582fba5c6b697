"""What the EC2 use cases share: ids, ARNs, DryRun, tags on creation, filters, paging.

Requests arrive as the kernel parsed them from the model (no generated typed shapes: EC2's
model is vast and this slice serves a handful of operations), so each use case reads the
members it serves from a `Request` mapping.
"""

from __future__ import annotations

import fnmatch
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from stockade.domain.network import ResourceKind, Tags
from stockade.services.ec2.errors import (
    DryRunOperationError,
    InvalidParameterCombinationError,
    InvalidParameterValueError,
    TagLimitExceededError,
)

Request = Mapping[str, Any]
T = TypeVar("T")
TAGS_PER_RESOURCE_MAX = 50  # EC2 user guide, "Tag restrictions"
TAG_KEY_MAX = 127
TAG_VALUE_MAX = 256
PAGE_MIN, PAGE_MAX = 5, 1000  # DescribeVpcs and siblings: MaxResults 5..1000 (EC2 reference)


class IdSource(Protocol):
    """Where new resource ids come from: random in service, counted in tests if wanted."""

    def new_id(self, prefix: str) -> str: ...


class RandomIds:
    """AWS's long id form: the prefix and 17 lowercase hex digits (`vpc-0a1b...`)."""

    def new_id(self, prefix: str) -> str:
        return f"{prefix}-{secrets.token_hex(9)[:17]}"


def arn(region: str, account: str, kind: ResourceKind, resource_id: str) -> str:
    return f"arn:aws:ec2:{region}:{account}:{kind.value}/{resource_id}"


def check_dry_run(request: Request) -> None:
    """After authorization, as EC2 does: a dry run that would have been allowed says so."""
    if request.get("DryRun"):
        raise DryRunOperationError("Request would have succeeded, but DryRun flag is set.")


def tags_to_create(request: Request, kind: ResourceKind) -> Tags:
    """The tags of `TagSpecifications` for the resource `kind` the operation creates."""
    found: list[tuple[str, str]] = []
    for spec in request.get("TagSpecifications", ()):
        given = spec.get("ResourceType")
        if given != kind.value:
            raise InvalidParameterValueError(
                f"'{str(given)[:64]}' is not a valid taggable resource type for this operation."
            )
        found.extend(checked_tags(spec.get("Tags", ())))
    return limited(tuple(dict(found).items()))


def checked_tags(tags: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    checked = []
    for tag in tags:
        key, value = tag.get("Key"), tag.get("Value", "")
        if not isinstance(key, str) or not key:
            raise InvalidParameterValueError("Tag key must not be empty.")
        if len(key) > TAG_KEY_MAX or len(value) > TAG_VALUE_MAX:
            raise InvalidParameterValueError(
                f"Tag keys may be {TAG_KEY_MAX} characters long and values {TAG_VALUE_MAX}."
            )
        if key.lower().startswith("aws:"):
            raise InvalidParameterValueError(
                "Tag keys starting with 'aws:' are reserved for internal use"
            )
        checked.append((key, str(value)))
    return checked


def limited(tags: Tags) -> Tags:
    if len(tags) > TAGS_PER_RESOURCE_MAX:
        raise TagLimitExceededError(
            f"The maximum number of tags per resource is {TAGS_PER_RESOURCE_MAX}."
        )
    return tags


def rendered_tags(tags: Tags) -> dict[str, Any]:
    """The `Tags` member of an answer: left out when there are none, as EC2 does."""
    return {"Tags": [{"Key": k, "Value": v} for k, v in tags]} if tags else {}


Attributes = Mapping[str, Sequence[str]]


def matching(
    items: Iterable[T],
    filters: Sequence[Mapping[str, Any]],
    attributes: Callable[[T], Attributes],
    tags: Callable[[T], Tags],
) -> list[T]:
    """The items every filter matches: a filter matches when any of its values matches any
    of the item's values for its name (`*` and `?` are wildcards, as EC2's are)."""
    result = []
    for item in items:
        known = attributes(item)
        if all(_matches(f, known, tags(item)) for f in filters):
            result.append(item)
    return result


def _matches(given: Mapping[str, Any], known: Attributes, tags: Tags) -> bool:
    name = str(given.get("Name", ""))
    wanted = [str(v) for v in given.get("Values", ())]
    if name.startswith("tag:"):
        have: Sequence[str] = [v for k, v in tags if k == name[4:]]
    elif name == "tag-key":
        have = [k for k, _ in tags]
    elif name == "tag-value":
        have = [v for _, v in tags]
    elif name in known:
        have = known[name]
    else:
        raise InvalidParameterValueError(f"The filter '{name[:128]}' is invalid")
    return any(fnmatch.fnmatchcase(h, w) for h in have for w in wanted)


def page(
    items: Sequence[T], key: Callable[[T], str], request: Request, ids_member: str
) -> tuple[list[T], str | None]:
    """One page of `items` (sorted by `key`) after `NextToken`, at most `MaxResults` long."""
    limit = request.get("MaxResults")
    if limit is None:
        return list(items), None
    if request.get(ids_member):
        raise InvalidParameterCombinationError(
            f"The parameter {ids_member} cannot be used with the parameter maxResults"
        )
    if not PAGE_MIN <= limit <= PAGE_MAX:
        raise InvalidParameterValueError(
            f"Value ( {limit} ) for parameter maxResults is invalid. Parameter must be between"
            f" {PAGE_MIN} and {PAGE_MAX}."
        )
    after = request.get("NextToken") or ""
    rest = [item for item in items if key(item) > after]
    chosen = rest[:limit]
    return chosen, key(chosen[-1]) if len(rest) > limit else None
