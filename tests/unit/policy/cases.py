"""Shared vocabulary for the table-driven evaluation tests.

A `Case` holds policies as plain statement dicts (written as in AWS's documentation), the
request, and the expected decision: its kind, the deciding statements as "layer:Sid" strings in
the order `Decision.reasons` gives them, and for implicit denies the layer that lacked an Allow.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from stockade.policy import (
    AttachedPolicy,
    AuthorizationRequest,
    Decision,
    DecisionKind,
    Layer,
    PolicyKind,
    PolicySet,
    RequestPrincipal,
    parse_policy,
)

ACCOUNT = "111122223333"
OTHER = "444455556666"
REGION = "us-east-1"
FUNCTION = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders"
OTHER_FUNCTION = f"arn:aws:lambda:{REGION}:{OTHER}:function:partner"
LAYER = f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:shared"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"

ALICE_ARN = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB_ARN = f"arn:aws:iam::{ACCOUNT}:user/bob"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/deployer"
SESSION_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/ci"
FEDERATED_ARN = f"arn:aws:sts::{ACCOUNT}:federated-user/carol"
PARTNER_ROLE = f"arn:aws:iam::{OTHER}:role/partner"
PARTNER_SESSION = f"arn:aws:sts::{OTHER}:assumed-role/partner/job"
PARTNER_USER = f"arn:aws:iam::{OTHER}:user/dave"

ALICE = RequestPrincipal.user(ALICE_ARN)
BOB = RequestPrincipal.user(BOB_ARN)
ROOT = RequestPrincipal.root(ACCOUNT)
OTHER_ROOT = RequestPrincipal.root(OTHER)
SESSION = RequestPrincipal.assumed_role(SESSION_ARN, ROLE_ARN)
FEDERATED = RequestPrincipal.federated_user(FEDERATED_ARN, BOB_ARN)
PARTNER = RequestPrincipal.assumed_role(PARTNER_SESSION, PARTNER_ROLE)
PARTNER_DAVE = RequestPrincipal.user(PARTNER_USER)
S3_SERVICE = RequestPrincipal.service("s3.amazonaws.com")
ANONYMOUS = RequestPrincipal.anonymous()

Statement = dict[str, object]
Statements = Sequence[Statement]


def allow(
    sid: str, action: object = "lambda:InvokeFunction", resource: object = "*", **extra: object
) -> Statement:
    return {"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(
    sid: str, action: object = "lambda:InvokeFunction", resource: object = "*", **extra: object
) -> Statement:
    return {"Sid": sid, "Effect": "Deny", "Action": action, "Resource": resource, **extra}


def grant(
    sid: str,
    principal: object,
    action: object = "lambda:InvokeFunction",
    resource: object = FUNCTION,
    **extra: object,
) -> Statement:
    """A resource-policy Allow."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal,
        "Action": action,
        "Resource": resource,
        **extra,
    }


def refuse(
    sid: str,
    principal: object,
    action: object = "lambda:InvokeFunction",
    resource: object = FUNCTION,
    **extra: object,
) -> Statement:
    """A resource-policy Deny."""
    return {
        "Sid": sid,
        "Effect": "Deny",
        "Principal": principal,
        "Action": action,
        "Resource": resource,
        **extra,
    }


def document(
    statements: Statements,
    kind: PolicyKind = PolicyKind.IDENTITY,
    version: str | None = "2012-10-17",
) -> str:
    body: dict[str, object] = {"Statement": list(statements)}
    if version is not None:
        body["Version"] = version
    return json.dumps(body)


def attached(
    policy_id: str,
    statements: Statements,
    kind: PolicyKind = PolicyKind.IDENTITY,
    version: str | None = "2012-10-17",
) -> AttachedPolicy:
    return AttachedPolicy(policy_id, parse_policy(document(statements, kind, version), kind))


@dataclass(frozen=True)
class Case:
    id: str
    expect: DecisionKind
    reasons: tuple[str, ...] = ()
    missing: Layer | None = None
    identity: tuple[Statements, ...] = ()
    resource: Statements | None = None
    resource_kind: PolicyKind = PolicyKind.RESOURCE
    boundary: Statements | None = None
    session: tuple[Statements, ...] = ()
    guardrails: tuple[Statements, ...] = ()
    resource_required: bool = False
    principal: RequestPrincipal = ALICE
    action: str = "lambda:InvokeFunction"
    target: str = FUNCTION
    resource_account: str = ACCOUNT
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    version: str | None = "2012-10-17"

    def policy_set(self) -> PolicySet:
        v = self.version
        return PolicySet(
            identity=tuple(
                attached(f"identity-{i}", s, version=v) for i, s in enumerate(self.identity)
            ),
            resource=None
            if self.resource is None
            else attached("resource", self.resource, self.resource_kind, v),
            boundary=None
            if self.boundary is None
            else attached("boundary", self.boundary, version=v),
            session=tuple(
                attached(f"session-{i}", s, version=v) for i, s in enumerate(self.session)
            ),
            guardrails=tuple(
                attached(f"guardrail-{i}", s, version=v) for i, s in enumerate(self.guardrails)
            ),
            resource_policy_required=self.resource_required,
        )

    def request(self) -> AuthorizationRequest:
        return AuthorizationRequest(
            self.principal, self.action, self.target, self.resource_account, self.context
        )


def outcome(decision: Decision) -> tuple[DecisionKind, tuple[str, ...], Layer | None]:
    return (
        decision.kind,
        tuple(f"{r.layer.value}:{r.sid}" for r in decision.reasons),
        decision.missing,
    )


ALLOW = DecisionKind.ALLOW
EXPLICIT = DecisionKind.EXPLICIT_DENY
IMPLICIT = DecisionKind.IMPLICIT_DENY
