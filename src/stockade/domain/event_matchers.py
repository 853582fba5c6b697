"""The matchers of one event-pattern field: each item of a field's array, parsed strictly.

A matcher sees the field's scalar values (an event array contributes each element) or None
when the field is absent, and accepts if any value satisfies it (`exists` looks at presence).
Messages are AWS's InvalidEventPatternException reasons; those recorded from AWS (LocalStack's
tests/aws/services/events/test_events_patterns.snapshot.json) are marked "AWS" below, the rest
follow the same style and are Stockade's own wording.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

MAX_WILDCARDS = 5  # AWS refuses a six-star wildcard as "too complex" (AWS-recorded)
NUMERIC_OPERATORS = ("<", "<=", "=", ">", ">=")
TOO_COMPLEX = (
    "Rule is too complex - try using fewer wildcard characters or fewer repeating character "
    "sequences after a wildcard character"
)
ANYTHING_BUT_VALUE = "Value of anything-but must be an array or single string/number value."


class MatcherError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Matcher(Protocol):
    def accepts(self, values: Sequence[Any] | None) -> bool: ...


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def same_value(expected: Any, actual: Any) -> bool:
    """JSON equality as EventBridge sees it: numbers by value, never across types."""
    if is_number(expected):
        return is_number(actual) and float(expected) == float(actual)
    if expected is None or isinstance(expected, bool):
        return actual is expected
    return isinstance(actual, str) and actual == expected


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
    if item is None or isinstance(item, str | bool) or is_number(item):
        return Exact(item)
    if not isinstance(item, dict):
        raise MatcherError("Match value must be String, number, true, false, or null")
    if len(item) != 1:
        raise MatcherError("Only one key allowed in match expression")
    ((kind, arg),) = item.items()
    if kind in ("prefix", "suffix"):
        return Test(_affix(kind, arg))
    if kind == "equals-ignore-case":
        if not isinstance(arg, str):
            raise MatcherError("equals-ignore-case match pattern must be a string")  # AWS
        folded = arg.lower()
        return Test(lambda v: isinstance(v, str) and v.lower() == folded)
    if kind == "anything-but":
        return AnythingBut(_anything_but(arg))
    if kind == "numeric":
        return Test(_numeric(arg))
    if kind == "exists":
        if not isinstance(arg, bool):
            raise MatcherError("exists match pattern must be either true or false.")
        return Exists(arg)
    if kind == "cidr":
        return Test(_cidr(arg))
    if kind == "wildcard":
        if not isinstance(arg, str):
            raise MatcherError("wildcard match pattern must be a string")  # AWS
        return Test(wildcard(arg))
    raise MatcherError(f"Unrecognized match type {kind}")  # AWS (operators are case-sensitive)


def _affix(kind: str, arg: Any) -> Callable[[Any], bool]:
    ignore_case = False
    if isinstance(arg, dict) and set(arg) == {"equals-ignore-case"}:
        arg, ignore_case = arg["equals-ignore-case"], True
        if not isinstance(arg, str):
            raise MatcherError("equals-ignore-case match pattern must be a string")
    elif not isinstance(arg, str):
        raise MatcherError(f"{kind} match pattern must be a string")  # AWS
    return _affix_test(kind, (arg,), ignore_case)


def _affix_test(kind: str, texts: tuple[str, ...], ignore_case: bool) -> Callable[[Any], bool]:
    wanted = tuple(t.lower() for t in texts) if ignore_case else texts

    def test(value: Any) -> bool:
        if not isinstance(value, str):
            return False
        seen = value.lower() if ignore_case else value
        return any(seen.startswith(w) if kind == "prefix" else seen.endswith(w) for w in wanted)

    return test


def _strings(arg: Any, reason: str) -> tuple[str, ...]:
    items = arg if isinstance(arg, list) else [arg]
    if not items or not all(isinstance(i, str) for i in items):
        raise MatcherError(reason)
    return tuple(items)


def _anything_but(arg: Any) -> Callable[[Any], bool]:
    if isinstance(arg, str) or is_number(arg):
        return lambda v: same_value(arg, v)
    if isinstance(arg, list):
        if not arg:
            raise MatcherError("Empty arrays are not allowed")
        if not all(isinstance(i, str) or is_number(i) for i in arg):
            raise MatcherError("Inside anything but list, start|null|boolean is not supported.")
        return lambda v: any(same_value(i, v) for i in arg)  # AWS message above
    if not isinstance(arg, dict):
        raise MatcherError(ANYTHING_BUT_VALUE)  # AWS (null, boolean)
    if len(arg) != 1:
        raise MatcherError("Only one key allowed in match expression")
    ((kind, inner),) = arg.items()
    if kind in ("prefix", "suffix"):
        if isinstance(inner, dict):
            raise MatcherError(ANYTHING_BUT_VALUE)  # AWS: no equals-ignore-case inside
        texts = _strings(inner, "prefix/suffix match pattern must be a string")  # AWS
        if not all(texts):
            raise MatcherError("Null prefix/suffix not allowed")  # AWS
        return _affix_test(kind, texts, ignore_case=False)
    if kind == "equals-ignore-case":
        reason = (
            "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not "
            "supported."
        )
        folded = {t.lower() for t in _strings(inner, reason)}  # AWS message
        return lambda v: isinstance(v, str) and v.lower() in folded
    if kind == "wildcard":
        tests = [wildcard(t) for t in _strings(inner, "wildcard match pattern must be a string")]
        return lambda v: any(t(v) for t in tests)
    raise MatcherError(f"Unsupported anything-but pattern: {kind}")


def _numeric(arg: Any) -> Callable[[Any], bool]:
    if not isinstance(arg, list):
        raise MatcherError("Value of numeric must be an array.")  # AWS
    if not arg:
        raise MatcherError("Invalid member in numeric match: ]")
    terms: list[tuple[str, float]] = []
    rest = list(arg)
    while rest:
        op = rest.pop(0)
        if not isinstance(op, str):
            raise MatcherError(f"Invalid member in numeric match: {op}")
        if op not in NUMERIC_OPERATORS:
            raise MatcherError(f"Unrecognized numeric range operator: {op}")
        if terms and (terms[0][0] not in (">", ">=") or op not in ("<", "<=")):
            raise MatcherError(f"Bad numeric range operator: {op}")  # AWS
        if len(terms) == 2:
            raise MatcherError("Too many terms in numeric range expression")
        operand = rest.pop(0) if rest else None
        if not is_number(operand):
            raise MatcherError(f"Value of {'equals' if op == '=' else op} must be numeric")  # AWS
        terms.append((op, float(operand)))  # type: ignore[arg-type]
    if len(terms) == 2 and terms[1][1] <= terms[0][1]:
        raise MatcherError("Bottom must be less than top")
    checks = {
        "<": float.__lt__,
        "<=": float.__le__,
        "=": float.__eq__,
        ">": float.__gt__,
        ">=": float.__ge__,
    }
    return lambda v: is_number(v) and all(checks[op](float(v), n) for op, n in terms)


def _cidr(arg: Any) -> Callable[[Any], bool]:
    if not isinstance(arg, str):
        raise MatcherError("prefix match pattern must be a string")  # AWS (sic)
    parts = arg.split("/")
    if len(parts) != 2:
        raise MatcherError("Malformed CIDR, one '/' required")  # AWS
    address, bits = parts
    if not bits.isdigit():
        raise MatcherError("Malformed CIDR, mask bits must be an integer")  # AWS
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise MatcherError(f"Nonstandard IP address: {address}") from None  # AWS
    if int(bits) > ip.max_prefixlen:
        raise MatcherError(f"Malformed CIDR, mask bits must be between 0 and {ip.max_prefixlen}")
    network = ipaddress.ip_network(f"{address}/{int(bits)}", strict=False)

    def test(value: Any) -> bool:
        if not isinstance(value, str):
            return False
        try:
            return ipaddress.ip_address(value) in network
        except ValueError:
            return False

    return test


def wildcard(text: str) -> Callable[[Any], bool]:
    """`*` matches any run of characters (also none); `\\*` and `\\\\` are literal."""
    segments = [""]
    stars = 0
    i = 0
    after_star = False
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            if i + 1 >= len(text) or text[i + 1] not in "*\\":
                raise MatcherError(f"Invalid escape character at pos {i + 1}")
            segments[-1] += text[i + 1]
            i += 2
            after_star = False
            continue
        if ch == "*":
            if after_star:
                raise MatcherError(f"Consecutive wildcard characters at pos {i}")  # AWS
            stars += 1
            segments.append("")
        else:
            segments[-1] += ch
        after_star = ch == "*"
        i += 1
    if stars > MAX_WILDCARDS:
        raise MatcherError(TOO_COMPLEX)  # AWS (recorded for six stars)
    return _glob(tuple(segments))


def _glob(segments: tuple[str, ...]) -> Callable[[Any], bool]:
    """Greedy leftmost matching of the middle segments: linear scans, no backtracking."""
    first, last = segments[0], segments[-1]

    def test(value: Any) -> bool:
        if not isinstance(value, str):
            return False
        if len(segments) == 1:
            return value == first
        if len(value) < len(first) + len(last):
            return False
        if not (value.startswith(first) and value.endswith(last)):
            return False
        pos, end = len(first), len(value) - len(last)
        for middle in segments[1:-1]:
            found = value.find(middle, pos, end)
            if found < 0:
                return False
            pos = found + len(middle)
        return True

    return test
