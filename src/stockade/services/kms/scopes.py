"""Where KMS resources keep their policies, for the kernel's authorization (`PolicyScope`s).

A key's policy is required: a request is allowed only if the key policy allows it, directly or
by naming the account (which delegates to IAM policies), as in AWS. A key is named by key id,
key ARN, alias name or alias ARN (`KeyScope`), or by the header of a ciphertext
(`CiphertextKeyScope`); a key that does not exist is KMS's NotFoundException before any access
decision, as KMS answers. A service using a key for its caller finds it first, with the same
errors, and asks about that key (`FoundKey`). Aliases have no policy of their own: only IAM
policies decide on the alias ARN (`AliasScope`).

An alias may be re-pointed between authorization and the handler: `KeyScope.key` gives the
handler the key that was authorized for its request, not whatever the alias names by then.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from stockade.errors import InternalError
from stockade.services.context import RequestContext
from stockade.services.declaration import Located
from stockade.services.kms.errors import IncorrectKeyError, NotFoundError
from stockade.services.kms.keys import KeyFinder, alias_arn, parse_ref
from stockade.services.kms.policies import attached
from stockade.store.key_ports import KeyRecord

# Requests between a `locate` and its handler; a denied request leaves its entry behind.
_REMEMBERED_MAX = 1024


def located(key: KeyRecord, grant: str | None = None) -> Located:
    """A key as authorization sees it: its ARN, its required policy (plus a grant a service
    holds on it, evaluated with the policy) and its tags as `aws:ResourceTag/<key>` (ABAC)."""
    tags = {f"aws:ResourceTag/{k}": (v,) for k, v in key.tags}
    return Located(key.arn, attached(key, grant), policy_required=True, context=tags)


class _Remembered:
    """Which key an alias named when a request was authorized (bounded, oldest dropped)."""

    def __init__(self) -> None:
        self._keys: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, request: str, reference: str, key_id: str) -> None:
        with self._lock:
            self._keys[(request, reference)] = key_id
            self._keys.move_to_end((request, reference))
            while len(self._keys) > _REMEMBERED_MAX:
                self._keys.popitem(last=False)

    def take(self, request: str, reference: str) -> str | None:
        with self._lock:
            return self._keys.pop((request, reference), None)


class KeyScope:
    """A key named by key id or key ARN, or (when `aliases`) by alias name or alias ARN."""

    def __init__(self, finder: KeyFinder, aliases: bool = True) -> None:
        self._finder = finder
        self._aliases = aliases
        self._remembered = _Remembered()

    def locate(self, ctx: RequestContext, reference: str) -> Located:
        key = self._finder.find(ctx, reference, self._aliases)
        if ctx.request_id and parse_ref(ctx, reference, self._aliases).alias is not None:
            self._remembered.put(ctx.request_id, reference, key.key_id)
        return located(key)

    def key(self, ctx: RequestContext, reference: str) -> KeyRecord:
        """For the handler: the key `locate` found for this request (found afresh by a key id
        or ARN, which always name the same key)."""
        ref = parse_ref(ctx, reference, self._aliases)
        key_id = None
        if ctx.request_id and ref.alias is not None:
            key_id = self._remembered.take(ctx.request_id, reference)
        if key_id is None:
            return self._finder.find(ctx, reference, self._aliases)
        key = self._finder.by_id(key_id)
        if key is None:  # deleted since
            raise NotFoundError(ref.describe())
        return key


class CiphertextKeyScope:
    """The key a ciphertext names (the reference is the key id in its header), in any account.
    `named`: the KeyId the request gives too, which must be that key (IncorrectKeyException)."""

    def __init__(self, finder: KeyFinder, named: str | None = None) -> None:
        self._finder = finder
        self._named = named

    def locate(self, ctx: RequestContext, reference: str) -> Located:
        key = self._finder.of_ciphertext(ctx, reference)
        if self._named is not None and self._finder.find(ctx, self._named).key_id != key.key_id:
            raise IncorrectKeyError(
                "The key ID in the request does not identify a KMS key that can perform this"
                " operation."
            )
        return located(key)


class FoundKey:
    """A key its user has already found (Lambda, using a key for its caller), so that the key
    decided on is the key used: its required policy, with a grant the user holds on it."""

    def __init__(self, key: KeyRecord, grant: str | None = None) -> None:
        self._key = key
        self._grant = grant

    def locate(self, ctx: RequestContext, reference: str) -> Located:
        if reference != self._key.arn:  # a need naming another key is a bug: allow nothing
            raise InternalError("a found key's scope was asked about another resource")
        return located(self._key, self._grant)


class AliasScope:
    """An alias of the caller's account and Region (the reference is its name): IAM policies
    only. For a new alias, `target` is the key it is to name, which must exist in the same
    account and Region; otherwise the alias itself must exist (NotFoundException)."""

    def __init__(self, finder: KeyFinder, target: str | None = None) -> None:
        self._finder = finder
        self._target = target

    def locate(self, ctx: RequestContext, reference: str) -> Located:
        account = ctx.principal.account_id
        arn = alias_arn(ctx.region, account, reference)
        if self._target is None:
            if not self._finder.alias_exists(account, ctx.region, reference):
                raise NotFoundError(f"Alias {arn} is not found.")
            return Located(arn)
        key = self._finder.find(ctx, self._target, aliases=False)
        if key.account_id != account or key.region != ctx.region:
            raise NotFoundError(f"Key '{key.arn}' does not exist")
        return Located(arn)
