"""`numeric` matchers: one comparison, or a lower and an upper bound, checked term by term as
event-ruler's JsonRuleCompiler checks them (messages marked "AWS" were also recorded from AWS)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stockade.domain.event_values import MatcherError, comparable, is_number, token_text

NUMERIC_OPERATORS = ("<", "<=", "=", ">", ">=")


def numeric(arg: Any) -> Callable[[Any], bool]:
    if not isinstance(arg, list):
        raise MatcherError("Value of numeric must be an array.")  # AWS
    if not arg:
        raise MatcherError("Invalid member in numeric match: ]")
    op, *rest = arg
    if not isinstance(op, str):
        raise MatcherError(f"Invalid member in numeric match: {token_text(op)}")
    if op not in NUMERIC_OPERATORS:
        raise MatcherError(f"Unrecognized numeric range operator: {op}")
    operand = rest.pop(0) if rest else None
    if not is_number(operand):
        raise MatcherError(f"Value of {'equals' if op == '=' else op} must be numeric")  # AWS
    terms = [(op, comparable(operand))]
    if rest and op in ("=", "<", "<="):
        raise MatcherError("Too many elements in numeric expression")
    if rest:
        top_op = rest.pop(0)
        if not isinstance(top_op, str):
            raise MatcherError(f"Bad value in numeric range: {token_text(top_op)}")
        if top_op not in ("<", "<="):
            raise MatcherError(f"Bad numeric range operator: {top_op}")  # AWS
        top = rest.pop(0) if rest else None
        if not is_number(top):
            raise MatcherError(f"Value of {top_op} must be numeric")  # AWS
        if rest:
            raise MatcherError("Too many terms in numeric range expression")
        terms.append((top_op, comparable(top)))
        if terms[1][1] <= terms[0][1]:
            raise MatcherError("Bottom must be less than top")
    checks = {
        "<": float.__lt__,
        "<=": float.__le__,
        "=": float.__eq__,
        ">": float.__gt__,
        ">=": float.__ge__,
    }
    return lambda v: is_number(v) and all(checks[o](float(v), n) for o, n in terms)
