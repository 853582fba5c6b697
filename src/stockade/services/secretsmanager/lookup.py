"""Finding the secret a `SecretId` names, for authorization (`SecretScope`) and for handlers.

A secret whose recovery window has passed is gone even before the sweep removes its record.
Authorization of a secret that does not exist is decided on the partial ARN of its name (or the
ARN as given), by the caller's policies alone; the handler then answers
ResourceNotFoundException, as Secrets Manager does for a caller that may act on it.
"""

from __future__ import annotations

from datetime import datetime

from stockade.domain.secrets import Secret
from stockade.policy import AttachedPolicy, PolicyKind, parse_policy
from stockade.services.context import RequestContext
from stockade.services.declaration import Located
from stockade.services.secretsmanager.errors import marked_for_deletion, no_secret
from stockade.services.secretsmanager.names import SUFFIX_LENGTH, name_arn, parse_secret_id
from stockade.store.ports import Store, Transaction
from stockade.types import AccountId


def find(tx: Transaction, ctx: RequestContext, secret_id: str) -> Secret | None:
    """The secret `secret_id` names in the caller's account, if it exists (and is not past
    its recovery window)."""
    account = AccountId(ctx.principal.account_id)
    ref = parse_secret_id(secret_id)
    found: Secret | None
    if ref.name is not None:
        found = tx.secrets.get(account, ref.name)
    elif ref.account != account or ref.arn is None:
        found = None  # secrets are not shared across accounts here
    else:
        found = tx.secrets.by_arn(ref.arn)
        if found is None:  # a partial ARN: the one secret whose ARN is it plus a suffix
            matches = [
                s
                for s in tx.secrets.by_arn_prefix(account, ref.arn + "-")
                if len(s.arn) == len(ref.arn) + 1 + SUFFIX_LENGTH
            ]
            found = matches[0] if len(matches) == 1 else None
    return None if found is None or expired(found, ctx.received_at) else found


def expired(secret: Secret, now: datetime) -> bool:
    return secret.deletion_date is not None and secret.deletion_date <= now


def existing(tx: Transaction, ctx: RequestContext, secret_id: str) -> Secret:
    found = find(tx, ctx, secret_id)
    if found is None:
        raise no_secret()
    return found


def usable(tx: Transaction, ctx: RequestContext, secret_id: str) -> Secret:
    """An existing secret that is not scheduled for deletion (what changes and reads need)."""
    secret = existing(tx, ctx, secret_id)
    if secret.scheduled_for_deletion:
        raise marked_for_deletion()
    return secret


def resource_policy(secret: Secret) -> AttachedPolicy | None:
    if secret.policy is None:
        return None
    return AttachedPolicy(secret.arn, parse_policy(secret.policy, PolicyKind.RESOURCE))


def tag_context(secret: Secret) -> dict[str, tuple[str, ...]]:
    """The secret's tags as the condition keys Secrets Manager documents for them."""
    keys: dict[str, tuple[str, ...]] = {}
    for key, value in secret.tags:
        keys[f"secretsmanager:ResourceTag/{key}"] = (value,)
        keys[f"aws:ResourceTag/{key}"] = (value,)
    return keys


class SecretScope:
    """Where a secret keeps its policy: `reference` is the request's SecretId."""

    def __init__(self, store: Store, region: str) -> None:
        self._store = store
        self._region = region

    def locate(self, ctx: RequestContext, reference: str) -> Located:
        with self._store.read() as tx:
            secret = find(tx, ctx, reference)
        if secret is None:
            ref = parse_secret_id(reference)
            arn = ref.arn or name_arn(self._region, ctx.principal.account_id, reference)
            return Located(arn)
        return Located(secret.arn, resource_policy(secret), context=tag_context(secret))
