"""Parse and validation cost stay linear and bounded, whatever a request holds."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode

import botocore.session
import pytest

from stockade.api.http import HttpRequest
from stockade.api.protocols import query, rest_json
from stockade.kernel.validation import (
    MAX_REPORTED_ERRORS,
    UNMODELLED_COLLECTION_MAX,
    summarize,
    validate,
)

SESSION = botocore.session.get_session()
LAMBDA = SESSION.get_service_model("lambda")
IAM = SESSION.get_service_model("iam")
TAGS = {f"key-{i:05d}": "v" for i in range(10_000)}


def _iam_create_user(tags: dict[str, str]) -> HttpRequest:
    form = {"Action": "CreateUser", "Version": "2010-05-08", "UserName": "u"}
    for index, (key, value) in enumerate(tags.items(), start=1):
        form[f"Tags.member.{index}.Key"] = key
        form[f"Tags.member.{index}.Value"] = value
    headers = {"content-type": "application/x-www-form-urlencoded"}
    return HttpRequest("POST", "/", "", headers, urlencode(form).encode())


def test_a_query_list_past_its_model_max_is_read_one_element_past_and_refused() -> None:
    operation = IAM.operation_model("CreateUser")
    params = query.parse_request(operation, query.form_params(_iam_create_user(TAGS)))
    assert len(params["Tags"]) == 51  # tagListType max 50: one more shows it is too long
    assert params["Tags"][0] == {"Key": "key-00000", "Value": "v"}
    problems = validate(operation.input_shape, params)
    assert len(problems) == 1
    assert problems[0].endswith(
        "at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50"
    )


def test_query_parsing_is_unchanged_for_nested_lists_maps_and_empties() -> None:
    operation = IAM.operation_model("CreateUser")
    tags = {"a": "1", "b c": "ü+%"}
    params = query.parse_request(operation, query.form_params(_iam_create_user(tags)))
    assert params == {"UserName": "u", "Tags": [{"Key": "a", "Value": "1"},
                                                {"Key": "b c", "Value": "ü+%"}]}  # fmt: skip
    empty = {"Action": "CreateUser", "UserName": "u", "Tags": ""}
    assert query.parse_request(operation, empty) == {"UserName": "u", "Tags": []}


@pytest.mark.parametrize("text", ["a=1&b=&c", "a+b=%20x&&=v&k=%E2%82%AC", "x=1=2", "%41=%2B"])
def test_form_decoding_matches_the_standard_librarys(text: str) -> None:
    request = HttpRequest("GET", "/", text, {}, b"")
    assert list(query.form_params(request).items()) == parse_qsl(text, keep_blank_values=True)


def test_a_json_map_past_the_unmodelled_bound_is_refused_without_checking_each_entry() -> None:
    operation = LAMBDA.operation_model("TagResource")
    # Every key breaks the model's pattern: checked one by one, that is 10,000 violations.
    tags = {f"bad key {i} ***": "v" for i in range(10_000)}
    body = json.dumps({"Tags": tags}).encode()
    request = HttpRequest("POST", "/", "", {"content-type": "application/json"}, body)
    arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
    params = rest_json.parse_request(operation, {"Resource": arn}, request)
    assert len(params["Tags"]) == UNMODELLED_COLLECTION_MAX + 1
    problems = validate(operation.input_shape, params)
    shown = ", ".join(f"{key}={value}" for key, value in tags.items())  # as Java renders a map
    assert problems == [
        f"Value '{('{' + shown)[:256]}' at 'tags' failed to satisfy constraint: Member must have"
        f" length less than or equal to {UNMODELLED_COLLECTION_MAX}"
    ]


def test_violations_are_reported_up_to_a_bound() -> None:
    operation = LAMBDA.operation_model("TagResource")
    tags = {f"bad key {i} ***": "v" for i in range(UNMODELLED_COLLECTION_MAX)}
    arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
    # The query protocol reports each element (the JSON protocols one for the whole map).
    problems = validate(operation.input_shape, {"Resource": arn, "Tags": tags}, "query")
    assert len(problems) == MAX_REPORTED_ERRORS
    assert summarize(problems).startswith(f"{MAX_REPORTED_ERRORS} validation errors detected")


def test_an_echoed_long_list_shows_what_str_would_show_first() -> None:
    operation = IAM.operation_model("CreateUser")
    tags = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    problems = validate(operation.input_shape, {"UserName": "u", "Tags": tags}, "query")
    shown = ", ".join(f"{{Key={tag['Key']}, Value={tag['Value']}}}" for tag in tags)
    assert problems[0].startswith(f"Value '{('[' + shown)[:256]}' at 'tags'")
