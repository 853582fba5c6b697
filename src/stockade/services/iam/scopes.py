"""Where IAM's resources get their ARNs: an entity's ARN includes its path, which only the store
knows (arn:aws:iam::ACCOUNT:user/PATH/NAME), so a request naming a user, group or role by name
is authorized against the stored entity's ARN.

An entity that does not exist is authorized under its name-only ARN: authorization still comes
first, and a caller allowed to ask hears the handler's NoSuchEntity, as before. IAM entities
have no resource policies; only the caller's own policies decide.
"""

from __future__ import annotations

from stockade.domain.account import IamUser
from stockade.domain.arn import iam_arn
from stockade.domain.iam import IamGroup, IamRole
from stockade.services.context import RequestContext
from stockade.services.declaration import Located
from stockade.store.ports import Store
from stockade.types import AccessKeyId, AccountId


class IamEntities:
    """Users, groups and roles, named by their name-only ARN (`arn:aws:iam::ACCOUNT:user/NAME`)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def locate(self, ctx: RequestContext, reference: str) -> Located:
        parts = reference.split(":", 5)
        if len(parts) != 6:
            return Located(reference)
        account = AccountId(parts[4])
        kind, _, name = parts[5].partition("/")
        found: IamUser | IamGroup | IamRole | None
        with self._store.read() as tx:
            if kind == "user":
                found = tx.users.get(account, name)
            elif kind == "group":
                found = tx.groups.get(account, name)
            elif kind == "role":
                found = tx.roles.get(account, name)
            else:
                return Located(reference)
        return Located(reference if found is None else found.arn)


class AccessKeyOwners:
    """An access key, named by its id, is authorized as its user (GetAccessKeyLastUsed).

    A key that is not the caller account's has no user to name: it is authorized against the
    account's `user/` prefix, which only a grant on every user of the account matches."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def locate(self, ctx: RequestContext, reference: str) -> Located:
        account = ctx.principal.account_id
        with self._store.read() as tx:
            key = tx.access_keys.get(AccessKeyId(reference))
            if key is not None and key.account_id == account:
                user = tx.users.get(account, key.user_name)
                if user is not None:
                    return Located(user.arn)
                return Located(iam_arn(account, f"user/{key.user_name}"))
        return Located(iam_arn(account, "user/"))
