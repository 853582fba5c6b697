"""What a service declares about each of its operations; the kernel acts on nothing else.

A service exports a `ServiceTable`: one `Operation` per botocore operation it serves, each
naming its handler, what the request needs to be allowed (`Need`s derived from the typed
request, or `Public` with the reason nothing is needed) and how it is audited. The kernel
(stockade.kernel) parses, authorizes, runs, audits and serializes from these declarations; a
handler is only ever called after every one of its operation's needs was allowed.

Decisions that read stored state (a function's resource policy, a key policy, a role's trust
policy, the path in a user's ARN) go through one call, `PolicyScope.locate`, which the kernel
makes while authorizing. A use case that acts on a caller's behalf inside another service
(Lambda encrypting with a KMS key as its caller) asks the kernel through `Decider`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from stockade.domain.violations import Violation, summarize
from stockade.errors import ApiError
from stockade.policy import AttachedPolicy, RequestPrincipal
from stockade.policy import Decision as PolicyOutcome
from stockade.services.context import RequestContext

Req = TypeVar("Req")
ContextKeys = Mapping[str, tuple[str, ...]]
NO_CONTEXT: ContextKeys = {}


@dataclass(frozen=True)
class Located:
    """A resource as authorization sees it: its ARN and its own policy, if it has one."""

    arn: str
    policy: AttachedPolicy | None = None
    # The resource policy must allow even within its own account (KMS key policies, role
    # trust policies), not merely the caller's identity policies.
    policy_required: bool = False
    public: bool = False  # the resource's policy lets anyone in (kept for the audit trail)
    # Condition keys the resource itself brings (`aws:ResourceTag/<key>` of a tagged key).
    context: ContextKeys = field(default_factory=lambda: NO_CONTEXT)


class PolicyScope(Protocol):
    """Where the resources of one kind keep their policies: the one way authorization reads
    stored state. `reference` is what a `Need` names (an ARN, or a name the scope resolves);
    `locate` may raise the service's not-found error where AWS answers that before access."""

    def locate(self, ctx: RequestContext, reference: str) -> Located: ...


@dataclass(frozen=True)
class Need:
    """One permission a request needs: `action` on `resource` with extra condition keys."""

    action: str
    resource: str = "*"
    scope: PolicyScope | None = None  # where the resource's own policy lives, if anywhere
    context: ContextKeys = field(default_factory=lambda: NO_CONTEXT)


@dataclass(frozen=True)
class Public:
    """An operation any authenticated caller may use; `reason` says why (it is reviewed)."""

    reason: str


@dataclass(frozen=True)
class Decision:
    """What was decided for one need, about whom, and why (kept for the audit trail)."""

    allowed: bool
    reason: str
    action: str = ""
    resource: str = ""
    principal: RequestPrincipal | None = None
    outcome: PolicyOutcome | None = None
    public_resource: bool = False


Needs = Callable[[RequestContext, Req], Sequence[Need]]
Access = Needs[Req] | Public
Handler = Callable[[RequestContext, Req], Any] | Callable[[RequestContext, Req], Awaitable[Any]]


@dataclass(frozen=True)
class Audit(Generic[Req]):
    """How CloudTrail classifies the operation: a management or data event, read-only or not,
    and (optionally) the ARNs of the resources a request touches, for `resources`."""

    read_only: bool
    data_event: bool = False
    resources: Callable[[RequestContext, Req], Sequence[str]] | None = None


READ = Audit[Any](read_only=True)
WRITE = Audit[Any](read_only=False)


@dataclass(frozen=True)
class Operation(Generic[Req]):
    name: str  # as in botocore's model
    handler: Handler[Req]
    access: Access[Req]
    audit: Audit[Req]
    # Whether an unsigned caller may reach it at all (a function URL whose AuthType is NONE);
    # its needs are then allowed only by the resource's own policy.
    anonymous: bool = False


def operation(
    name: str,
    handler: Handler[Req],
    access: Access[Req],
    audit: Audit[Req],
    *,
    anonymous: bool = False,
) -> Operation[Req]:
    """Declare an operation (a function, so that mypy infers `Req` from the handler)."""
    return Operation(name, handler, access, audit, anonymous)


@dataclass(frozen=True)
class ServiceErrors:
    """The service's own error shapes for what the kernel refuses."""

    access_denied: Callable[[str], ApiError]
    validation: Callable[[str], ApiError]
    internal: Callable[[str], ApiError]
    # The error for a request that breaks the model's constraints, where a service answers
    # some of them otherwise (Lambda: an unknown runtime); None: `validation` of them all.
    refuse_invalid: Callable[[Sequence[Violation]], ApiError] | None = None

    def invalid(self, problems: Sequence[Violation]) -> ApiError:
        if self.refuse_invalid is not None:
            return self.refuse_invalid(problems)
        return self.validation(summarize([problem.text for problem in problems]))


@dataclass(frozen=True)
class ServiceTable:
    """Everything a service serves: its signing name, operations and error shapes."""

    service: str  # the SigV4 signing name (`lambda`, `iam`, ...)
    operations: Mapping[str, Operation[Any]]
    errors: ServiceErrors
    # CloudTrail's `eventName` where it is not the operation's name (Lambda's carry the API
    # version: CreateFunction20150331, GetFunction20150331v2, ...).
    event_names: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        service: str,
        operations: Sequence[Operation[Any]],
        errors: ServiceErrors,
        event_names: Mapping[str, str] | None = None,
    ) -> ServiceTable:
        table: dict[str, Operation[Any]] = {}
        for op in operations:
            if op.name in table:
                raise ValueError(f"{service}: {op.name} is declared twice")
            table[op.name] = op
        return cls(service, table, errors, dict(event_names or {}))

    def event_name(self, operation: str) -> str:
        """The name CloudTrail records a request to `operation` under."""
        return self.event_names.get(operation, operation)


class Decider(Protocol):
    """The kernel's authorization, for a decision a use case makes on its caller's behalf
    in another service; raises `denied(message)` in AWS's wording when not allowed."""

    def decide(
        self, ctx: RequestContext, need: Need, denied: Callable[[str], ApiError]
    ) -> Decision: ...
