"""The AWS policy language and its evaluation (pure).

Parse documents once with `parse_policy` (they are immutable and cacheable), group them in a
`PolicySet`, describe the request as an `AuthorizationRequest` (its context built with
`global_context` plus the service's own keys), then call `evaluate`.
"""

from __future__ import annotations

from stockade.policy.context import GlobalKey, LambdaKey, global_context, principal_keys
from stockade.policy.decision import Decision, DecisionKind, Layer, Reason
from stockade.policy.document import (
    Effect,
    PolicyDocument,
    PolicyKind,
    Statement,
    Version,
    parse_policy,
)
from stockade.policy.errors import (
    InvalidAuthorizationInputError,
    MalformedPolicyDocumentError,
    PolicyError,
)
from stockade.policy.evaluate import evaluate, statement_applies
from stockade.policy.policy_set import AttachedPolicy, PolicySet
from stockade.policy.request import AuthorizationRequest, Grant, PrincipalKind, RequestPrincipal

__all__ = [
    "AttachedPolicy",
    "AuthorizationRequest",
    "Decision",
    "DecisionKind",
    "Effect",
    "GlobalKey",
    "Grant",
    "InvalidAuthorizationInputError",
    "LambdaKey",
    "Layer",
    "MalformedPolicyDocumentError",
    "PolicyDocument",
    "PolicyError",
    "PolicyKind",
    "PolicySet",
    "PrincipalKind",
    "Reason",
    "RequestPrincipal",
    "Statement",
    "Version",
    "evaluate",
    "global_context",
    "parse_policy",
    "principal_keys",
    "statement_applies",
]
