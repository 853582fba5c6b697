"""The one place requests are authorized: IAM's policy evaluation for every declared need.

`PolicyAuthorizer.decide` evaluates one `Need` of a request: the caller's identity policies (a
user's inline, attached and group policies, or the role's policies for a role session), its
permissions boundary, the session policy of a role session, and the resource's own policy when
the need's scope finds one, against a request context holding the global condition keys and the
need's own. It returns the decision for the audit trail or raises the service's access-denied
error in AWS's wording. Nothing else in Stockade evaluates policies for a request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

from stockade import policy
from stockade.domain.iam import OwnerKind
from stockade.domain.identity import OPERATOR_ACTIONS, Principal, PrincipalKind
from stockade.errors import ApiError
from stockade.policy import (
    AttachedPolicy,
    AuthorizationRequest,
    DecisionKind,
    Layer,
    PolicyKind,
    PolicySet,
    RequestPrincipal,
)
from stockade.services.context import RequestContext
from stockade.services.declaration import ContextKeys, Decision, Located, Need
from stockade.services.iam.managed import AWS_MANAGED
from stockade.services.ttl_cache import TtlCache
from stockade.store.ports import Store, Transaction
from stockade.types import AccountId, ascii_digits


def denial_message(ctx: RequestContext, action: str, resource: str, why: str) -> str:
    return (
        f"User: {ctx.principal.arn} is not authorized to perform: {action} on resource:"
        f" {resource} {why}"
    )


_LAYER_WORDS = {
    Layer.IDENTITY: "identity-based policy",
    Layer.RESOURCE: "resource-based policy",
    Layer.BOUNDARY: "permissions boundary",
    Layer.SESSION: "session policy",
    Layer.GUARDRAIL: "service control policy",
}


def why_denied(outcome: policy.Decision, action: str) -> str:
    """AWS's explanation of a denial (the tail of the AccessDenied message)."""
    if outcome.kind is DecisionKind.EXPLICIT_DENY and outcome.reasons:
        return f"with an explicit deny in a{_article(outcome.reasons[0].layer)}"
    layer = outcome.missing or Layer.IDENTITY
    return f"because no {_LAYER_WORDS[layer]} allows the {action} action"


def _article(layer: Layer) -> str:
    words = _LAYER_WORDS[layer]
    return f"n {words}" if words[0] in "aeiou" else f" {words}"


@lru_cache(maxsize=4096)
def parse_identity_policy(text: str) -> policy.PolicyDocument:
    """Parse (once per distinct text) an identity policy; stored text always parses."""
    return policy.parse_policy(text, PolicyKind.IDENTITY)


@lru_cache(maxsize=4096)
def request_principal(principal: Principal) -> RequestPrincipal | None:
    """The policy engine's view of an authenticated caller (None: not a usable principal).

    Cached: both sides are immutable, and building one validates ARNs on the hot path."""
    if principal.kind is PrincipalKind.IAM_USER:
        return RequestPrincipal.user(principal.arn)
    if principal.kind is PrincipalKind.ASSUMED_ROLE and principal.role_arn is not None:
        return RequestPrincipal.assumed_role(principal.arn, principal.role_arn)
    if principal.kind is PrincipalKind.ANONYMOUS:
        return RequestPrincipal.anonymous()
    return None


def _operator(ctx: RequestContext) -> bool:
    return ctx.principal.kind is PrincipalKind.OPERATOR


def _operator_decision(
    ctx: RequestContext, need: Need, denied: Callable[[str], ApiError]
) -> Decision:
    """The operator may do operator actions and nothing else; nobody else may do them, whatever
    an IAM policy says (an administrator's `"Action": "*"` does not reach the host)."""
    if _operator(ctx) and need.action.startswith(OPERATOR_ACTIONS):
        return Decision(True, "the host's operator", need.action, need.resource)
    why = (
        "because only the host's operator may"
        if not _operator(ctx)
        else ("because operator commands reach no service")
    )
    raise denied(denial_message(ctx, need.action, need.resource, why))


def _resource_account(resource: str, caller: AccountId) -> str:
    parts = resource.split(":", 5)
    account = parts[4] if len(parts) == 6 else ""
    return account if len(account) == 12 and ascii_digits(account) else caller


@dataclass(frozen=True)
class CallerPolicies:
    identity: tuple[AttachedPolicy, ...]
    boundary: AttachedPolicy | None
    session: tuple[AttachedPolicy, ...]
    unique_id: str | None
    exists: bool


def _managed_document(tx: Transaction, arn: str) -> AttachedPolicy | None:
    aws = AWS_MANAGED.get(arn)
    if aws is not None:
        return AttachedPolicy(arn, parse_identity_policy(aws.document))
    managed = tx.policies.get_managed(arn)
    if managed is None:
        return None
    version = tx.policies.get_version(arn, managed.default_version)
    if version is None:
        return None
    return AttachedPolicy(arn, parse_identity_policy(version.document))


def _owner_policies(
    tx: Transaction, account: AccountId, kind: OwnerKind, name: str, found: list[AttachedPolicy]
) -> None:
    for inline in tx.policies.list_inline(account, kind, name):
        found.append(
            AttachedPolicy(
                f"{kind.value}/{name}/{inline.name}", parse_identity_policy(inline.document)
            )
        )
    for arn in tx.policies.attached(account, kind, name):
        document = _managed_document(tx, arn)
        if document is not None:
            found.append(document)


def caller_policies(tx: Transaction, principal: Principal) -> CallerPolicies:
    """Everything on the caller's side of the evaluation, read in one snapshot."""
    account = principal.account_id
    identity: list[AttachedPolicy] = []
    boundary_arn: str | None = None
    session: tuple[AttachedPolicy, ...] = ()
    unique_id: str | None = None
    if principal.kind is PrincipalKind.IAM_USER:
        user = tx.users.get(account, principal.name)
        if user is None or user.arn != principal.arn:
            return CallerPolicies((), None, (), None, exists=False)
        unique_id = user.user_id
        boundary_arn = user.permissions_boundary
        _owner_policies(tx, account, OwnerKind.USER, user.name, identity)
        for group in tx.groups.groups_of(account, user.name):
            _owner_policies(tx, account, OwnerKind.GROUP, group, identity)
    elif principal.kind is PrincipalKind.ASSUMED_ROLE and principal.role_arn is not None:
        role = tx.roles.get(account, principal.role_arn.rsplit("/", 1)[-1])
        if role is None or role.arn != principal.role_arn:
            return CallerPolicies((), None, (), None, exists=False)
        unique_id = role.role_id
        boundary_arn = role.permissions_boundary
        _owner_policies(tx, account, OwnerKind.ROLE, role.name, identity)
        if principal.session_policy is not None:
            session = (AttachedPolicy("session", parse_identity_policy(principal.session_policy)),)
    elif principal.kind is PrincipalKind.ANONYMOUS:
        # Nobody's identity policies: only the resource's own policy can allow anything.
        return CallerPolicies((), None, (), None, exists=True)
    else:
        return CallerPolicies((), None, (), None, exists=False)
    boundary = None if boundary_arn is None else _managed_document(tx, boundary_arn)
    if boundary_arn is not None and boundary is None:
        # A boundary that no longer resolves must not widen access: allow nothing.
        boundary = AttachedPolicy(
            boundary_arn,
            parse_identity_policy('{"Version":"2012-10-17","Statement":[{"Effect":"Deny",'
                                  '"Action":"*","Resource":"*"}]}'),
        )  # fmt: skip
    return CallerPolicies(tuple(identity), boundary, session, unique_id, exists=True)


class PolicyAuthorizer:
    """IAM policy evaluation for every request (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        cache_ttl_s: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._callers: TtlCache[CallerPolicies] = TtlCache(cache_ttl_s, monotonic=monotonic)

    def authorize(
        self,
        ctx: RequestContext,
        action: str,
        resource: str,
        denied: Callable[[str], ApiError],
        *,
        resource_policy: AttachedPolicy | None = None,
        context: ContextKeys | None = None,
        resource_policy_required: bool = False,
    ) -> Decision:
        """`resource_policy_required`: the resource policy must allow even within the account
        (KMS key policies, role trust policies)."""
        principal = request_principal(ctx.principal)
        if principal is None:
            raise denied(
                denial_message(ctx, action, resource, f"because no identity-based policy allows"
                               f" the {action} action")
            )  # fmt: skip
        caller = self._callers.get_or_load(
            (ctx.principal.arn, ctx.principal.role_arn, ctx.principal.session_policy),
            lambda: self._read_caller(ctx.principal),
        )
        if not caller.exists:
            why = f"because no identity-based policy allows the {action} action"
            raise denied(denial_message(ctx, action, resource, why))
        keys = policy.global_context(
            principal,
            now=ctx.received_at,
            secure_transport=ctx.secure_transport,
            source_ip=ctx.source_ip or None,
            unique_id=caller.unique_id,
        )
        if context:
            keys.update(context)
        try:
            request = AuthorizationRequest(
                principal,
                action,
                resource,
                _resource_account(resource, ctx.principal.account_id),
                keys,
            )
        except policy.InvalidAuthorizationInputError:
            # A question that cannot be asked is not allowed.
            raise denied(denial_message(ctx, action, resource, "because it is not valid")) from None
        policies = PolicySet(
            identity=caller.identity,
            resource=resource_policy,
            boundary=caller.boundary,
            session=caller.session,
            resource_policy_required=resource_policy_required,
        )
        outcome = policy.evaluate(request, policies)
        if not outcome.allowed:
            raise denied(denial_message(ctx, action, resource, why_denied(outcome, action)))
        return Decision(True, "allowed by policy", action, resource, principal, outcome)

    def decide(
        self, ctx: RequestContext, need: Need, denied: Callable[[str], ApiError]
    ) -> Decision:
        """Allow `need`, or raise `denied(message)`; its scope (if any) is asked for the
        resource's ARN and policy first, and may itself answer not-found."""
        if _operator(ctx) or need.action.startswith(OPERATOR_ACTIONS):
            return _operator_decision(ctx, need, denied)
        if need.scope is None:
            return self.authorize(ctx, need.action, need.resource, denied, context=need.context)
        located = need.scope.locate(ctx, need.resource)
        return self.decide_located(ctx, need, located, denied)

    def decide_located(
        self, ctx: RequestContext, need: Need, located: Located, denied: Callable[[str], ApiError]
    ) -> Decision:
        decision = self.authorize(
            ctx,
            need.action,
            located.arn,
            denied,
            resource_policy=located.policy,
            # What the resource says of itself wins over anything the request put in context.
            context={**need.context, **located.context} if located.context else need.context,
            resource_policy_required=located.policy_required,
        )
        return replace(decision, public_resource=True) if located.public else decision

    def forget(self) -> None:
        """Drop cached caller policies (IAM changed)."""
        self._callers.clear()

    def _read_caller(self, principal: Principal) -> CallerPolicies:
        with self._store.read() as tx:
            return caller_policies(tx, principal)
