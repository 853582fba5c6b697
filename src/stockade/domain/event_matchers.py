"""The matchers of one event-pattern field: each item of a field's array, parsed strictly.

A matcher sees the field's scalar values (an event array contributes each element) or None
when the field is absent, and accepts if any value satisfies it (`exists` looks at presence).
Validation and messages follow event-ruler's JsonRuleCompiler (github.com/aws/event-ruler, the
library EventBridge's patterns come from), check for check and in the same order; messages
also recorded from AWS itself (LocalStack's tests/aws/services/events/
test_events_patterns.snapshot.json) are marked "AWS" below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from stockade.domain.event_numeric import numeric
from stockade.domain.event_text import cidr, ip_address_of, wildcard
from stockade.domain.event_values import MatcherError, comparable, is_number, same_value

ANYTHING_BUT_VALUE = "Value of anything-but must be an array or single string/number value."


class Matcher(Protocol):
    def accepts(self, values: Sequence[Any] | None) -> bool: ...


@dataclass(frozen=True)
class Exact:
    value: Any

    def accepts(self, values: Sequence[Any] | None) -> bool:
        return values is not None and any(same_value(self.value, v) for v in values)


@dataclass(frozen=True)
class Exists:
    wanted: bool

    def accepts(self, values: Sequence[Any] | None) -> bool:
        return self.wanted == bool(values)


@dataclass(frozen=True)
class Test:
    """A test on one string or number value (prefix, suffix, wildcard, numeric, cidr...)."""

    test: Callable[[Any], bool]

    def accepts(self, values: Sequence[Any] | None) -> bool:
        return values is not None and any(self.test(v) for v in values)


@dataclass(frozen=True)
class AnythingBut:
    """Present, and some value is not excluded (a null value is never excluded)."""

    excluded: Callable[[Any], bool]

    def accepts(self, values: Sequence[Any] | None) -> bool:
        return bool(values) and any(not self.excluded(v) for v in values or ())


def parse_matcher(item: Any) -> Matcher:
    if isinstance(item, str) and (address := ip_address_of(item)) is not None:
        return Test(lambda v: isinstance(v, str) and ip_address_of(v) == address)
    if item is None or isinstance(item, str | bool) or is_number(item):
        return Exact(item)
    if not isinstance(item, dict):
        raise MatcherError("Match value must be String, number, true, false, or null")
    if not item:
        raise MatcherError("Match expression name not found")
    kind, arg = next(iter(item.items()))
    if kind == "anything-but":
        matcher: Matcher = AnythingBut(_anything_but(arg))
        _only_one(item, "Too many elements in numeric expression")  # sic (event-ruler)
        return matcher
    if kind == "numeric":
        matcher = Test(numeric(arg))
        _only_one(item, "Too many elements in numeric expression")
        return matcher
    if kind in ("prefix", "suffix"):
        matcher = Test(_affix(kind, arg))
    elif kind == "equals-ignore-case":
        if not isinstance(arg, str):
            raise MatcherError("equals-ignore-case match pattern must be a string")  # AWS
        folded = arg.lower()
        matcher = Test(lambda v: isinstance(v, str) and v.lower() == folded)
    elif kind == "exists":
        if not isinstance(arg, bool):
            raise MatcherError("exists match pattern must be either true or false.")
        matcher = Exists(arg)
    elif kind == "cidr":
        matcher = Test(cidr(arg))
    elif kind == "wildcard":
        if not isinstance(arg, str):
            raise MatcherError("wildcard match pattern must be a string")  # AWS
        matcher = Test(wildcard(arg))
    else:
        raise MatcherError(f"Unrecognized match type {kind}")  # AWS (operators are case-sensitive)
    _only_one(item, "Only one key allowed in match expression")
    return matcher


def _only_one(expression: Mapping[str, Any], reason: str) -> None:
    if len(expression) != 1:
        raise MatcherError(reason)


def _affix(kind: str, arg: Any) -> Callable[[Any], bool]:
    if isinstance(arg, dict):
        if not arg:
            raise MatcherError(f"{kind.capitalize()} expression name not found")
        inner_kind, inner = next(iter(arg.items()))
        if inner_kind != "equals-ignore-case":
            raise MatcherError(f"Unsupported {kind} pattern: {inner_kind}")
        if not isinstance(inner, str):
            raise MatcherError("equals-ignore-case match pattern must be a string")
        _only_one(arg, "Only one key allowed in match expression")
        return _affix_test(kind, (inner,), ignore_case=True)
    if not isinstance(arg, str):
        raise MatcherError(f"{kind} match pattern must be a string")  # AWS
    return _affix_test(kind, (arg,), ignore_case=False)


def _affix_test(kind: str, texts: tuple[str, ...], ignore_case: bool) -> Callable[[Any], bool]:
    wanted = tuple(t.lower() for t in texts) if ignore_case else texts

    def test(value: Any) -> bool:
        if not isinstance(value, str):
            return False
        seen = value.lower() if ignore_case else value
        return any(seen.startswith(w) if kind == "prefix" else seen.endswith(w) for w in wanted)

    return test


ANYTHING_BUT_SETS = {
    "prefix": "prefix/suffix match pattern must be a string",  # AWS
    "suffix": "prefix/suffix match pattern must be a string",  # AWS
    "equals-ignore-case": (  # AWS
        "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
    ),
    "wildcard": "wildcard match pattern must be a string",  # AWS
}


def _anything_but(arg: Any) -> Callable[[Any], bool]:
    kind = ""
    if isinstance(arg, dict):
        if not arg:
            raise MatcherError("Anything-But expression name not found")
        kind, inner = next(iter(arg.items()))
        if kind not in ANYTHING_BUT_SETS:
            raise MatcherError(f"Unsupported anything-but pattern: {kind}")
        _check_anything_but_value(inner)
        excluded = _anything_but_set(kind, inner)
        _only_one(arg, "Too many elements in numeric expression")  # sic (event-ruler)
        return excluded
    _check_anything_but_value(arg)
    items = arg if isinstance(arg, list) else [arg]
    for i in items:
        if not (isinstance(i, str) or is_number(i)):
            raise MatcherError("Inside anything but list, start|null|boolean is not supported.")
        if is_number(i):
            comparable(i)
    if isinstance(arg, list) and len({isinstance(i, str) for i in items}) != 1:
        raise MatcherError(
            "Inside anything but list, either all values are number or string, mixed type is "
            "not supported"
        )
    return lambda v: any(same_value(i, v) for i in items)


def _check_anything_but_value(arg: Any) -> None:
    if not (isinstance(arg, list | str) or is_number(arg)):
        raise MatcherError(ANYTHING_BUT_VALUE)  # AWS (null, boolean, object)


def _anything_but_set(kind: str, arg: Any) -> Callable[[Any], bool]:
    items = arg if isinstance(arg, list) else [arg]
    if not all(isinstance(i, str) for i in items):
        raise MatcherError(ANYTHING_BUT_SETS[kind])
    if kind in ("prefix", "suffix"):
        if not all(items):
            raise MatcherError("Null prefix/suffix not allowed")  # AWS
        return _affix_test(kind, tuple(items), ignore_case=False)
    if kind == "equals-ignore-case":
        folded = {t.lower() for t in items}
        return lambda v: isinstance(v, str) and v.lower() in folded
    tests = [wildcard(t) for t in items]
    return lambda v: any(t(v) for t in tests)
