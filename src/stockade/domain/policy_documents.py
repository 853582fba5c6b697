"""A function's resource policy given as a whole document (PutResourcePolicy), read into the
statements Lambda stores, so that AddPermission, RemovePermission and GetPolicy see it as they
see statements they wrote themselves.

Lambda's resource policies are the policies AddPermission writes, so a document may say only
what those can: `Allow` or `Deny`; a `Principal` of `*`, or `AWS` (`*`, an account, an IAM or
STS ARN) and `Service` (`<name>.amazonaws.com`) principals; `lambda:` actions (or `*`);
resources that are the function itself (the ARN the policy is put on, the unqualified function
ARN, or a qualified ARN of the function); conditions. `NotPrincipal`, `NotAction` and
`NotResource` are refused rather than half-understood. Statement ids are unique
(RemovePermission names one).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from stockade.domain.arn import is_account_id
from stockade.domain.resource_policy import (
    POLICY_ID,
    POLICY_VERSION,
    InvalidPermissionError,
    PolicyStatement,
)

VERSIONS = frozenset({"2012-10-17", "2008-10-17"})
_TOP = frozenset({"Version", "Id", "Statement"})
_STATEMENT = frozenset({"Sid", "Effect", "Principal", "Action", "Resource", "Condition"})
_UNSUPPORTED = ("NotPrincipal", "NotAction", "NotResource")
_SERVICE = re.compile(r"[a-z0-9][a-z0-9.-]*\.amazon(aws)?\.com(\.cn)?")
_PRINCIPAL_ARN = re.compile(r"arn:aws[a-zA-Z-]*:(iam|sts)::\d{12}:\S+")
_ACTION = re.compile(r"lambda:[A-Za-z0-9*?]+|\*", re.IGNORECASE)  # as AddPermission's Action


@dataclass(frozen=True)
class PolicyDocument:
    version: str
    policy_id: str
    statements: tuple[PolicyStatement, ...]


def _bad(message: str) -> InvalidPermissionError:
    return InvalidPermissionError(message)


def _strings(value: Any, what: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, str) and v for v in items):
        raise _bad(f"{what} must be a string or a non-empty list of strings.")
    return items


def _check_principal(principal: Any) -> None:
    if principal == "*":
        return
    if not isinstance(principal, dict) or not principal or set(principal) - {"AWS", "Service"}:
        raise _bad("The provided principal was invalid. Lambda accepts \"*\", AWS and Service"
                   " principals.")  # fmt: skip
    for value in _strings(principal.get("AWS", "*"), "Principal AWS"):
        if value != "*" and not is_account_id(value) and not _PRINCIPAL_ARN.fullmatch(value):
            raise _bad(f"The provided principal was invalid: {value[:100]}")
    if "Service" in principal:
        for value in _strings(principal["Service"], "Principal Service"):
            if not _SERVICE.fullmatch(value):
                raise _bad(f"The provided principal was invalid: {value[:100]}")


def _check_resources(value: Any, resource_arn: str, function_arn: str) -> None:
    for resource in _strings(value, "Resource"):
        within = resource in (resource_arn, function_arn) or resource.startswith(function_arn + ":")
        if not within:
            raise _bad(f"The policy's resource {resource[:200]} is not the resource the policy"
                       f" is put on ({resource_arn}).")  # fmt: skip


def _statement(raw: Any, resource_arn: str, function_arn: str) -> PolicyStatement:
    if not isinstance(raw, dict):
        raise _bad("Each statement must be a JSON object.")
    for element in _UNSUPPORTED:
        if element in raw:
            raise _bad(f"{element} is not supported in a Lambda resource-based policy.")
    unknown = set(raw) - _STATEMENT
    if unknown:
        raise _bad(f"Unsupported statement element: {sorted(unknown)[0][:50]}")
    for element in ("Effect", "Principal", "Action", "Resource"):
        if element not in raw:
            raise _bad(f"Each statement must have {element}.")
    sid = raw.get("Sid", "")
    if not isinstance(sid, str):
        raise _bad("Sid must be a string.")
    if raw["Effect"] not in ("Allow", "Deny"):
        raise _bad("Effect must be Allow or Deny.")
    _check_principal(raw["Principal"])
    for action in _strings(raw["Action"], "Action"):
        if not _ACTION.fullmatch(action):
            raise _bad(f"The policy's action {action[:100]} is not a Lambda action.")
    _check_resources(raw["Resource"], resource_arn, function_arn)
    if "Condition" in raw and not isinstance(raw["Condition"], dict):
        raise _bad("Condition must be a JSON object.")
    return PolicyStatement(sid, json.dumps(raw, separators=(",", ":")))


def parse_document(text: str, resource_arn: str, function_arn: str) -> PolicyDocument:
    """The statements of a document put on `resource_arn` (of the function `function_arn`),
    or InvalidPermissionError with a caller-safe message."""
    try:
        raw = json.loads(text)
    except ValueError:
        raise _bad("The policy is not valid JSON.") from None
    if not isinstance(raw, dict):
        raise _bad("The policy must be a JSON object.")
    unknown = set(raw) - _TOP
    if unknown:
        raise _bad(f"Unsupported policy element: {sorted(unknown)[0][:50]}")
    version = raw.get("Version", POLICY_VERSION)
    if version not in VERSIONS:
        raise _bad(f"The policy version must be one of {sorted(VERSIONS)}.")
    policy_id = raw.get("Id", POLICY_ID)
    if not isinstance(policy_id, str):
        raise _bad("Id must be a string.")
    given = raw.get("Statement")
    listed = given if isinstance(given, list) else [given]
    if given is None or not listed:
        raise _bad("The policy must have at least one statement.")
    statements = tuple(_statement(s, resource_arn, function_arn) for s in listed)
    sids = [s.sid for s in statements if s.sid]
    if len(sids) != len(set(sids)):
        raise _bad("Statement ids must be unique within the policy.")
    return PolicyDocument(version, policy_id, statements)
