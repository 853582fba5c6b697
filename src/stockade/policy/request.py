"""What is being authorised: who (principal), what (action), on what (resource), in what context.

Everything the evaluator needs repeatedly is derived once here: the lower-cased action, the
split resource ARN, the lower-cased context, and the principal's "links" - the names a
resource-based policy may use for the caller, strongest first:

- DIRECT: the caller itself (IAM user, role session, federated-user session, service,
  anonymous caller, web-identity provider, canonical user),
- PARENT: the role behind a role session, or the IAM user behind a federated-user session,
- ACCOUNT: the caller's account, as `123456789012` or `arn:aws:iam::123456789012:root`.

Every AWS-style link also carries the name "*", so `{"AWS": "*"}` names any AWS principal
(including anonymous callers) but not a service.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType

from stockade.policy.errors import InvalidAuthorizationInputError
from stockade.policy.matching import split_arn


class PrincipalKind(Enum):
    ROOT = "root"
    USER = "user"
    ASSUMED_ROLE = "assumed-role"
    FEDERATED_USER = "federated-user"
    SERVICE = "service"
    ANONYMOUS = "anonymous"


class Grant(Enum):
    """How strongly a resource-based policy statement names the caller (see module doc)."""

    DIRECT = "direct"
    PARENT = "parent"
    ACCOUNT = "account"


# Principal element name ("AWS", "Service", ...) -> names of the caller under it.
LinkNames = tuple[tuple[str, frozenset[str]], ...]
Link = tuple[Grant, LinkNames]

ACCOUNT_KINDS = frozenset(
    {
        PrincipalKind.ROOT,
        PrincipalKind.USER,
        PrincipalKind.ASSUMED_ROLE,
        PrincipalKind.FEDERATED_USER,
    }
)
# Kind -> (service of its ARN, prefix of the ARN's resource part, how many names follow the
# prefix (None: a path of one or more), the parent's resource prefix). The root ARN is `:root`.
_ARN_SHAPES: dict[PrincipalKind, tuple[str, str, int | None, str | None]] = {
    PrincipalKind.ROOT: ("iam", "root", 0, None),
    PrincipalKind.USER: ("iam", "user/", None, None),
    PrincipalKind.ASSUMED_ROLE: ("sts", "assumed-role/", 2, "role/"),
    PrincipalKind.FEDERATED_USER: ("sts", "federated-user/", 1, "user/"),
}


def is_account_id(text: str) -> bool:
    return len(text) == 12 and text.isascii() and text.isdigit()


def _invalid(why: str) -> InvalidAuthorizationInputError:
    return InvalidAuthorizationInputError(f"invalid principal: {why}")


@dataclass(frozen=True, slots=True)
class RequestPrincipal:
    """The authenticated caller. Prefer the constructors (`user`, `assumed_role`, ...)."""

    kind: PrincipalKind
    arn: str
    """The caller's ARN; for a service its principal name; empty for an anonymous caller."""
    account_id: str | None = None
    parent_arns: tuple[str, ...] = ()
    """Role ARN of a role session; IAM user ARN of a federated-user session."""
    federated_provider: str | None = None
    """Web identity or SAML provider the caller authenticated with, if any."""
    canonical_user: str | None = None
    links: tuple[Link, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._check()
        direct: list[tuple[str, frozenset[str]]] = []
        links: list[Link] = []
        if self.kind is PrincipalKind.SERVICE:
            direct.append(("Service", frozenset({self.arn})))
        elif self.kind is PrincipalKind.ANONYMOUS:
            direct.append(("AWS", frozenset({"*"})))
        else:  # the root user is the account itself, so the short account id names it too
            names = {self.arn, "*"}
            if self.kind is PrincipalKind.ROOT and self.account_id is not None:
                names.add(self.account_id)
            direct.append(("AWS", frozenset(names)))
        if self.federated_provider is not None:
            direct.append(("Federated", frozenset({self.federated_provider})))
        if self.canonical_user is not None:
            direct.append(("CanonicalUser", frozenset({self.canonical_user})))
        links.append((Grant.DIRECT, tuple(direct)))
        for parent in self.parent_arns:
            links.append((Grant.PARENT, (("AWS", frozenset({parent, "*"})),)))
        if self.account_id is not None:
            partition = self.arn.split(":", 2)[1]
            root = f"arn:{partition}:iam::{self.account_id}:root"
            links.append((Grant.ACCOUNT, (("AWS", frozenset({self.account_id, root, "*"})),)))
        object.__setattr__(self, "links", tuple(links))

    def _check(self) -> None:
        shape = _ARN_SHAPES.get(self.kind)
        if shape is None:
            named = self.kind is PrincipalKind.SERVICE
            if self.account_id is not None or self.parent_arns or bool(self.arn) is not named:
                raise _invalid(f"a {self.kind.value} caller has no account or parent")
            return
        service, prefix, count, parent_prefix = shape
        parts = split_arn(self.arn)
        account = self.account_id
        if parts is None or account is None or not is_account_id(account):
            raise _invalid("an ARN and a 12-digit account id are required")
        if parts[:5] != ("arn", parts[1], service, "", account) or not parts[1]:
            raise _invalid("the ARN does not belong to the account or has the wrong service")
        names = _names(parts[5], prefix)
        if names is None or (count is not None and len(names) != count):
            raise _invalid(f"a {self.kind.value} ARN must name {prefix}")
        if parent_prefix is None:
            if self.parent_arns:
                raise _invalid(f"a {self.kind.value} caller has no parent")
            return
        if len(self.parent_arns) != 1:
            raise _invalid(f"a {self.kind.value} caller has exactly one parent")
        parent = split_arn(self.parent_arns[0])
        parent_names = None if parent is None else _names(parent[5], parent_prefix)
        if (
            parent is None
            or parent[:5] != ("arn", parts[1], "iam", "", account)
            or parent_names is None
            # A session ARN names its role (without the role's path).
            or (self.kind is PrincipalKind.ASSUMED_ROLE and parent_names[-1] != names[0])
        ):
            raise _invalid(f"the parent must be the IAM {parent_prefix[:-1]} of the session")

    @property
    def has_account(self) -> bool:
        return self.kind in ACCOUNT_KINDS

    @classmethod
    def root(cls, account_id: str, *, partition: str = "aws") -> RequestPrincipal:
        return cls(PrincipalKind.ROOT, f"arn:{partition}:iam::{account_id}:root", account_id)

    @classmethod
    def user(cls, arn: str) -> RequestPrincipal:
        return cls(PrincipalKind.USER, arn, _account_of(arn))

    @classmethod
    def assumed_role(cls, session_arn: str, role_arn: str) -> RequestPrincipal:
        account = _account_of(session_arn)
        return cls(PrincipalKind.ASSUMED_ROLE, session_arn, account, (role_arn,))

    @classmethod
    def federated_user(cls, arn: str, user_arn: str) -> RequestPrincipal:
        return cls(PrincipalKind.FEDERATED_USER, arn, _account_of(arn), (user_arn,))

    @classmethod
    def service(cls, name: str) -> RequestPrincipal:
        return cls(PrincipalKind.SERVICE, name)

    @classmethod
    def anonymous(cls, *, federated_provider: str | None = None) -> RequestPrincipal:
        return cls(PrincipalKind.ANONYMOUS, "", federated_provider=federated_provider)


def _names(resource: str, prefix: str) -> list[str] | None:
    """The non-empty names after `prefix` (`user/a/b` -> [a, b]; `root` -> []), or None."""
    if prefix == "root":
        return [] if resource == "root" else None
    if not resource.startswith(prefix):
        return None
    names = resource[len(prefix) :].split("/")
    return names if all(names) else None


def _account_of(arn: str) -> str | None:
    parts = split_arn(arn)
    return None if parts is None else parts[4]


def _normalise_context(context: Mapping[str, tuple[str, ...]]) -> Mapping[str, tuple[str, ...]]:
    folded: dict[str, tuple[str, ...]] = {}
    for key, values in context.items():
        if not isinstance(values, tuple) or not all(isinstance(v, str) for v in values):
            raise InvalidAuthorizationInputError(f"context key {key!r} needs a tuple of str")
        lowered = key.lower()
        if lowered in folded:
            raise InvalidAuthorizationInputError(f"context key {key!r} is given twice")
        folded[lowered] = values
    return MappingProxyType(folded)


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """One authorisation question. The context never appears in reprs (it may be sensitive)."""

    principal: RequestPrincipal
    action: str
    """`service:Operation`, e.g. `lambda:InvokeFunction`."""
    resource: str
    """The resource ARN, or `*` for actions that do not target a resource."""
    resource_account: str
    """Account owning the resource; the caller's own account for account-level actions."""
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    """Condition keys (any case) -> values; a missing key and an empty tuple mean absent."""
    action_key: str = field(init=False, repr=False, compare=False)
    resource_arn: tuple[str, ...] | None = field(init=False, repr=False, compare=False)
    keys: Mapping[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        service, colon, name = self.action.partition(":")
        if not (service and colon and name) or not self.resource:
            raise InvalidAuthorizationInputError("action must be service:Name; resource not empty")
        if not is_account_id(self.resource_account):
            raise InvalidAuthorizationInputError("resource account must be a 12-digit id")
        object.__setattr__(self, "action_key", self.action.lower())
        object.__setattr__(self, "resource_arn", split_arn(self.resource))
        object.__setattr__(self, "keys", _normalise_context(self.context))

    @property
    def same_account(self) -> bool:
        """True if the caller belongs to the account that owns the resource."""
        return self.principal.account_id == self.resource_account
