"""Condition operators and the evaluation of one statement's `Condition` block.

`OPERATORS` maps each operator name to how it reads policy values, reads request values and
compares them. On top of a base operator:

- `...IfExists`: an absent key makes the clause true (not allowed on `Null`).
- `ForAllValues:` true if the key is absent or empty, else every request value must pass.
- `ForAnyValue:` false if the key is absent or empty, else one request value must pass.
  Under a set qualifier `IfExists` changes nothing (it only concerns a single value).

A request value passes a positive operator if it matches any policy value (OR); it passes a
negated one (`StringNotEquals`, `NotIpAddress`, `ArnNotLike`, ...) if it matches none (NOR).
Without a qualifier, every request value of a multi-valued key is tried: a positive operator
holds if some value matches, a negated one if none does. An absent key fails a positive
operator and satisfies a negated one. Different keys, and different operators, are ANDed.
Keys compare case-insensitively. A request value that cannot be read (say, `abc` for a numeric
operator) matches nothing. Policy variables are resolved only for the string, ARN and Bool
families, as IAM documents.
"""

from __future__ import annotations

import operator as op
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from stockade.policy import operands
from stockade.policy.errors import MalformedPolicyDocumentError
from stockade.policy.jsontext import SYNTAX_ERROR, JsonNumber, JsonValue
from stockade.policy.matching import ArnGlob, Glob, split_arn
from stockade.policy.operands import IpAddress, IpNetwork
from stockade.policy.variables import ArnTemplate, Context, Piece, Template, compile_arn_pattern

P = TypeVar("P")
R = TypeVar("R")

LEGACY_PARSE_ERROR = "The policy failed legacy parsing"
VENDOR_ERROR = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."


class SetQualifier(Enum):
    FOR_ALL_VALUES = "ForAllValues"
    FOR_ANY_VALUE = "ForAnyValue"


def _text(pieces: tuple[Piece, ...]) -> str:
    return "".join(text for text, _ in pieces)


def _lower(pieces: tuple[Piece, ...]) -> str:
    return _text(pieces).lower()


@dataclass(frozen=True, slots=True)
class ValueKind(Generic[P, R]):
    """How a family of operators reads policy values (P) and request values (R)."""

    parse: Callable[[str], P]
    """Read a policy value; raises ValueError if invalid."""
    read: Callable[[str], R | None]
    """Read a request value; None if unreadable (it then matches nothing)."""
    finish: Callable[[tuple[Piece, ...]], P] | None = None
    """Build a policy value from resolved variable pieces; None: no variables in this family."""
    invalid: str = SYNTAX_ERROR


def _same(text: str) -> str:
    return text


def _parse_arn(text: str) -> ArnGlob:
    compiled = ArnGlob.compile(text)
    if compiled is None:
        raise ValueError("not an ARN")
    return compiled


STRING: ValueKind[str, str] = ValueKind(_same, _same, _text)
IGNORE_CASE: ValueKind[str, str] = ValueKind(str.lower, str.lower, _lower)
LIKE: ValueKind[Glob, str] = ValueKind(Glob.compile, _same, Glob.from_pieces)
BOOLEAN: ValueKind[str, str] = ValueKind(str.lower, str.lower, _lower)
NUMBER: ValueKind[Decimal, Decimal] = ValueKind(operands.parse_number, operands.read_number)
INSTANT: ValueKind[int, int] = ValueKind(
    operands.parse_instant, operands.read_instant, invalid=LEGACY_PARSE_ERROR
)
ADDRESS: ValueKind[IpNetwork, IpAddress] = ValueKind(operands.parse_network, operands.read_address)
BINARY: ValueKind[bytes, bytes] = ValueKind(operands.parse_binary, operands.read_binary)
ARN: ValueKind[ArnGlob, tuple[str, ...]] = ValueKind(_parse_arn, split_arn)
NULL: ValueKind[bool, str] = ValueKind(operands.parse_null_flag, _same)


@dataclass(frozen=True, slots=True)
class Operator(Generic[P, R]):
    """A base condition operator: `test(request_value, policy_value)` in the positive sense."""

    name: str
    kind: ValueKind[P, R]
    test: Callable[[R, P], bool]
    negated: bool = False


def _contains(address: IpAddress, network: IpNetwork) -> bool:
    return address in network


def _arn_matches(arn: tuple[str, ...], pattern: ArnGlob) -> bool:
    return pattern.matches(arn)


def _like(value: str, pattern: Glob) -> bool:
    return pattern.matches(value)


def _table(*operators: Operator[Any, Any]) -> Mapping[str, Operator[Any, Any]]:
    return MappingProxyType({operator.name: operator for operator in operators})


OPERATORS: Mapping[str, Operator[Any, Any]] = _table(
    Operator("StringEquals", STRING, op.eq),
    Operator("StringNotEquals", STRING, op.eq, negated=True),
    Operator("StringEqualsIgnoreCase", IGNORE_CASE, op.eq),
    Operator("StringNotEqualsIgnoreCase", IGNORE_CASE, op.eq, negated=True),
    Operator("StringLike", LIKE, _like),
    Operator("StringNotLike", LIKE, _like, negated=True),
    Operator("NumericEquals", NUMBER, op.eq),
    Operator("NumericNotEquals", NUMBER, op.eq, negated=True),
    Operator("NumericLessThan", NUMBER, op.lt),
    Operator("NumericLessThanEquals", NUMBER, op.le),
    Operator("NumericGreaterThan", NUMBER, op.gt),
    Operator("NumericGreaterThanEquals", NUMBER, op.ge),
    Operator("DateEquals", INSTANT, op.eq),
    Operator("DateNotEquals", INSTANT, op.eq, negated=True),
    Operator("DateLessThan", INSTANT, op.lt),
    Operator("DateLessThanEquals", INSTANT, op.le),
    Operator("DateGreaterThan", INSTANT, op.gt),
    Operator("DateGreaterThanEquals", INSTANT, op.ge),
    Operator("Bool", BOOLEAN, op.eq),
    Operator("BinaryEquals", BINARY, op.eq),
    Operator("IpAddress", ADDRESS, _contains),
    Operator("NotIpAddress", ADDRESS, _contains, negated=True),
    Operator("ArnEquals", ARN, _arn_matches),
    Operator("ArnLike", ARN, _arn_matches),
    Operator("ArnNotEquals", ARN, _arn_matches, negated=True),
    Operator("ArnNotLike", ARN, _arn_matches, negated=True),
    Operator("Null", NULL, op.eq),
)

# A policy value as stored: ready to compare, or deferred until the request is known.
Operand = Any


@dataclass(frozen=True, slots=True)
class Deferred:
    """A policy value holding variables: resolved per request, then finished by its kind."""

    template: Template
    finish: Callable[[tuple[Piece, ...]], Any]

    def required_keys(self) -> frozenset[str]:
        return self.template.required_keys()

    def resolve(self, context: Context) -> Any:
        return self.finish(self.template.pieces(context))


@dataclass(frozen=True, slots=True)
class ConditionClause:
    """One (operator, key) pair of a Condition block with its policy values."""

    operator: Operator[Any, Any]
    qualifier: SetQualifier | None
    if_exists: bool
    key: str
    values: tuple[Operand, ...]
    deferred: bool = field(init=False, repr=False, compare=False)
    """Derived: whether some value holds variables (and must be resolved per request)."""

    def __post_init__(self) -> None:
        deferred = any(isinstance(value, Deferred | ArnTemplate) for value in self.values)
        object.__setattr__(self, "deferred", deferred)

    def required_keys(self) -> frozenset[str]:
        """Context keys that policy variables in the values need."""
        keys: frozenset[str] = frozenset()
        for value in self.values:
            if isinstance(value, Deferred | ArnTemplate):
                keys |= value.required_keys()
        return keys

    def _resolved(self, context: Context) -> tuple[Operand, ...]:
        """Policy values with variables substituted (the statement checked the required keys)."""
        if not self.deferred:
            return self.values
        return tuple(
            value.resolve(context) if isinstance(value, Deferred | ArnTemplate) else value
            for value in self.values
        )

    def holds(self, context: Context) -> bool:
        """Evaluate this clause against a context whose keys are lower-cased."""
        present = context.get(self.key, ())
        operator = self.operator
        if operator.kind is NULL:
            return any(flag is not bool(present) for flag in self.values)
        if not present:
            if self.qualifier is not None:
                return self.qualifier is SetQualifier.FOR_ALL_VALUES
            return self.if_exists or operator.negated
        policy_values = self._resolved(context)
        read, test, negated = operator.kind.read, operator.test, operator.negated

        def passes(raw: str) -> bool:
            value = read(raw)
            hit = value is not None and any(test(value, p) for p in policy_values)
            return hit is not negated

        if self.qualifier is SetQualifier.FOR_ANY_VALUE or (self.qualifier is None and not negated):
            return any(map(passes, present))
        return all(map(passes, present))


def conditions_hold(clauses: tuple[ConditionClause, ...], context: Context) -> bool:
    return all(clause.holds(context) for clause in clauses)


def _split_operator(name: str) -> tuple[Operator[Any, Any], SetQualifier | None, bool] | None:
    qualifier = None
    prefix, colon, rest = name.partition(":")
    if colon:
        qualifier = next((q for q in SetQualifier if q.value == prefix), None)
        if qualifier is None:
            return None
        name = rest
    if_exists = name.endswith("IfExists")
    base = OPERATORS.get(name.removesuffix("IfExists") if if_exists else name)
    if base is None or (base.kind is NULL and (if_exists or qualifier is not None)):
        return None
    return base, qualifier, if_exists


def _scalar(value: JsonValue, where: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, JsonNumber):
        return value.text
    raise MalformedPolicyDocumentError(SYNTAX_ERROR, where)


def _operand(kind: ValueKind[Any, Any], text: str, variables: bool) -> Operand:
    if variables and "${" in text:
        if kind is ARN:
            compiled = compile_arn_pattern(text, variables=True)
            if compiled is None:
                raise ValueError("not an ARN")
            return compiled
        if kind.finish is not None:
            template = Template.parse(text)
            if template.variables:
                return Deferred(template, kind.finish)
            return kind.finish(template.fixed_pieces())
    return kind.parse(text)


def parse_condition_block(
    block: JsonValue, *, variables: bool, where: str
) -> tuple[ConditionClause, ...]:
    """Parse a statement's Condition object; `variables` is True for version 2012-10-17."""
    if not isinstance(block, dict):
        raise MalformedPolicyDocumentError(SYNTAX_ERROR, where)
    clauses: list[ConditionClause] = []
    for name, entries in block.items():
        split = _split_operator(name)
        if split is None or not isinstance(entries, dict):
            raise MalformedPolicyDocumentError(SYNTAX_ERROR, f"{where}.{name}")
        operator, qualifier, if_exists = split
        for key, raw in entries.items():
            here = f"{where}.{name}.{key}"
            vendor, colon, _ = key.partition(":")
            if not (vendor and colon):
                raise MalformedPolicyDocumentError(VENDOR_ERROR, here)
            items = raw if isinstance(raw, list) else [raw]
            if not items:
                raise MalformedPolicyDocumentError(SYNTAX_ERROR, here)
            texts = [_scalar(item, here) for item in items]
            try:
                values = tuple(_operand(operator.kind, text, variables) for text in texts)
            except ValueError as exc:
                raise MalformedPolicyDocumentError(operator.kind.invalid, here) from exc
            clauses.append(ConditionClause(operator, qualifier, if_exists, key.lower(), values))
    return tuple(clauses)
