"""Event patterns, by property: a pattern built from an event's own values matches it; a field
changed to a value outside the pattern no longer does; arbitrary JSON never makes `matches`
raise, and arbitrary pattern text is either parsed or refused with EventPatternError; the
wildcard matcher agrees with a regular-expression oracle."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from stockade.domain.event_pattern import EventPatternError, parse_pattern

keys = st.text(alphabet="abcdefgh-_", min_size=1, max_size=6)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.text(max_size=12),
)
leaves = st.one_of(scalars, st.lists(scalars, min_size=1, max_size=4))
events = st.recursive(
    st.dictionaries(keys, leaves, min_size=1, max_size=4),
    lambda children: st.dictionaries(keys, st.one_of(leaves, children), min_size=1, max_size=4),
    max_leaves=12,
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


def own_pattern(event: dict[str, Any]) -> dict[str, Any]:
    """A pattern requiring every leaf of `event` as it is (one element of each array)."""
    return {
        key: own_pattern(value) if isinstance(value, dict) else [_first(value)]
        for key, value in event.items()
    }


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) else value


def leaf_paths(event: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = []
    for key, value in event.items():
        if isinstance(value, dict):
            paths += leaf_paths(value, (*prefix, key))
        else:
            paths.append((*prefix, key))
    return paths


@given(events)
def test_a_pattern_of_an_events_own_values_matches_it(event: dict[str, Any]) -> None:
    pattern = parse_pattern(json.dumps(own_pattern(event)))
    assert pattern.matches(event)
    assert pattern.matches(json.loads(json.dumps(event)))  # as a caller decodes it


@given(events, st.data())
def test_a_field_changed_to_a_value_outside_the_pattern_no_longer_matches(
    event: dict[str, Any], data: st.DataObject
) -> None:
    pattern = parse_pattern(json.dumps(own_pattern(event)))
    path = data.draw(st.sampled_from(leaf_paths(event)))
    holder = event
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = "\x00 not in any pattern"  # generated strings never start with NUL-space
    assert not pattern.matches(event)
    del holder[path[-1]]
    assert not pattern.matches(event)


def _fix_or(pattern: dict[str, Any]) -> dict[str, Any]:
    if "$or" in pattern and isinstance(pattern["$or"], dict):
        pattern["$or"] = [pattern["$or"], {"z": ["z"]}]
    elif "$or" in pattern:
        pattern["z"] = pattern.pop("$or")
    return pattern


safe_ints = st.integers(-(2**53), 2**53)  # exact as doubles, as EventBridge compares numbers
matcher_items = st.one_of(
    scalars,
    st.builds(lambda s: {"prefix": s}, st.text(max_size=4)),
    st.builds(lambda s: {"suffix": {"equals-ignore-case": s}}, st.text(max_size=4)),
    st.builds(lambda s: {"equals-ignore-case": s}, st.text(max_size=4)),
    st.builds(lambda s: {"anything-but": s}, st.one_of(st.text(max_size=4), safe_ints)),
    st.builds(lambda s: {"anything-but": {"prefix": s}}, st.text(min_size=1, max_size=4)),
    st.builds(lambda b: {"exists": b}, st.booleans()),
    st.builds(lambda n: {"numeric": [">=", n]}, safe_ints),
    st.builds(lambda n: {"numeric": [">", n, "<=", n + 10]}, st.integers(-100, 100)),
    st.just({"cidr": "10.0.0.0/8"}),
    st.just({"wildcard": "*a*b"}),
)
patterns = st.recursive(
    st.dictionaries(keys, st.lists(matcher_items, min_size=1, max_size=3), min_size=1),
    lambda children: st.dictionaries(
        st.one_of(keys, st.just("$or")),
        st.one_of(children, st.lists(matcher_items, min_size=1, max_size=3)),
        min_size=1,
        max_size=3,
    ).map(_fix_or),
    max_leaves=8,
)


@given(patterns, json_values)
def test_matching_arbitrary_json_never_raises(pattern: dict[str, Any], event: Any) -> None:
    compiled = parse_pattern(json.dumps(pattern))
    assert compiled.matches(event) in (True, False)
    assert compiled.matches({"a": event, "b": [event, event]}) in (True, False)


def outcome(text: str) -> str:
    """ "parsed", or the refusal's message; any other exception fails the test."""
    try:
        parse_pattern(text)
    except EventPatternError as exc:
        return exc.message
    return "parsed"


@given(json_values)
def test_arbitrary_pattern_json_is_parsed_or_refused(value: Any) -> None:
    result = outcome(json.dumps(value))
    assert result.startswith("Event pattern is not valid. Reason: ") or (
        result == "parsed" and isinstance(value, dict)
    )


@given(st.text(max_size=40))
def test_arbitrary_pattern_text_is_parsed_or_refused(text: str) -> None:
    result = outcome(text)
    assert result == "parsed" or result.startswith("Event pattern is not valid. Reason: ")


@given(
    st.text(alphabet="ab*", max_size=8).filter(lambda w: "**" not in w and w.count("*") <= 5),
    st.text(alphabet="ab", max_size=12),
)
def test_wildcards_agree_with_a_regular_expression(wildcard: str, value: str) -> None:
    oracle = re.fullmatch(".*".join(re.escape(part) for part in wildcard.split("*")), value)
    pattern = parse_pattern(json.dumps({"v": [{"wildcard": wildcard}]}))
    assert pattern.matches({"v": value}) is (oracle is not None)


@given(st.text(max_size=6), st.text(max_size=10))
def test_prefix_and_suffix_ignoring_case_agree_with_lowercase(affix: str, value: str) -> None:
    prefix = parse_pattern(json.dumps({"v": [{"prefix": {"equals-ignore-case": affix}}]}))
    suffix = parse_pattern(json.dumps({"v": [{"suffix": {"equals-ignore-case": affix}}]}))
    assert prefix.matches({"v": value}) is value.lower().startswith(affix.lower())
    assert suffix.matches({"v": value}) is value.lower().endswith(affix.lower())
