"""Resource-based policies of functions (per qualifier) and layer versions, as Lambda writes them.

Lambda never takes a policy document from the caller: AddPermission and
AddLayerVersionPermission describe one statement, Lambda writes it, and the policy is the list
of statements so written (`{"Version":"2012-10-17","Id":"default","Statement":[...]}`).
Statements keep the exact text they were written with, in the order they were added.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

from stockade.domain.arn import iam_arn, is_account_id
from stockade.domain.errors import DomainError

POLICY_BYTES_MAX = 20 * 1024  # Lambda's quota for a function's or layer's resource policy
POLICY_VERSION = "2012-10-17"
POLICY_ID = "default"

# Lambda's service principals: `s3.amazonaws.com`, `alexa-appkit.amazon.com`, ...
_SERVICE = re.compile(r"[a-z0-9][a-z0-9.-]*\.amazon(aws)?\.com(\.cn)?")
_PRINCIPAL_ARN = re.compile(r"arn:aws[a-zA-Z-]*:(iam|sts)::\d{12}:\S+")


class InvalidPermissionError(DomainError):
    """A permission Lambda would not write (bad principal, ...); the message is caller-safe."""


@dataclass(frozen=True)
class PolicyStatement:
    sid: str
    text: str  # one statement object, JSON, exactly as written


@dataclass(frozen=True)
class ResourcePolicy:
    revision_id: str
    statements: tuple[PolicyStatement, ...] = ()
    # A document given whole (PutResourcePolicy) keeps its own Version and Id.
    version: str = POLICY_VERSION
    policy_id: str = POLICY_ID

    def document(self) -> str:
        """The policy as GetPolicy and GetResourcePolicy return it."""
        body = ",".join(s.text for s in self.statements)
        head = f'"Version":{json.dumps(self.version)},"Id":{json.dumps(self.policy_id)}'
        return f'{{{head},"Statement":[{body}]}}'

    def find(self, sid: str) -> PolicyStatement | None:
        return next((s for s in self.statements if s.sid == sid), None)

    def adding(self, statement: PolicyStatement, revision_id: str) -> ResourcePolicy:
        return replace(self, revision_id=revision_id, statements=(*self.statements, statement))

    def removing(self, sid: str, revision_id: str) -> ResourcePolicy:
        kept = tuple(s for s in self.statements if s.sid != sid)
        return replace(self, revision_id=revision_id, statements=kept)


def principal_element(principal: str) -> str | dict[str, str]:
    """Lambda's rendering of a Principal parameter: `*`, an account, an ARN or a service."""
    if principal == "*":
        return "*"
    if is_account_id(principal):
        return {"AWS": iam_arn(principal, "root")}
    if _PRINCIPAL_ARN.fullmatch(principal):
        return {"AWS": principal}
    if _SERVICE.fullmatch(principal):
        return {"Service": principal}
    raise InvalidPermissionError("The provided principal was invalid. Please check the principal"
                                 " and try again.")  # fmt: skip


@dataclass(frozen=True)
class FunctionGrant:
    """The parameters of AddPermission that shape the statement."""

    sid: str
    action: str
    principal: str
    resource: str  # the function ARN, qualified when the permission is for a version or alias
    source_arn: str | None = None
    source_account: str | None = None
    principal_org_id: str | None = None
    function_url_auth_type: str | None = None
    event_source_token: str | None = None
    invoked_via_function_url: bool = False


def _text(statement: dict[str, Any]) -> str:
    return json.dumps(statement, separators=(",", ":"))


def function_statement(grant: FunctionGrant) -> PolicyStatement:
    """The statement Lambda writes for an AddPermission call."""
    statement: dict[str, Any] = {
        "Sid": grant.sid,
        "Effect": "Allow",
        "Principal": principal_element(grant.principal),
        "Action": grant.action,
        "Resource": grant.resource,
    }
    equals: dict[str, str] = {}
    if grant.source_account is not None:
        equals["AWS:SourceAccount"] = grant.source_account
    if grant.principal_org_id is not None:
        equals["aws:PrincipalOrgID"] = grant.principal_org_id
    if grant.function_url_auth_type is not None:
        equals["lambda:FunctionUrlAuthType"] = grant.function_url_auth_type
    if grant.event_source_token is not None:
        equals["lambda:EventSourceToken"] = grant.event_source_token
    condition: dict[str, dict[str, str]] = {}
    if equals:
        condition["StringEquals"] = equals
    if grant.source_arn is not None:
        condition["ArnLike"] = {"AWS:SourceArn": grant.source_arn}
    if grant.invoked_via_function_url:
        condition["Bool"] = {"lambda:InvokedViaFunctionUrl": "true"}
    if condition:
        statement["Condition"] = condition
    return PolicyStatement(grant.sid, _text(statement))


def layer_statement(
    sid: str, action: str, principal: str, resource: str, organization_id: str | None
) -> PolicyStatement:
    """The statement Lambda writes for an AddLayerVersionPermission call."""
    statement: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": "*" if principal == "*" else {"AWS": _account_root(principal)},
        "Action": action,
        "Resource": resource,
    }
    if organization_id is not None:
        statement["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": organization_id}}
    return PolicyStatement(sid, _text(statement))


def _account_root(principal: str) -> str:
    return iam_arn(principal, "root") if is_account_id(principal) else principal
