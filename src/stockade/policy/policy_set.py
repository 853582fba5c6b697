"""The policies that bear on one request, grouped by the role they play in evaluation."""

from __future__ import annotations

from dataclasses import dataclass

from stockade.policy.document import PolicyDocument, PolicyKind
from stockade.policy.errors import InvalidAuthorizationInputError


@dataclass(frozen=True, slots=True)
class AttachedPolicy:
    """A parsed document with the id that decisions use to name it (e.g. its ARN or name)."""

    policy_id: str
    document: PolicyDocument


@dataclass(frozen=True, slots=True)
class PolicySet:
    """Everything that bears on one request.

    - `identity`: policies of the caller (user, its groups, or the role of a session).
    - `resource`: the policy of the resource (function policy, key policy, trust policy).
    - `boundary`: the caller's permissions boundary, if set.
    - `session`: session policies passed when the session was created (any one may allow).
    - `guardrails`: SCP-like policies of the caller's account; if any are given, one of them
      must allow every request of a principal that belongs to an account.
    - `resource_policy_required`: for key policies and role trust policies, where the resource
      policy must allow even within the account (always on for a TRUST document).
    """

    identity: tuple[AttachedPolicy, ...] = ()
    resource: AttachedPolicy | None = None
    boundary: AttachedPolicy | None = None
    session: tuple[AttachedPolicy, ...] = ()
    guardrails: tuple[AttachedPolicy, ...] = ()
    resource_policy_required: bool = False

    def __post_init__(self) -> None:
        caller_side = (
            *self.identity,
            *self.session,
            *self.guardrails,
            *([] if self.boundary is None else [self.boundary]),
        )
        if any(p.document.kind is not PolicyKind.IDENTITY for p in caller_side):
            raise InvalidAuthorizationInputError("identity-side policies must be IDENTITY kind")
        if self.resource is not None and self.resource.document.kind is PolicyKind.IDENTITY:
            raise InvalidAuthorizationInputError("a resource policy must name principals")

    @property
    def resource_required(self) -> bool:
        """Whether a resource-policy Allow is needed even within the account."""
        trust = self.resource is not None and self.resource.document.kind is PolicyKind.TRUST
        return self.resource_policy_required or trust
