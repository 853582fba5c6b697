"""FilterCriteria on queue records: the body is matched as the JSON object it holds, or as
its plain string; any filter keeps a record (Lambda guide, with-sqs-filtering)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from stockade.domain.event_pattern import parse_pattern
from stockade.domain.sqs_filtering import filter_view, keeps


def record(body: str, **attributes: str) -> dict[str, Any]:
    return {
        "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1", **attributes},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
    }


def pattern(value: Any) -> Any:
    return parse_pattern(json.dumps(value))


def test_a_json_body_is_matched_as_its_object() -> None:
    kept = record('{"RecordNumber": 1234, "RequestCode": "BBBB"}')
    dropped = record('{"RecordNumber": 1234, "RequestCode": "AAAA"}')
    only_bbbb = [pattern({"body": {"RequestCode": ["BBBB"]}})]
    assert keeps(only_bbbb, kept)
    assert not keeps(only_bbbb, dropped)
    assert keeps([pattern({"body": {"RecordNumber": [{"numeric": [">", 1000]}]}})], kept)


def test_a_plain_body_is_matched_as_its_string() -> None:
    plain = record("hello world")
    assert keeps([pattern({"body": [{"prefix": "hello"}]})], plain)
    assert not keeps([pattern({"body": {"greeting": ["hello world"]}})], plain)
    assert keeps([pattern({"body": ["[1, 2]"]})], record("[1, 2]"))  # only objects are decoded


def test_any_filter_keeps_a_record_and_none_keeps_all() -> None:
    filters = [pattern({"body": {"a": ["x"]}}), pattern({"attributes": {"SenderId": ["me"]}})]
    assert keeps(filters, record('{"a": "y"}', SenderId="me"))
    assert not keeps(filters, record('{"a": "y"}', SenderId="you"))
    assert keeps([], record("anything"))


def test_the_record_itself_is_left_alone() -> None:
    original = record('{"a": 1}')
    view = filter_view(original)
    assert view["body"] == {"a": 1}
    assert original["body"] == '{"a": 1}'


@given(st.text(max_size=30))
def test_any_body_is_viewed_without_raising(body: str) -> None:
    view = filter_view(record(body))
    assert view["body"] == body or isinstance(view["body"], dict)
