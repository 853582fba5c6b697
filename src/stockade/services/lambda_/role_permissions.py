"""What an execution role's own policies allow: Lambda checks some of it when the role is
given to a function, before any environment acts as the role.

A function in a VPC needs its role to allow the network-interface actions of AWS's
AWSLambdaVPCAccessExecutionRole; Lambda checks this at CreateFunction and
UpdateFunctionConfiguration and refuses the configuration otherwise ("Lambda execution role
permissions for VPC", Lambda developer guide). The role's identity policies (inline and
attached) and its permissions boundary are evaluated with the policy engine, as for a session
of the role acting on `*`.
"""

from __future__ import annotations

from stockade import policy
from stockade.clock import Clock
from stockade.domain.iam import IamRole, OwnerKind
from stockade.policy import (
    AttachedPolicy,
    AuthorizationRequest,
    PolicyKind,
    PolicySet,
    RequestPrincipal,
)
from stockade.services.iam.managed import AWS_MANAGED
from stockade.store.ports import Transaction

# AWSLambdaVPCAccessExecutionRole's network-interface actions that Lambda checks.
INTERFACE_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
)
_DENY_ALL = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}'


def first_refused(
    tx: Transaction, role: IamRole, actions: tuple[str, ...], session_name: str, clock: Clock
) -> str | None:
    """The first of `actions` the role's policies do not allow on `*`, or None."""
    identity = tuple(_role_policies(tx, role))
    boundary = None
    if role.permissions_boundary is not None:
        boundary = _managed(tx, role.permissions_boundary) or AttachedPolicy(
            role.permissions_boundary, policy.parse_policy(_DENY_ALL, PolicyKind.IDENTITY)
        )  # a boundary that no longer resolves allows nothing, as the kernel treats it
    policies = PolicySet(identity=identity, boundary=boundary)
    session_arn = f"arn:aws:sts::{role.account_id}:assumed-role/{role.name}/{session_name}"
    principal = RequestPrincipal.assumed_role(session_arn, role.arn)
    context = policy.global_context(principal, now=clock.now(), secure_transport=True)
    for action in actions:
        request = AuthorizationRequest(
            principal=principal,
            action=action,
            resource="*",
            resource_account=role.account_id,
            context=context,
        )
        if not policy.evaluate(request, policies).allowed:
            return action
    return None


def _role_policies(tx: Transaction, role: IamRole) -> list[AttachedPolicy]:
    found = []
    for inline in tx.policies.list_inline(role.account_id, OwnerKind.ROLE, role.name):
        document = _parsed(inline.document)
        if document is not None:
            found.append(AttachedPolicy(f"role/{role.name}/{inline.name}", document))
    for arn in tx.policies.attached(role.account_id, OwnerKind.ROLE, role.name):
        managed = _managed(tx, arn)
        if managed is not None:
            found.append(managed)
    return found


def _managed(tx: Transaction, arn: str) -> AttachedPolicy | None:
    aws = AWS_MANAGED.get(arn)
    text = aws.document if aws is not None else None
    if text is None:
        managed = tx.policies.get_managed(arn)
        version = None if managed is None else tx.policies.get_version(arn, managed.default_version)
        text = None if version is None else version.document
    document = None if text is None else _parsed(text)
    return None if document is None else AttachedPolicy(arn, document)


def _parsed(text: str) -> policy.PolicyDocument | None:
    try:
        return policy.parse_policy(text, PolicyKind.IDENTITY)
    except policy.MalformedPolicyDocumentError:
        return None  # stored policies parse; one that did not would allow nothing
