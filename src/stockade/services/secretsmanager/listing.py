"""ListSecrets (and the Filters BatchGetSecretValue shares with it) and their page tokens.

Filters as the API reference and "Find secrets in AWS Secrets Manager" describe them: keys
`name`, `description`, `tag-key`, `tag-value`, `primary-region`, `owning-service` and `all`
(name, description, tag keys and values); each value matches by prefix, case-sensitively, a
leading `!` negates it; a secret matches when every filter has a value that matches (values of
one filter are alternatives). Secrets scheduled for deletion are listed only with
IncludePlannedDeletion. Order: CreatedDate (or SortBy), ascending unless SortOrder is `desc`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from stockade.domain.secrets import Secret
from stockade.services.context import RequestContext
from stockade.services.secretsmanager.errors import InvalidNextTokenError, InvalidParameterError
from stockade.services.secretsmanager.lookup import expired
from stockade.services.secretsmanager.render import described
from stockade.shapes import secretsmanager as shapes
from stockade.store.ports import Store
from stockade.types import AccountId

LIST_DEFAULT = 100
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _fields(secret: Secret, key: str) -> Iterable[str]:
    if key == "name":
        return (secret.name,)
    if key == "description":
        return () if secret.description is None else (secret.description,)
    if key == "tag-key":
        return tuple(k for k, _ in secret.tags)
    if key == "tag-value":
        return tuple(v for _, v in secret.tags)
    if key == "all":
        return (*_fields(secret, "name"), *_fields(secret, "description"),
                *_fields(secret, "tag-key"), *_fields(secret, "tag-value"))  # fmt: skip
    return ()  # primary-region, owning-service: no replicas or managed secrets here


def _value_matches(secret: Secret, key: str, value: str) -> bool:
    negated = value.startswith("!")
    prefix = value[1:] if negated else value
    found = any(text.startswith(prefix) for text in _fields(secret, key))
    return found != negated


def matches(secret: Secret, filters: Sequence[Mapping[str, Any]]) -> bool:
    for spec in filters:
        key, values = spec.get("Key"), spec.get("Values", ())
        if key is None or not values:
            raise InvalidParameterError("Each filter must have a Key and at least one value.")
        if not any(_value_matches(secret, key, value) for value in values):
            return False
    return True


def encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def decode_token(token: str | None) -> int:
    if token is None:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise InvalidNextTokenError("The NextToken value is invalid.") from exc
    if not isinstance(offset, int) or offset < 0:
        raise InvalidNextTokenError("The NextToken value is invalid.")
    return offset


def _sort_key(by: str) -> Any:
    if by == "name":
        return lambda s: (s.name, s.arn)
    if by == "last-changed-date":
        return lambda s: (s.last_changed, s.arn)
    if by == "last-accessed-date":
        return lambda s: (s.last_accessed or _EPOCH, s.arn)
    return lambda s: (s.created, s.arn)


def selected(
    store: Store,
    ctx: RequestContext,
    filters: Sequence[Mapping[str, Any]],
    planned_deletion: bool = False,
    sort_by: str = "created-date",
    descending: bool = False,
) -> list[Secret]:
    with store.read() as tx:
        every = tx.secrets.all(AccountId(ctx.principal.account_id))
    chosen = [
        s
        for s in every
        if not expired(s, ctx.received_at)
        and (planned_deletion or not s.scheduled_for_deletion)
        and matches(s, filters)
    ]
    return sorted(chosen, key=_sort_key(sort_by), reverse=descending)


def page(items: Sequence[Any], token: str | None, limit: int) -> tuple[Sequence[Any], str | None]:
    offset = decode_token(token)
    if offset > len(items):
        raise InvalidNextTokenError("The NextToken value is invalid.")
    chunk = items[offset : offset + limit]
    after = offset + len(chunk)
    return chunk, encode_token(after) if after < len(items) else None


class SecretListing:
    def __init__(self, store: Store) -> None:
        self._store = store

    def list_secrets(
        self, ctx: RequestContext, request: shapes.ListSecretsRequest
    ) -> shapes.ListSecretsResponse:
        secrets = selected(
            self._store,
            ctx,
            request.get("Filters", ()),
            request.get("IncludePlannedDeletion", False),
            request.get("SortBy", "created-date"),
            request.get("SortOrder", "asc") == "desc",
        )
        chunk, token = page(
            secrets, request.get("NextToken"), request.get("MaxResults", LIST_DEFAULT)
        )
        out: dict[str, Any] = {"SecretList": [described(s, listed=True) for s in chunk]}
        if token is not None:
            out["NextToken"] = token
        return out  # type: ignore[return-value]
