"""EventBridge event patterns: parsed once, strictly, into frozen matchers (`parse_pattern`),
then matched against events (`EventPattern.matches`). Used by rules' `EventPattern`,
`TestEventPattern` and Lambda's `FilterCriteria` (which passes the SQS record, body decoded).

Semantics follow the EventBridge user guide (eb-event-patterns, eb-create-pattern-operators,
eb-event-patterns-arrays) and AWS-recorded TestEventPattern results kept in LocalStack's
tests/aws/services/events/, and the checks of event-ruler's JsonRuleCompiler
(github.com/aws/event-ruler, the library behind EventBridge's patterns):

* a field's pattern is an array of alternatives (OR); fields of an object are AND;
  `$or` holds alternative sub-patterns at the same level;
* an event array matches if any of its elements matches; an object pattern applied to an
  array of objects must match within one element (array consistency);
* a dotted key ("a.b") and nested keys ({"a": {"b"}}) name the same field, in patterns and
  events alike (AWS-recorded `dot_joining_*`);
* numbers compare as numbers (300 = 300.0 = 3e2), never equal to strings or booleans;
* `exists: true` needs a leaf value (null counts, an object or empty array does not);
  `exists: false` also matches a missing parent;
* `anything-but` needs the field present; a null value is "anything but" any string.

Bounded work (a hostile pattern or event): patterns nest at most `MAX_DEPTH` objects; a
wildcard holds at most `MAX_WILDCARDS` stars, and matches in O(len(pattern) * len(value))
with no backtracking explosion; recursion follows the pattern's depth, never the event's
(nested event arrays are flattened iteratively), so the rest of the work is linear in the
size of the event for each part of the pattern. Matching never raises on any JSON value.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from stockade.domain.event_matchers import Matcher, parse_matcher
from stockade.domain.event_values import MatcherError, Number
from stockade.errors import StockadeError

MAX_DEPTH = 32  # nested objects in a pattern; 4096 characters (AWS's limit) reach far less
# EventBridge quotas (eb-quota): "Event pattern size" 2,048 characters by default (adjustable
# to 4,096, botocore's EventPattern max), and at most 30 rules with wildcards per event bus.
# The services enforce them with their own error shapes.
PATTERN_SIZE_QUOTA = 2048
WILDCARD_RULES_PER_BUS = 30
_PREFIX = "Event pattern is not valid. Reason: "
# Names event-ruler keeps for operators; a field inside $or may not use them.
RESERVED_IN_OR = frozenset(
    {
        *("exactly", "equals-ignore-case", "prefix", "suffix", "anything-but", "exists"),
        *("wildcard", "numeric", "cidr", "=", "<", "<=", ">", ">=", "regex", "not-wildcard"),
        *("not-equals-ignore-case", "date-after", "date-on-or-after", "date-before"),
        *("date-on-or-before", "in-date-range", "ip-address-in-range"),
        "ip-address-not-in-range",
    }
)

__all__ = [
    "MAX_DEPTH",
    "PATTERN_SIZE_QUOTA",
    "WILDCARD_RULES_PER_BUS",
    "EventPattern",
    "EventPatternError",
    "parse_pattern",
]


class EventPatternError(StockadeError):
    """The pattern is refused; `message` is AWS's InvalidEventPatternException text."""

    def __init__(self, reason: str) -> None:
        self.message = _PREFIX + reason
        super().__init__(self.message)


@dataclass(frozen=True)
class Leaf:
    path: tuple[str, ...]
    matchers: tuple[Matcher, ...]


@dataclass(frozen=True)
class Nested:
    path: tuple[str, ...]
    node: Node


@dataclass(frozen=True)
class AnyOf:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Node:
    """All of its parts must match within one event object."""

    parts: tuple[Leaf | Nested | AnyOf, ...]


@dataclass(frozen=True)
class EventPattern:
    root: Node
    # EventBridge allows 30 rules with wildcards per bus; the caller counts them by this.
    uses_wildcards: bool = False

    def matches(self, event: Mapping[str, Any]) -> bool:
        return isinstance(event, Mapping) and _match_node(self.root, event)


def parse_pattern(text: str) -> EventPattern:
    def refuse_constant(name: str) -> Any:
        raise ValueError(name)

    try:
        value = json.loads(text, parse_constant=refuse_constant, parse_float=Number)
    except (ValueError, RecursionError):
        raise EventPatternError("Filter is not valid JSON") from None
    if not isinstance(value, dict):
        raise EventPatternError("Filter is not an object")
    return EventPattern(_parse_node(value, 1), uses_wildcards=_has_wildcard(value))


def _has_wildcard(obj: Mapping[str, Any]) -> bool:
    """Whether a pattern (already parsed, so well formed and of bounded depth) holds a
    `wildcard` or `anything-but` `wildcard` matcher."""
    for key, value in obj.items():
        if key == "$or":
            found = any(_has_wildcard(alt) for alt in value)
        elif isinstance(value, dict):
            found = _has_wildcard(value)
        else:
            found = any(
                isinstance(item, dict)
                and (
                    "wildcard" in item
                    or (
                        isinstance(item.get("anything-but"), dict)
                        and "wildcard" in item["anything-but"]
                    )
                )
                for item in value
            )
        if found:
            return True
    return False


def _parse_node(obj: Mapping[str, Any], depth: int, in_or: bool = False) -> Node:
    if depth > MAX_DEPTH:
        raise EventPatternError(f"Filter is nested more than {MAX_DEPTH} levels deep")
    if not obj:
        raise EventPatternError("Empty objects are not allowed")
    parts: list[Leaf | Nested | AnyOf] = []
    for key, value in obj.items():
        if in_or and key in RESERVED_IN_OR:
            raise EventPatternError(
                f"{key} is Ruler reserved fieldName which cannot be used inside $or."
            )
        if key == "$or":
            parts.append(_parse_or(value, depth))
        elif isinstance(value, dict):
            parts.append(Nested(_split(key), _parse_node(value, depth + 1, in_or)))
        elif isinstance(value, list):
            if not value:
                raise EventPatternError("Empty arrays are not allowed")
            try:
                matchers = tuple(parse_matcher(item) for item in value)
            except MatcherError as exc:
                raise EventPatternError(exc.reason) from None
            parts.append(Leaf(_split(key), matchers))
        else:
            raise EventPatternError(f'"{key}" must be an object or an array')
    return Node(tuple(parts))


def _parse_or(value: Any, depth: int) -> AnyOf:
    if not isinstance(value, list):
        raise EventPatternError("It must be an Array followed with $or.")
    if not all(isinstance(item, dict) for item in value):
        raise EventPatternError("Only JSON object is allowed in array of $or relationship.")
    if len(value) < 2:
        raise EventPatternError("There must have at least 2 Objects in $or relationship.")
    return AnyOf(tuple(_parse_node(item, depth + 1, in_or=True) for item in value))


def _split(key: str) -> tuple[str, ...]:
    return tuple(key.split("."))


# --- matching -------------------------------------------------------------------------------


def _match_node(node: Node, obj: Mapping[str, Any]) -> bool:
    for part in node.parts:
        if isinstance(part, Leaf):
            ok = _match_leaf(part, obj)
        elif isinstance(part, Nested):
            objects = _contexts(obj, part.path)
            # A missing parent still lets `exists: false` (and $or of it) match.
            ok = any(_match_node(part.node, o) for o in objects) or (
                not objects and _match_node(part.node, {})
            )
        else:
            ok = any(_match_node(alt, obj) for alt in part.nodes)
        if not ok:
            return False
    return True


def _match_leaf(leaf: Leaf, obj: Mapping[str, Any]) -> bool:
    values = _leaf_values(_reach(obj, leaf.path))
    return any(m.accepts(values) for m in leaf.matchers)


def _reach(obj: Mapping[str, Any], path: Sequence[str]) -> Iterator[Any]:
    """Values at `path` below `obj`; a key may itself contain dots, and arrays of objects on
    the way are entered element by element. Iterative: a long dotted path costs no recursion,
    and each event object is visited once per way of reaching it (a tree: one way each)."""
    stack: list[tuple[Mapping[str, Any], int]] = [(obj, 0)]
    while stack:
        here, start = stack.pop()
        steps = [(path[start], start + 1)] if path[start] in here else []
        steps += [
            (key, start + len(parts))
            for key in here
            if "." in key
            and tuple(path[start : start + len(parts := key.split("."))]) == tuple(parts)
        ]
        for key, cut in steps:
            if cut == len(path):
                yield here[key]
            else:
                stack.extend((child, cut) for child in _objects(here[key]))


def _objects(value: Any) -> Iterator[Mapping[str, Any]]:
    for item in _flatten(value):
        if isinstance(item, Mapping):
            yield item


def _flatten(value: Any) -> Iterator[Any]:
    """Elements of (nested) arrays, iteratively: deep nesting costs no recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        else:
            yield item


def _contexts(obj: Mapping[str, Any], path: tuple[str, ...]) -> list[Mapping[str, Any]]:
    """The objects a nested pattern is matched within: those reached by `path`, merged with a
    view of the event's dotted keys below it ({"a.b": 1} seen from "a" is {"b": 1})."""
    objects = [o for found in _reach(obj, path) for o in _objects(found)]
    head = ".".join(path) + "."
    dotted = {k[len(head) :]: v for k, v in obj.items() if k.startswith(head)}
    if not dotted:
        return objects
    return [{**dotted, **o} for o in objects] or [dotted]


def _leaf_values(found: Iterator[Any]) -> list[Any] | None:
    """The scalar values of a field, or None when the field is absent (or only objects)."""
    values = [item for value in found for item in _flatten(value) if not isinstance(item, Mapping)]
    return values or None
