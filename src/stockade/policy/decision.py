"""The outcome of an evaluation and the statements that decided it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from stockade.policy.document import Effect


class Layer(Enum):
    """The kind of policy a statement came from."""

    IDENTITY = "identity"
    RESOURCE = "resource"
    BOUNDARY = "boundary"
    SESSION = "session"
    GUARDRAIL = "guardrail"


class DecisionKind(Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit-deny"
    IMPLICIT_DENY = "implicit-deny"


@dataclass(frozen=True, slots=True)
class Reason:
    """One statement that took part in a decision."""

    layer: Layer
    policy_id: str
    statement_index: int
    sid: str | None
    effect: Effect


@dataclass(frozen=True, slots=True)
class Decision:
    """Allow, explicit deny or implicit deny, with the statements behind it.

    - EXPLICIT_DENY: `reasons` are every Deny statement that applied.
    - ALLOW: `reasons` are the Allow statements that were needed (one per layer: guardrail,
      identity, boundary, session, resource). An ALLOW with no identity or resource reason is
      the account root user's own permission.
    - IMPLICIT_DENY: `reasons` is empty and `missing` names the layer that had no applicable
      Allow (what AWS reports as "because no <layer> policy allows the action").
    """

    kind: DecisionKind
    reasons: tuple[Reason, ...] = ()
    missing: Layer | None = None

    @property
    def allowed(self) -> bool:
        return self.kind is DecisionKind.ALLOW
