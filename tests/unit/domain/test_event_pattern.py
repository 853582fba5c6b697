"""Event patterns, operator by operator: examples follow the EventBridge user guide
(eb-create-pattern-operators, eb-event-patterns-arrays) and AWS-recorded TestEventPattern
outcomes (LocalStack's tests/aws/services/events/event_pattern_templates and snapshot)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from stockade.domain.event_pattern import MAX_DEPTH, EventPatternError, parse_pattern

PREFIX = "Event pattern is not valid. Reason: "
MIXED_LIST = (
    "Inside anything but list, either all values are number or string, mixed type is not supported"
)
IGNORE_CASE_LIST = (
    "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
)


def matches(pattern: Any, event: Any) -> bool:
    return parse_pattern(json.dumps(pattern)).matches(event)


def refusal(pattern: Any) -> str:
    text = pattern if isinstance(pattern, str) else json.dumps(pattern)
    with pytest.raises(EventPatternError) as caught:
        parse_pattern(text)
    assert caught.value.message.startswith(PREFIX)
    return caught.value.message.removeprefix(PREFIX)


EC2 = {
    "version": "0",
    "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "123456789012",
    "time": "2015-11-11T21:29:54Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
    "detail": {"instance-id": "i-abcd1111", "state": "pending", "c-count": 5, "flag": False},
}


def detail(**fields: Any) -> dict[str, Any]:
    return {**EC2, "detail": fields}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"source": ["aws.ec2"]}, True),
        ({"source": ["aws.s3"]}, False),
        ({"source": ["aws.s3", "aws.ec2"]}, True),  # a field's array is OR
        ({"source": ["aws.ec2"], "detail-type": ["nope"]}, False),  # fields are AND
        ({"detail": {"state": ["pending"]}}, True),
        ({"detail": {"c-count": [5]}}, True),
        ({"detail": {"c-count": [5.0]}}, True),  # numbers by value
        ({"detail": {"c-count": ["5"]}}, False),  # never across types
        ({"detail": {"flag": [False]}}, True),
        ({"detail": {"flag": [0]}}, False),
        ({"detail": {"missing": [None]}}, False),
    ],
)
def test_exact_values(pattern: Any, expected: bool) -> None:
    assert matches(pattern, EC2) is expected


def test_numbers_compare_by_value_whatever_their_spelling() -> None:
    for text in ("300", "300.0", "3e2", "3.0E+2", "300.000000"):
        assert parse_pattern(f'{{"n": [{text}]}}').matches({"n": 300})
        assert parse_pattern(f'{{"n": [{{"anything-but": {text}}}]}}').matches({"n": 301})
        assert not parse_pattern(f'{{"n": [{{"anything-but": {text}}}]}}').matches({"n": 300.0})


def test_null_and_empty_string_are_values() -> None:
    assert matches({"a": [None]}, {"a": None})
    assert not matches({"a": [None]}, {"a": ""})
    assert matches({"a": [""]}, {"a": ""})
    assert not matches({"a": [""]}, {})


def test_event_arrays_match_if_any_element_matches() -> None:
    # eb-event-patterns-arrays: the intersection of pattern and event arrays must be non-empty
    resources = [
        "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x",
        "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
    ]
    pattern = {"resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f", "other"]}
    assert matches(pattern, {"resources": resources})
    assert not matches(pattern, {"resources": resources[:1]})
    assert not matches({"resources": [None]}, {"resources": []})  # AWS-recorded
    assert matches({"a": [3]}, {"a": [[1, 2], [3]]})  # nested arrays flatten


def test_arrays_of_objects_match_within_one_element() -> None:
    pattern = {"people": {"first": ["Ann"], "last": ["Lee"]}}
    assert matches(
        pattern, {"people": [{"first": "Bo", "last": "Lee"}, {"first": "Ann", "last": "Lee"}]}
    )
    assert not matches(
        pattern, {"people": [{"first": "Ann", "last": "Wu"}, {"first": "Bo", "last": "Lee"}]}
    )


def test_dotted_keys_and_nesting_name_the_same_field() -> None:
    # AWS-recorded dot_joining_event / dot_joining_pattern
    assert matches(
        {"detail": {"state": {"status": ["running"]}}}, {"detail": {"state.status": "running"}}
    )
    assert matches(
        {"detail": {"state.status": ["running"]}}, {"detail": {"state": {"status": "running"}}}
    )
    assert not matches(
        {"detail": {"state": {"status": ["running"]}}},
        {"detail": {"state.status": {"status": "running"}}},
    )


def test_prefix_and_suffix() -> None:
    assert matches({"time": [{"prefix": "2015-11-11"}]}, EC2)
    assert not matches({"time": [{"prefix": "2017"}]}, EC2)
    assert matches(
        {"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}},
        detail(service="EvEnTbridge"),
    )
    assert matches({"f": [{"suffix": ".png"}]}, {"f": "a.png"})
    assert not matches({"f": [{"suffix": ".png"}]}, {"f": "a.PNG"})
    assert matches({"f": [{"suffix": {"equals-ignore-case": ".png"}}]}, {"f": "a.PNG"})
    assert not matches({"f": [{"prefix": "1"}]}, {"f": 12})  # strings only


def test_equals_ignore_case() -> None:
    assert matches(
        {"detail-type": [{"equals-ignore-case": "ec2 instance state-change notification"}]}, EC2
    )
    assert not matches({"n": [{"equals-ignore-case": "alice"}]}, {"n": "alicia"})
    assert matches({"n": [{"equals-ignore-case": ""}]}, {"n": ""})  # AWS-recorded
    assert not matches({"n": [{"equals-ignore-case": ""}]}, {"n": "x"})


@pytest.mark.parametrize(
    ("rule", "value", "expected"),
    [
        ("initializing", "pending", True),
        ("initializing", "initializing", False),
        ("initializing", None, True),  # AWS-recorded: a null value is anything but a string
        (123, 789, True),
        (123, 123, False),
        (123, "123", True),
        (0, 789, True),
        (["stopped", "overloaded"], "pending", True),
        (["stopped", "overloaded"], "stopped", False),
        ([100, 200, 300], 100.0, False),
        ({"prefix": "init"}, "initializing", False),
        ({"prefix": "init"}, "post-init", True),
        ({"prefix": ["init", "test"]}, "testing", False),
        ({"prefix": "init"}, None, True),
        ({"suffix": ".png"}, "a.png", False),
        ({"suffix": [".txt", ".jpg"]}, "a.png", True),
        ({"equals-ignore-case": "initializing"}, "INITIALIZING", False),
        ({"equals-ignore-case": ["initializing", "stopped"]}, "Stopped", False),
        ({"equals-ignore-case": ["initializing", "stopped"]}, "pending", True),
        ({"wildcard": "*/lib/*"}, "/usr/lib/x", False),
        ({"wildcard": ["*/lib/*", "*/bin/*"]}, "/usr/share/x", True),
    ],
)
def test_anything_but(rule: Any, value: Any, expected: bool) -> None:
    assert matches({"s": [{"anything-but": rule}]}, {"s": value}) is expected


def test_anything_but_needs_the_field() -> None:
    # AWS-recorded content_anything_but_*_missing_NEG
    for rule in ("x", ["x", "y"], {"prefix": "x"}, {"equals-ignore-case": "x"}):
        assert not matches({"detail": {"s": [{"anything-but": rule}]}}, detail())


def test_anything_but_on_an_array_needs_one_other_element() -> None:
    assert matches({"s": [{"anything-but": "a"}]}, {"s": ["a", "b"]})
    assert not matches({"s": [{"anything-but": "a"}]}, {"s": ["a", "a"]})


@pytest.mark.parametrize(
    ("numeric", "value", "expected"),
    [
        ([">", 0, "<=", 5], 5, True),
        ([">", 0, "<=", 5], 0, False),
        ([">", 0, "<=", 5], 5.000001, False),
        (["<", 10], 9.99, True),
        (["<", 10], 10, False),
        (["=", 3.018e2], 301.8, True),
        (["=", 300], 300.0, True),
        ([">=", -1e9, "<", 1e9], -1e9, True),
        ([">", 0], "7", False),  # numbers only
        ([">", 0], True, False),
    ],
)
def test_numeric(numeric: list[Any], value: Any, expected: bool) -> None:
    assert matches({"n": [{"numeric": numeric}]}, {"n": value}) is expected


def test_exists() -> None:
    assert matches({"detail": {"state": [{"exists": True}]}}, EC2)
    assert not matches({"detail": {"nope": [{"exists": True}]}}, EC2)
    assert matches({"detail": {"nope": [{"exists": False}]}}, EC2)
    assert not matches({"detail": {"state": [{"exists": False}]}}, EC2)
    # exists works on leaves only: an object is not a leaf value
    assert not matches({"detail": [{"exists": True}]}, EC2)
    # AWS-recorded content_exists_false: a missing parent still matches exists: false
    assert matches({"a": {"b": {"c": [{"exists": False}]}}}, {"a": {"x": 1}})
    assert matches({"a": {"b": {"c": [{"exists": False}]}}}, {})
    assert not matches({"a": {"b": [{"exists": True}]}}, {"a": {"b": []}})
    assert matches({"a": [{"exists": True}]}, {"a": None})


def test_cidr() -> None:
    assert matches({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.0.255"})
    assert not matches({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.1.0"})
    assert matches({"ip": [{"cidr": "2001:db8:1234:1a00::/64"}]}, {"ip": "2001:db8:1234:1a00::10"})
    assert not matches({"ip": [{"cidr": "2001:db8:1234:1a00::/64"}]}, {"ip": "10.0.0.1"})
    assert not matches({"ip": [{"cidr": "10.0.0.0/8"}]}, {"ip": "not an ip"})
    assert not matches({"ip": [{"cidr": "10.0.0.0/8"}]}, {"ip": 10})


@pytest.mark.parametrize(
    ("wildcard", "value", "expected"),
    [
        ("dir/*.png", "dir/a.png", True),
        ("dir/*.png", "dir/.png", True),  # a star may match nothing
        ("dir/*.png", "dir/a.jpg", False),
        ("*/lib/*", "usr/lib/x", True),
        ("a*b*c", "aXbYc", True),
        ("a*b*c", "acb", False),
        ("a*a", "a", False),
        ("arn:aws:events:us-east-1:*:event-bus/*", "arn:aws:events:us-east-1:1:event-bus/b", True),
        ("a\\*b", "a*b", True),
        ("a\\*b", "axb", False),
        ("a\\\\b*", "a\\bc", True),
        ("exact", "exact", True),
    ],
)
def test_wildcard(wildcard: str, value: str, expected: bool) -> None:
    assert matches({"v": [{"wildcard": wildcard}]}, {"v": value}) is expected


def test_or() -> None:
    pattern = {
        "detail": {
            "$or": [
                {"c-count": [{"numeric": [">", 0, "<=", 5]}]},
                {"d-count": [{"numeric": ["<", 10]}]},
                {"x-limit": [{"numeric": ["=", 3.018e2]}]},
            ]
        }
    }
    # AWS-recorded complex_or / complex_or_NEG
    assert matches(pattern, detail(**{"c-count": 0, "d-count": 0, "x-limit": 901.8}))
    assert not matches(pattern, detail(**{"c-count": 0, "d-count": 10, "x-limit": 901.8}))
    top = {"source": ["aws.ec2"], "$or": [{"region": ["eu-west-1"]}, {"account": ["123456789012"]}]}
    assert matches(top, EC2)


# --- validation: AWS-recorded InvalidEventPatternException reasons --------------------------


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ({"int": 42}, '"int" must be an object or an array'),
        ({"string": "my-value"}, '"string" must be an object or an array'),
        ({"resources": []}, "Empty arrays are not allowed"),
        ({"d": [{"NUMERIC": ["=", 5]}]}, "Unrecognized match type NUMERIC"),
        ({"d": [{"EXISTS": True}]}, "Unrecognized match type EXISTS"),
        ({"d": [{"numeric": [">", 0, ">", 0]}]}, "Bad numeric range operator: >"),
        ({"d": [{"numeric": [">", 0, "<"]}]}, "Value of < must be numeric"),
        ({"d": [{"numeric": 10}]}, "Value of numeric must be an array."),
        (
            {"d": [{"wildcard": "*:*:*:*:*:event-bus/*"}]},
            "Rule is too complex - try using fewer wildcard characters or fewer repeating "
            "character sequences after a wildcard character",
        ),
        (
            {"d": [{"wildcard": "arn:aws:events:us-east-1:**:event-bus/*"}]},
            "Consecutive wildcard characters at pos 26",
        ),
        ({"d": [{"wildcard": 123}]}, "wildcard match pattern must be a string"),
        ({"d": [{"wildcard": ["a*"]}]}, "wildcard match pattern must be a string"),
        (
            {"d": [{"equals-ignore-case": ["x"]}]},
            "equals-ignore-case match pattern must be a string",
        ),
        (
            {"d": [{"equals-ignore-case": {"prefix": "x"}}]},
            "equals-ignore-case match pattern must be a string",
        ),
        ({"d": [{"prefix": 123}]}, "prefix match pattern must be a string"),
        ({"d": [{"prefix": ["x"]}]}, "prefix match pattern must be a string"),
        ({"d": [{"suffix": 123}]}, "suffix match pattern must be a string"),
        ({"d": [{"cidr": "bad-filter"}]}, "Malformed CIDR, one '/' required"),
        ({"d": [{"cidr": "bad-/64filter"}]}, "Malformed CIDR, mask bits must be an integer"),
        ({"d": [{"cidr": "xx.11.xx/8"}]}, "Nonstandard IP address: xx.11.xx"),
        (
            {"d": [{"cidr": "xxxx:db8:1234:1a00::/64"}]},
            "Nonstandard IP address: xxxx:db8:1234:1a00::",
        ),
        ({"d": [{"cidr": ["bad-type"]}]}, "prefix match pattern must be a string"),
        (
            {"d": [{"anything-but": {"equals-ignore-case": 123}}]},
            IGNORE_CASE_LIST,
        ),
        (
            {"d": [{"anything-but": {"equals-ignore-case": [123, 456]}}]},
            IGNORE_CASE_LIST,
        ),
        (
            {"d": [{"anything-but": ["stopped", None]}]},
            "Inside anything but list, start|null|boolean is not supported.",
        ),
        (
            {"d": [{"anything-but": None}]},
            "Value of anything-but must be an array or single string/number value.",
        ),
        (
            {"d": [{"anything-but": {"prefix": {"equals-ignore-case": "file"}}}]},
            "Value of anything-but must be an array or single string/number value.",
        ),
        (
            {"d": [{"anything-but": {"suffix": {"equals-ignore-case": ".png"}}}]},
            "Value of anything-but must be an array or single string/number value.",
        ),
        (
            {"d": [{"anything-but": {"prefix": 123}}]},
            "prefix/suffix match pattern must be a string",
        ),
        (
            {"d": [{"anything-but": {"prefix": [123, "test"]}}]},
            "prefix/suffix match pattern must be a string",
        ),
        (
            {"d": [{"anything-but": {"suffix": [None, ".txt"]}}]},
            "prefix/suffix match pattern must be a string",
        ),
        ({"d": [{"anything-but": {"prefix": ""}}]}, "Null prefix/suffix not allowed"),
        ({"d": [{"anything-but": {"suffix": ""}}]}, "Null prefix/suffix not allowed"),
        ({"d": [{"anything-but": {"wildcard": 123}}]}, "wildcard match pattern must be a string"),
        (
            {"d": [{"anything-but": {"wildcard": [123, "*/dir/*"]}}]},
            "wildcard match pattern must be a string",
        ),
    ],
)
def test_refusals_recorded_from_aws(pattern: Any, reason: str) -> None:
    assert refusal(pattern) == reason


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        # Messages of event-ruler's JsonRuleCompiler (github.com/aws/event-ruler), the library
        # EventBridge's patterns come from; JSON syntax errors are Stockade's own wording.
        ("this is valid json but not a dict", "Filter is not valid JSON"),
        ('["not", "a", "dict"]', "Filter is not an object"),
        ("{'bad': 'quotation'}", "Filter is not valid JSON"),
        ('{"a": [NaN]}', "Filter is not valid JSON"),
        ({}, "Empty objects are not allowed"),
        ({"detail": {}}, "Empty objects are not allowed"),
        ({"d": [[1]]}, "Match value must be String, number, true, false, or null"),
        ({"d": [{}]}, "Match expression name not found"),
        ({"d": [{"prefix": "a", "suffix": "b"}]}, "Only one key allowed in match expression"),
        ({"d": [{"prefix": {}}]}, "Prefix expression name not found"),
        ({"d": [{"suffix": {"wildcard": "x"}}]}, "Unsupported suffix pattern: wildcard"),
        (
            {"d": [{"prefix": {"equals-ignore-case": 1}}]},
            "equals-ignore-case match pattern must be a string",
        ),
        ({"d": [{"exists": "yes"}]}, "exists match pattern must be either true or false."),
        ({"d": [{"exists": True, "prefix": "a"}]}, "Only one key allowed in match expression"),
        ({"d": [{"numeric": []}]}, "Invalid member in numeric match: ]"),
        ({"d": [{"numeric": [5, "<"]}]}, "Invalid member in numeric match: 5"),
        ({"d": [{"numeric": ["<", 5, ">", 1]}]}, "Too many elements in numeric expression"),
        ({"d": [{"numeric": ["=", 5, "<", 9]}]}, "Too many elements in numeric expression"),
        ({"d": [{"numeric": [">", 5, 9]}]}, "Bad value in numeric range: 9"),
        ({"d": [{"numeric": [">", 5, "<", 1]}]}, "Bottom must be less than top"),
        ({"d": [{"numeric": [">=", 5, "<=", 5]}]}, "Bottom must be less than top"),
        ({"d": [{"numeric": ["~", 5]}]}, "Unrecognized numeric range operator: ~"),
        ({"d": [{"numeric": ["=", True]}]}, "Value of equals must be numeric"),
        ({"d": [{"numeric": ["=", 5], "x": 1}]}, "Too many elements in numeric expression"),
        (
            {"d": [{"numeric": [">", 0, "<", 5, "<", 6]}]},
            "Too many terms in numeric range expression",
        ),
        (
            {"d": [{"numeric": [">", 12345678901234567890]}]},
            "Cannot compare number : 12345678901234567890",
        ),
        (
            '{"d": [{"numeric": ["<", 0.1000000000000000000001]}]}',
            "Cannot compare number : 0.1000000000000000000001",
        ),
        (
            {"d": [{"anything-but": 12345678901234567890}]},
            "Cannot compare number : 12345678901234567890",
        ),
        ({"d": [{"cidr": "10.0.0.0/32"}]}, "IPv4 mask bits must be < 32"),
        ({"d": [{"cidr": "::/128"}]}, "IPv6 mask bits must be < 128"),
        ({"d": [{"cidr": "10.0.0.0/-1"}]}, "Malformed CIDR, mask bits must not be negative"),
        ({"d": [{"cidr": "10.0.0.0/8", "x": 1}]}, "Only one key allowed in match expression"),
        ({"d": [{"wildcard": "a\\b"}]}, "Invalid escape character at pos 2"),
        ({"d": [{"wildcard": "é\\b"}]}, "Invalid escape character at pos 3"),  # UTF-8 bytes
        ({"d": [{"wildcard": "ab\\"}]}, "Invalid escape character at pos 3"),
        ({"d": [{"wildcard": "é**"}]}, "Consecutive wildcard characters at pos 3"),
        ({"d": [{"anything-but": {}}]}, "Anything-But expression name not found"),
        (
            {"d": [{"anything-but": {"numeric": [">", 1]}}]},
            "Unsupported anything-but pattern: numeric",
        ),
        (
            {"d": [{"anything-but": {"wildcard": True}}]},
            "Value of anything-but must be an array or single string/number value.",
        ),
        (
            {"d": [{"anything-but": True}]},
            "Value of anything-but must be an array or single string/number value.",
        ),
        (
            {"d": [{"anything-but": {"prefix": "a", "suffix": "b"}}]},
            "Too many elements in numeric expression",
        ),
        ({"d": [{"anything-but": "a", "prefix": "b"}]}, "Too many elements in numeric expression"),
        (
            {"d": [{"anything-but": ["a", 1]}]},
            MIXED_LIST,
        ),
        (
            {"d": [{"anything-but": []}]},
            MIXED_LIST,
        ),
        ({"$or": []}, "There must have at least 2 Objects in $or relationship."),
        ({"$or": [{"a": ["x"]}]}, "There must have at least 2 Objects in $or relationship."),
        ({"$or": {"a": ["x"]}}, "It must be an Array followed with $or."),
        ({"$or": [{"a": ["x"]}, "b"]}, "Only JSON object is allowed in array of $or relationship."),
        (
            {"$or": [{"a": ["x"]}, {"b": {"prefix": ["y"]}}]},
            "prefix is Ruler reserved fieldName which cannot be used inside $or.",
        ),
    ],
)
def test_refusals_as_event_ruler_words_them(pattern: Any, reason: str) -> None:
    assert refusal(pattern) == reason


def test_anything_but_sets_may_be_empty_lists() -> None:
    # event-ruler accepts an empty prefix/suffix/equals-ignore-case/wildcard list: nothing excluded
    for kind in ("prefix", "suffix", "equals-ignore-case", "wildcard"):
        assert matches({"s": [{"anything-but": {kind: []}}]}, {"s": "x"})


def test_exact_ip_addresses_match_any_spelling_of_the_address() -> None:
    # event-ruler turns an exact value that looks like an IP address into that address
    assert matches({"ip": ["2001:db8::1"]}, {"ip": "2001:DB8:0:0:0:0:0:1"})
    assert matches({"ip": ["10.0.0.1"]}, {"ip": "10.0.0.1"})
    assert not matches({"ip": ["10.0.0.1"]}, {"ip": "10.0.0.2"})


def test_integers_compare_exactly() -> None:
    big = 12345678901234567890
    assert matches({"n": [big]}, {"n": big})
    assert not matches({"n": [big]}, {"n": big + 1})


def test_patterns_say_whether_they_use_wildcards() -> None:
    # EventBridge counts rules with wildcards against a per-bus quota (eb-quota)
    assert parse_pattern('{"a": [{"wildcard": "x*"}]}').uses_wildcards
    assert parse_pattern('{"a": {"b": [{"anything-but": {"wildcard": ["x*"]}}]}}').uses_wildcards
    assert not parse_pattern(
        '{"a": [{"prefix": "x*"}], "wildcard": ["literal field"]}'
    ).uses_wildcards


def test_a_wildcard_may_hold_five_stars() -> None:
    assert matches({"v": [{"wildcard": "*a*b*c*d*"}]}, {"v": "xaxbxcxdx"})


def test_nesting_is_bounded() -> None:
    deep: dict[str, Any] = {"leaf": ["x"]}
    for _ in range(MAX_DEPTH):
        deep = {"n": deep}
    assert refusal(deep) == f"Filter is nested more than {MAX_DEPTH} levels deep"
    # Far deeper text is refused by the JSON reader itself, never a RecursionError.
    assert refusal('{"a":' * 100_000 + "[1]" + "}" * 100_000) == "Filter is not valid JSON"


def test_hostile_wildcards_and_events_finish_quickly() -> None:
    # Classic backtracking bombs: a*a*a*a*a*b against a long run of a's, and a wide event.
    pattern = parse_pattern(json.dumps({"v": [{"wildcard": "a*a*a*a*a*b"}]}))
    started = time.monotonic()
    assert not pattern.matches({"v": "a" * 200_000})
    wide = {"v": [["a" * 10] * 100] * 100, "w": [{"x": {"y": list(range(100))}}] * 100}
    assert not parse_pattern(json.dumps({"v": ["b"], "w": {"x": {"y": [-1]}}})).matches(wide)
    deep: list[Any] = ["b"]
    for _ in range(100_000):  # far deeper than Python's recursion limit
        deep = [deep]
    assert parse_pattern(json.dumps({"v": ["b"]})).matches({"v": deep})
    assert time.monotonic() - started < 2.0


def test_long_dotted_paths_cost_no_recursion() -> None:
    depth = 900  # about as deep as the JSON reader builds events
    event = json.loads('{"a":' * depth + '"x"' + "}" * depth)
    assert parse_pattern(json.dumps({".".join(["a"] * depth): ["x"]})).matches(event)
    assert not parse_pattern(json.dumps({".".join(["a"] * 2000): ["x"]})).matches(event)


def test_events_that_are_not_objects_never_match() -> None:
    pattern = parse_pattern(json.dumps({"a": [{"exists": False}]}))
    assert not pattern.matches("plain string")  # type: ignore[arg-type]
    assert not pattern.matches(["x"])  # type: ignore[arg-type]
