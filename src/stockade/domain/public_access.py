"""Whether a resource policy lets anyone at all in: an Allow for everyone (`*`, `{"AWS": "*"}`
or a `NotPrincipal`) with no condition that ties it to a source, an account or an organisation.
GetPolicy's flag and the lambda-function-public-access-prohibited rule both use it."""

from __future__ import annotations

import json
from typing import Any

# Condition keys that confine an Allow for everyone to a known source, account or organisation.
_RESTRICTING_KEYS = frozenset(
    key.lower()
    for key in (
        "aws:SourceArn",
        "aws:SourceAccount",
        "aws:SourceOwner",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:SourceIp",
        "lambda:EventSourceToken",
    )
)


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _names_everyone(statement: dict[str, Any]) -> bool:
    if "NotPrincipal" in statement:
        return True  # everyone but a few
    principal = statement.get("Principal")
    if principal == "*":
        return True
    return isinstance(principal, dict) and "*" in _listed(principal.get("AWS", []))


def _restricted(condition: Any) -> bool:
    if not isinstance(condition, dict):
        return False
    for operator, clause in condition.items():
        negated = "Not" in operator or operator.endswith("IfExists") or operator == "Null"
        if negated or not isinstance(clause, dict):
            continue
        if any(str(key).lower() in _RESTRICTING_KEYS for key in clause):
            return True
    return False


def public_statements(document: str) -> list[str]:
    """The Sids (or "" when unnamed) of the statements that let anyone in."""
    try:
        data = json.loads(document)
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    return [
        str(statement.get("Sid", ""))
        for statement in _listed(data.get("Statement", []))
        if isinstance(statement, dict)
        and statement.get("Effect") == "Allow"
        and _names_everyone(statement)
        and not _restricted(statement.get("Condition"))
    ]


def is_public(document: str) -> bool:
    """Whether the policy lets anyone at all in (principal `*` with no restricting condition)."""
    return bool(public_statements(document))
