"""The matchers of one event-pattern field: each item of a field's array, parsed strictly.

A matcher sees the field's scalar values (an event array contributes each element) or None
when the field is absent, and accepts if any value satisfies it (`exists` looks at presence).
Validation and messages follow event-ruler's JsonRuleCompiler (github.com/aws/event-ruler, the
library EventBridge's patterns come from), check for check and in the same order; messages
also recorded from AWS itself (LocalStack's tests/aws/services/events/
test_events_patterns.snapshot.json) are marked "AWS" below.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from stockade.errors import StockadeError

MAX_WILDCARDS = 5  # AWS refuses a six-star wildcard as "too complex" (AWS-recorded)
NUMERIC_OPERATORS = ("<", "<=", "=", ">", ">=")
TOO_COMPLEX = (
    "Rule is too complex - try using fewer wildcard characters or fewer repeating character "
    "sequences after a wildcard character"
)
ANYTHING_BUT_VALUE = "Value of anything-but must be an array or single string/number value."


class Number(float):
    """A number read from a pattern, keeping its text for AWS's messages and checks."""

    text: str

    def __new__(cls, text: str) -> Number:
        number = super().__new__(cls, text)
        number.text = text
        return number


class MatcherError(StockadeError):
    """One matcher is refused; event_pattern turns `reason` into AWS's full message."""

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
        return is_number(actual) and bool(expected == actual)  # int and float compare exactly
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
        matcher = Test(_numeric(arg))
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
        matcher = Test(_cidr(arg))
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


def comparable(number: Any) -> float:
    """The number as EventBridge compares it: a double, refused if the text loses digits."""
    value = float(number)
    text = getattr(number, "text", None) or str(number)
    if Decimal(repr(value)) != Decimal(text):
        raise MatcherError(f"Cannot compare number : {text}")
    return value


def _token(value: Any) -> str:
    """How the JSON reader shows a token in a message."""
    if isinstance(value, dict):
        return "{"
    if isinstance(value, list):
        return "["
    return value if isinstance(value, str) else getattr(value, "text", None) or json.dumps(value)


def _numeric(arg: Any) -> Callable[[Any], bool]:
    if not isinstance(arg, list):
        raise MatcherError("Value of numeric must be an array.")  # AWS
    if not arg:
        raise MatcherError("Invalid member in numeric match: ]")
    op, *rest = arg
    if not isinstance(op, str):
        raise MatcherError(f"Invalid member in numeric match: {_token(op)}")
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
            raise MatcherError(f"Bad value in numeric range: {_token(top_op)}")
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


IPV4 = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
IPV6 = re.compile(r"[0-9a-fA-F:]*:[0-9a-fA-F:]*")


def ip_address_of(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a string spells, if it looks like one (event-ruler's two shapes)."""
    if not (IPV4.fullmatch(text) or IPV6.fullmatch(text)):
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _cidr(arg: Any) -> Callable[[Any], bool]:
    if not isinstance(arg, str):
        raise MatcherError("prefix match pattern must be a string")  # AWS (sic)
    parts = arg.split("/")
    if len(parts) != 2:
        raise MatcherError("Malformed CIDR, one '/' required")  # AWS
    address, bits_text = parts
    if not re.fullmatch(r"[+-]?[0-9]+", bits_text):
        raise MatcherError("Malformed CIDR, mask bits must be an integer")  # AWS
    bits = int(bits_text)
    if bits < 0:
        raise MatcherError("Malformed CIDR, mask bits must not be negative")
    ip = ip_address_of(address)
    if ip is None:
        raise MatcherError(f"Nonstandard IP address: {address}")  # AWS
    if ip.version == 4 and bits > 31:
        raise MatcherError("IPv4 mask bits must be < 32")
    if ip.version == 6 and bits > 127:
        raise MatcherError("IPv6 mask bits must be < 128")
    network = ipaddress.ip_network(f"{ip}/{bits}", strict=False)

    def test(value: Any) -> bool:
        found = ip_address_of(value) if isinstance(value, str) else None
        return found is not None and found in network

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
                raise MatcherError(f"Invalid escape character at pos {_pos(text, i)}")
            segments[-1] += text[i + 1]
            i += 2
            after_star = False
            continue
        if ch == "*":
            if after_star:
                raise MatcherError(f"Consecutive wildcard characters at pos {_pos(text, i - 1)}")
            stars += 1
            segments.append("")
        else:
            segments[-1] += ch
        after_star = ch == "*"
        i += 1
    if stars > MAX_WILDCARDS:
        raise MatcherError(TOO_COMPLEX)  # AWS (recorded for six stars)
    return _glob(tuple(segments))


def _pos(text: str, index: int) -> int:
    """A position as AWS reports it: UTF-8 bytes into the value, which it reads quoted."""
    return len(text[:index].encode()) + 1


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
