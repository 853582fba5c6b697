"""Policy evaluation: does a policy set allow a request? Pure, and cheap enough per call.

The logic is AWS's (IAM User Guide, "Policy evaluation logic" and "Cross-account policy
evaluation logic"):

1. An applicable Deny in any policy (identity, resource, boundary, session, guardrail) wins.
2. Guardrails, if given, must allow any request of a principal that belongs to an account.
3. A service or anonymous caller is allowed only by the resource policy.
4. Within the account, a resource-policy Allow that names the caller itself (IAM user, role
   session, federated-user session, or `*`) is enough on its own. One that names the role
   of a session (or the IAM user behind a federated user) is still capped by the permissions
   boundary and the session policies. One that names only the account delegates to the
   identity policies: it adds nothing within the account (we fail closed here; AWS documents
   account principals as delegation).
5. Otherwise the identity side must allow: an identity policy Allow (the account root user
   needs none), within the permissions boundary if there is one, and within the session
   policies if there are any (a federated-user session without session policies has no
   permissions).
6. Across accounts, and for key/trust policies, the resource policy must allow as well.

A statement applies when its action, resource and principal match, every policy variable it
holds resolves, and its conditions hold.
"""

from __future__ import annotations

from stockade.policy.conditions import conditions_hold
from stockade.policy.decision import Decision, DecisionKind, Layer, Reason
from stockade.policy.document import ANY_RESOURCE, Effect, ResourcePattern, Statement
from stockade.policy.policy_set import AttachedPolicy, PolicySet
from stockade.policy.request import AuthorizationRequest, Grant, PrincipalKind
from stockade.policy.variables import ArnTemplate


def _resources_match(patterns: tuple[ResourcePattern, ...], request: AuthorizationRequest) -> bool:
    arn = request.resource_arn
    for pattern in patterns:
        if pattern == ANY_RESOURCE:
            return True
        glob = pattern.resolve(request.keys) if isinstance(pattern, ArnTemplate) else pattern
        if glob.matches(arn):
            return True
    return False


def _principal_grant(
    statement: Statement, request: AuthorizationRequest, boundary: bool
) -> Grant | None:
    spec = statement.principal
    if spec is None:
        return Grant.DIRECT
    principal = request.principal
    if not statement.not_principal:
        return spec.grant_for(principal)
    if statement.effect is Effect.DENY:
        # AWS: a Deny with NotPrincipal always denies an IAM entity that has a boundary.
        has_boundary = (
            boundary and principal.kind is not PrincipalKind.ROOT and principal.has_account
        )
        spared = spec.names_whole_chain(principal) and not has_boundary
        return None if spared else Grant.DIRECT
    return None if spec.names_any_link(principal) else Grant.DIRECT


def statement_applies(
    statement: Statement, request: AuthorizationRequest, *, boundary: bool = False
) -> Grant | None:
    """How the statement applies to the request (always DIRECT without a Principal), or None.

    `boundary` tells whether the caller has a permissions boundary (see `NotPrincipal`).
    """
    action = request.action_key
    for glob in statement.actions:
        if glob.matches(action):
            if statement.not_action:
                return None
            break
    else:
        if not statement.not_action:
            return None
    grant = _principal_grant(statement, request, boundary)
    if grant is None:
        return None
    keys = request.keys
    for key in statement.required_keys:  # an unresolved policy variable voids the statement
        if len(keys.get(key, ())) != 1:
            return None
    resources = statement.resources
    if resources is not None and _resources_match(resources, request) is statement.not_resource:
        return None
    return grant if conditions_hold(statement.conditions, keys) else None


def _reason(layer: Layer, policy: AttachedPolicy, statement: Statement) -> Reason:
    return Reason(layer, policy.policy_id, statement.index, statement.sid, statement.effect)


def _layers(
    request: AuthorizationRequest, policies: PolicySet
) -> list[tuple[Layer, AttachedPolicy]]:
    layers = [(Layer.IDENTITY, p) for p in policies.identity]
    if policies.resource is not None:
        layers.append((Layer.RESOURCE, policies.resource))
    if policies.boundary is not None:
        layers.append((Layer.BOUNDARY, policies.boundary))
    layers.extend((Layer.SESSION, p) for p in policies.session)
    if request.principal.has_account:  # guardrails bind principals of an account only
        layers.extend((Layer.GUARDRAIL, p) for p in policies.guardrails)
    return layers


def _denies(request: AuthorizationRequest, policies: PolicySet) -> tuple[Reason, ...]:
    boundary = policies.boundary is not None
    return tuple(
        _reason(layer, policy, statement)
        for layer, policy in _layers(request, policies)
        for statement in policy.document.denies
        if statement_applies(statement, request, boundary=boundary) is not None
    )


def _first_allow(
    request: AuthorizationRequest, layer: Layer, policies: tuple[AttachedPolicy, ...]
) -> Reason | None:
    for policy in policies:
        for statement in policy.document.allows:
            if statement_applies(statement, request) is not None:
                return _reason(layer, policy, statement)
    return None


def _resource_allow(
    request: AuthorizationRequest, policy: AttachedPolicy | None
) -> tuple[Reason, Grant] | None:
    """The resource-policy Allow that names the caller most strongly, if any."""
    if policy is None:
        return None
    best: tuple[Reason, Grant] | None = None
    for statement in policy.document.allows:
        grant = statement_applies(statement, request)
        if grant is None:
            continue
        candidate = _reason(Layer.RESOURCE, policy, statement), grant
        if grant is Grant.DIRECT:
            return candidate
        if best is None or (best[1] is Grant.ACCOUNT and grant is Grant.PARENT):
            best = candidate
    return best


def _caps(request: AuthorizationRequest, policies: PolicySet) -> list[Reason] | Layer:
    """Allows of the boundary and session policies, or the layer that has none."""
    reasons: list[Reason] = []
    if policies.boundary is not None:
        found = _first_allow(request, Layer.BOUNDARY, (policies.boundary,))
        if found is None:
            return Layer.BOUNDARY
        reasons.append(found)
    if policies.session:
        found = _first_allow(request, Layer.SESSION, policies.session)
        if found is None:
            return Layer.SESSION
        reasons.append(found)
    elif request.principal.kind is PrincipalKind.FEDERATED_USER:
        return Layer.SESSION
    return reasons


def _implicit(missing: Layer) -> Decision:
    return Decision(DecisionKind.IMPLICIT_DENY, (), missing)


def _allow(*reasons: Reason | None) -> Decision:
    return Decision(DecisionKind.ALLOW, tuple(r for r in reasons if r is not None))


def evaluate(request: AuthorizationRequest, policies: PolicySet) -> Decision:
    """Decide the request against the policy set (see the module docstring)."""
    denies = _denies(request, policies)
    if denies:
        return Decision(DecisionKind.EXPLICIT_DENY, denies)
    principal = request.principal
    guardrail: Reason | None = None
    if policies.guardrails and principal.has_account:
        guardrail = _first_allow(request, Layer.GUARDRAIL, policies.guardrails)
        if guardrail is None:
            return _implicit(Layer.GUARDRAIL)
    found = _resource_allow(request, policies.resource)
    resource_reason = None if found is None else found[0]
    if not principal.has_account:
        return _implicit(Layer.RESOURCE) if found is None else _allow(resource_reason)
    if found is None and (policies.resource_required or not request.same_account):
        return _implicit(Layer.RESOURCE)
    if request.same_account and found is not None and found[1] is not Grant.ACCOUNT:
        if found[1] is Grant.DIRECT:
            return _allow(guardrail, resource_reason)
        caps = _caps(request, policies)
        if isinstance(caps, Layer):
            return _implicit(caps)
        return _allow(guardrail, *caps, resource_reason)
    if principal.kind is PrincipalKind.ROOT:
        return _allow(guardrail, resource_reason)
    identity = _first_allow(request, Layer.IDENTITY, policies.identity)
    if identity is None:
        return _implicit(Layer.IDENTITY)
    caps = _caps(request, policies)
    if isinstance(caps, Layer):
        return _implicit(caps)
    return _allow(guardrail, identity, *caps, resource_reason)
