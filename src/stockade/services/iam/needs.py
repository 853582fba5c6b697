"""What each IAM operation needs: `iam:<Operation>` on the resource the request names.

IAM's action names are its operation names. The resource is the entity's ARN: the stored
entity's (its path included, through `IamEntities`) for users, groups and roles that exist; the
ARN the request's Path and name give for Create*; the policy ARN as given for managed
policies; the account's `user/`, `group/`, `role/` or `policy/` prefix for listings.

Condition keys from the request, as IAM documents them: `iam:PolicyARN` on Attach*/Detach*,
and `iam:PermissionsBoundary` where the request sets a boundary (CreateUser, CreateRole,
Put{User,Role}PermissionsBoundary).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from stockade.services.context import RequestContext
from stockade.services.declaration import Need
from stockade.services.iam.common import entity_arn, own_name
from stockade.services.iam.scopes import AccessKeyOwners, IamEntities
from stockade.store.ports import Store

# Declared needs read requests by member name; the kernel has validated them against the model.
Request = Mapping[str, object]
NeedsOf = Callable[[RequestContext, Request], Sequence[Need]]


def _text(request: Request, member: str) -> str:
    value = request[member]
    if not isinstance(value, str):  # pragma: no cover - the kernel validated the request
        raise TypeError(f"{member} is not a string")
    return value


def _optional(request: Request, member: str) -> str | None:
    return _text(request, member) if request.get(member) is not None else None


class IamNeeds:
    def __init__(self, store: Store) -> None:
        self.entities = IamEntities(store)
        self.key_owners = AccessKeyOwners(store)

    def entity(self, action: str, kind: str, member: str) -> NeedsOf:
        """An existing user, group or role named by `member`."""

        def needs(ctx: RequestContext, request: Request) -> Sequence[Need]:
            arn = entity_arn(ctx, kind, _text(request, member))
            return [Need(f"iam:{action}", arn, self.entities)]

        return needs

    def user_or_caller(self, action: str) -> NeedsOf:
        """A user named by the optional UserName, or else the calling user."""

        def needs(ctx: RequestContext, request: Request) -> Sequence[Need]:
            name = _optional(request, "UserName") or own_name(ctx)
            return [Need(f"iam:{action}", entity_arn(ctx, "user", name), self.entities)]

        return needs

    def new_entity(self, action: str, kind: str, member: str) -> NeedsOf:
        """A user, group, role or policy about to be created, under the request's Path."""

        def needs(ctx: RequestContext, request: Request) -> Sequence[Need]:
            path = _optional(request, "Path")
            arn = entity_arn(ctx, kind, _text(request, member), path)
            boundary = _optional(request, "PermissionsBoundary")
            context = {} if boundary is None else {"iam:PermissionsBoundary": (boundary,)}
            return [Need(f"iam:{action}", arn, context=context)]

        return needs

    def attachment(self, action: str, kind: str, member: str) -> NeedsOf:
        """A managed policy attached to or detached from an existing entity."""

        def needs(ctx: RequestContext, request: Request) -> Sequence[Need]:
            arn = entity_arn(ctx, kind, _text(request, member))
            context = {"iam:PolicyARN": (_text(request, "PolicyArn"),)}
            return [Need(f"iam:{action}", arn, self.entities, context)]

        return needs

    def boundary(self, action: str, kind: str, member: str) -> NeedsOf:
        """A permissions boundary set on an existing user or role."""

        def needs(ctx: RequestContext, request: Request) -> Sequence[Need]:
            arn = entity_arn(ctx, kind, _text(request, member))
            context = {"iam:PermissionsBoundary": (_text(request, "PermissionsBoundary"),)}
            return [Need(f"iam:{action}", arn, self.entities, context)]

        return needs

    def access_key(self, action: str) -> NeedsOf:
        """The user an access key (AccessKeyId) belongs to."""

        def needs(ctx: RequestContext, request: Request) -> Sequence[Need]:
            return [Need(f"iam:{action}", _text(request, "AccessKeyId"), self.key_owners)]

        return needs

    @staticmethod
    def listing(action: str, kind: str) -> NeedsOf:
        """Every entity of a kind in the caller's account."""

        def needs(ctx: RequestContext, request: Request) -> Sequence[Need]:
            return [Need(f"iam:{action}", entity_arn(ctx, kind, ""))]

        return needs

    @staticmethod
    def policy(action: str) -> NeedsOf:
        """A managed policy named by its ARN (AWS-managed ones included)."""

        def needs(ctx: RequestContext, request: Request) -> Sequence[Need]:
            return [Need(f"iam:{action}", _text(request, "PolicyArn"))]

        return needs
