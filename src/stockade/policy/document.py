"""Policy documents: strict parsing of policy JSON into immutable statements.

The grammar is IAM's: `Version` (2012-10-17, or 2008-10-17 which has no policy variables; a
missing Version means 2008-10-17), `Id`, and `Statement` (one object or a non-empty list).
A statement has `Effect`, exactly one of `Action`/`NotAction`, exactly one of
`Resource`/`NotResource` (none in a role trust policy), `Principal`/`NotPrincipal` in
resource-based and trust policies only, an optional `Condition` and an optional `Sid`.
Anything else - unknown elements, wrong types, empty lists, a misspelt Effect - is rejected
with `MalformedPolicyDocumentError` carrying IAM's wording. Parsed documents are immutable and
can be cached by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

from stockade.policy.conditions import (
    LEGACY_PARSE_ERROR,
    VENDOR_ERROR,
    ConditionClause,
    parse_condition_block,
)
from stockade.policy.errors import MalformedPolicyDocumentError
from stockade.policy.jsontext import SYNTAX_ERROR, JsonValue, decode
from stockade.policy.matching import ArnGlob, Glob
from stockade.policy.principals import PrincipalSpec, parse_principal
from stockade.policy.variables import ArnTemplate, compile_arn_pattern

PRINCIPAL_PROHIBITED = "Policy document should not specify a principal."
PRINCIPAL_MISSING = "Missing required field Principal"
RESOURCE_PROHIBITED = "Has prohibited field Resource"
ACTIONS_MISSING = "Policy statement must contain actions."
RESOURCES_MISSING = "Policy statement must contain resources."
ONE_COLON = "Actions/Condition can contain only one colon."
SID_NOT_UNIQUE = "Statement IDs (SID) in a single policy must be unique."
SID_NOT_ALNUM = (
    "Statement IDs (SID) must be alpha-numeric. "
    "Check that your input satisfies the regular expression [0-9A-Za-z]*"
)

_TOP_KEYS = frozenset({"Version", "Id", "Statement"})
_STATEMENT_KEYS = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)
_VENDOR_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.")


class PolicyKind(Enum):
    IDENTITY = "identity"
    """Attached to a user, group or role (also boundaries, session policies, guardrails)."""
    RESOURCE = "resource"
    """Attached to a resource (function policy, key policy, ...): names principals."""
    TRUST = "trust"
    """A role trust policy: names principals, has no Resource."""


class Version(Enum):
    V2012_10_17 = "2012-10-17"
    V2008_10_17 = "2008-10-17"


class Effect(Enum):
    ALLOW = "Allow"
    DENY = "Deny"


ANY_RESOURCE: Literal["*"] = "*"
ResourcePattern = Literal["*"] | ArnGlob | ArnTemplate


@dataclass(frozen=True, slots=True)
class Statement:
    index: int
    sid: str | None
    effect: Effect
    principal: PrincipalSpec | None
    not_principal: bool
    actions: tuple[Glob, ...]
    not_action: bool
    resources: tuple[ResourcePattern, ...] | None
    """None when the statement has no Resource element (trust policies): any resource."""
    not_resource: bool
    conditions: tuple[ConditionClause, ...]
    required_keys: frozenset[str]
    """Context keys its policy variables need; if one is unresolved the statement is void."""


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    kind: PolicyKind
    version: Version
    id: str | None
    statements: tuple[Statement, ...]
    denies: tuple[Statement, ...] = field(init=False, repr=False, compare=False)
    allows: tuple[Statement, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        denies = tuple(s for s in self.statements if s.effect is Effect.DENY)
        allows = tuple(s for s in self.statements if s.effect is Effect.ALLOW)
        object.__setattr__(self, "denies", denies)
        object.__setattr__(self, "allows", allows)


def _fail(message: str, where: str) -> MalformedPolicyDocumentError:
    return MalformedPolicyDocumentError(message, where)


def _strings(value: JsonValue, where: str, empty_message: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, str) for item in items):
        raise _fail(SYNTAX_ERROR, where)
    if not items:
        raise _fail(empty_message, where)
    return [item for item in items if isinstance(item, str)]


def _action(text: str, where: str) -> Glob:
    if text != "*":
        vendor, colon, name = text.partition(":")
        if not colon:
            raise _fail(VENDOR_ERROR, where)
        if ":" in name:
            raise _fail(ONE_COLON, where)
        if not vendor or not _VENDOR_CHARS.issuperset(vendor):
            raise _fail(f"Vendor {vendor} is not valid", where)
    return Glob.compile(text, fold=True)


def _resource(text: str, variables: bool, where: str) -> ResourcePattern:
    if text == "*":
        return ANY_RESOURCE
    compiled = compile_arn_pattern(text, variables=variables) if text.startswith("arn:") else None
    if compiled is None:
        raise _fail(f'Resource {text} must be in ARN format or "*".', where)
    return compiled


def _pick(raw: dict[str, JsonValue], name: str, where: str) -> tuple[JsonValue, bool] | None:
    """The value of `name` or `Not<name>` and whether it was the Not form; both is an error."""
    plain, negated = raw.get(name), raw.get(f"Not{name}")
    if plain is not None and negated is not None:
        raise _fail(SYNTAX_ERROR, where)
    if plain is not None:
        return plain, False
    if negated is not None:
        return negated, True
    return None


def _statement(raw: JsonValue, index: int, kind: PolicyKind, version: Version) -> Statement:
    where = f"Statement[{index}]"
    if not isinstance(raw, dict) or not _STATEMENT_KEYS.issuperset(raw) or None in raw.values():
        raise _fail(SYNTAX_ERROR, where)
    variables = version is Version.V2012_10_17
    sid = raw.get("Sid")
    effect = raw.get("Effect")
    if (sid is not None and not isinstance(sid, str)) or not isinstance(effect, str):
        raise _fail(SYNTAX_ERROR, where)
    if effect not in ("Allow", "Deny"):
        raise _fail(LEGACY_PARSE_ERROR, f"{where}.Effect")
    if sid and kind is not PolicyKind.RESOURCE and not (sid.isascii() and sid.isalnum()):
        raise _fail(SID_NOT_ALNUM, f"{where}.Sid")

    principal = _pick(raw, "Principal", where)
    if kind is PolicyKind.IDENTITY and principal is not None:
        raise _fail(PRINCIPAL_PROHIBITED, where)
    if kind is not PolicyKind.IDENTITY and principal is None:
        raise _fail(PRINCIPAL_MISSING, where)
    spec = None if principal is None else parse_principal(principal[0], f"{where}.Principal")

    action = _pick(raw, "Action", where)
    if action is None:
        raise _fail(ACTIONS_MISSING, where)
    action_texts = _strings(action[0], f"{where}.Action", ACTIONS_MISSING)
    actions = tuple(_action(text, f"{where}.Action") for text in action_texts)

    resource = _pick(raw, "Resource", where)
    resources: tuple[ResourcePattern, ...] | None = None
    if kind is PolicyKind.TRUST and resource is not None:
        raise _fail(RESOURCE_PROHIBITED, where)
    if kind is not PolicyKind.TRUST:
        if resource is None:
            raise _fail(RESOURCES_MISSING, where)
        texts = _strings(resource[0], f"{where}.Resource", RESOURCES_MISSING)
        resources = tuple(_resource(text, variables, f"{where}.Resource") for text in texts)

    condition = raw.get("Condition")
    clauses: tuple[ConditionClause, ...] = ()
    if condition is not None:
        clauses = parse_condition_block(condition, variables=variables, where=f"{where}.Condition")

    required: frozenset[str] = frozenset()
    for pattern in resources or ():
        if isinstance(pattern, ArnTemplate):
            required |= pattern.required_keys()
    for clause in clauses:
        required |= clause.required_keys()
    return Statement(
        index=index,
        sid=sid,
        effect=Effect(effect),
        principal=spec,
        not_principal=principal is not None and principal[1],
        actions=actions,
        not_action=action[1],
        resources=resources,
        not_resource=resource is not None and resource[1],
        conditions=clauses,
        required_keys=required,
    )


def parse_policy(text: str, kind: PolicyKind) -> PolicyDocument:
    """Parse policy JSON text of the given kind; raise `MalformedPolicyDocumentError`."""
    top = decode(text)
    if (
        not isinstance(top, dict)
        or not _TOP_KEYS.issuperset(top)
        or "Statement" not in top
        or None in top.values()
    ):
        raise _fail(SYNTAX_ERROR, "policy")
    version_text = top.get("Version", Version.V2008_10_17.value)
    policy_id = top.get("Id")
    versions = {v.value: v for v in Version}
    if not isinstance(version_text, str) or version_text not in versions:
        raise _fail(SYNTAX_ERROR, "Version")
    if policy_id is not None and not isinstance(policy_id, str):
        raise _fail(SYNTAX_ERROR, "Id")
    version = versions[version_text]
    raw_statements = top["Statement"]
    if not isinstance(raw_statements, list):
        raw_statements = [raw_statements]
    if not raw_statements:
        raise _fail(SYNTAX_ERROR, "Statement")
    statements = tuple(
        _statement(raw, index, kind, version) for index, raw in enumerate(raw_statements)
    )
    sids = [s.sid for s in statements if s.sid]
    if len(sids) != len(set(sids)):
        raise _fail(SID_NOT_UNIQUE, "Statement")
    return PolicyDocument(kind, version, policy_id, statements)
