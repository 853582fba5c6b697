"""Target input: InputPath and InputTransformer. Expected outputs are the deliveries AWS
recorded (LocalStack's tests/aws/services/events/test_events_inputs.snapshot.json) for the
same event, paths and templates; rules from the user guide (eb-transform-target-input) and
botocore's `events` model (InputPathsMap keys, 100 entries, 256-character paths)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stockade.domain.event_input import (
    InputTransformer,
    TargetInputError,
    check_input_path,
    input_path,
    invalid_placeholder_message,
    parse_input_transformer,
)

EVENT: dict[str, Any] = {
    "version": "0",
    "id": "a1b2",
    "detail-type": "core.update-account-command",
    "source": "core.update-account-command",
    "account": "111111111111",
    "time": "date",
    "region": "us-east-1",
    "resources": [],
    "detail": {
        "command": "update-account",
        "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"},
        "listsingle": ["HIGH"],
        "listmulti": ["ACTIVE", "INACTIVE"],
        "valid": True,
        "count": 7,
    },
}
PATHS = {
    "userId": "$.detail.payload.acc_id",
    "payload": "$.detail.payload",
    "systemstring": "$.detail.awsAccountId",  # absent from the event
    "listsingle": "$.detail.listsingle",
    "listmulti": "$.detail.listmulti",
    "valid": "$.detail.valid",
}
RULE_ARN = "arn:aws:events:us-east-1:111111111111:rule/bus/rule-1"


def render(template: str, paths: dict[str, str] = PATHS, event: dict[str, Any] = EVENT) -> str:
    return parse_input_transformer(paths, template).render(event, RULE_ARN, "rule-1", "date")


@pytest.mark.parametrize(
    ("template", "delivered"),
    [
        (
            '{"method": "PUT", "path": "users-service/users/<userId>", "bod": <payload>}',
            {
                "method": "PUT",
                "path": "users-service/users/0a787ecb-4015",
                "bod": {"acc_id": "0a787ecb-4015", "sf_id": "baz"},
            },
        ),
        ('{"id" : <userId>}', {"id": "0a787ecb-4015"}),
        ('{"id" : "<userId>"}', {"id": "0a787ecb-4015"}),
        (
            '{"bod": [<userId>, "hardcoded"]}',
            {"bod": ["0a787ecb-4015", "hardcoded"]},
        ),
        ('{"singlelistitem": <listsingle>}', {"singlelistitem": ["HIGH"]}),
        (
            '{"multi_replacement": "users/<userId>/second/<userId>"}',
            {"multi_replacement": "users/0a787ecb-4015/second/0a787ecb-4015"},
        ),
        (
            '{"n": {"l1": {"l2": "users/<userId>"}}, "b": "<userId>"}',
            {"n": {"l1": {"l2": "users/0a787ecb-4015"}}, "b": "0a787ecb-4015"},
        ),
        ('{"missing": <systemstring>}', {"missing": ""}),  # AWS-recorded: "" for a missing path
        ('{"v": <valid>, "q": "<valid>"}', {"v": True, "q": "true"}),
    ],
)
def test_json_templates(template: str, delivered: Any) -> None:
    assert json.loads(render(template)) == delivered


@pytest.mark.parametrize(
    ("template", "delivered"),
    [
        (
            '"Payload of <payload> with path users-service/users/<userId> and <userId>"',
            '"Payload of {acc_id:0a787ecb-4015,sf_id:baz} with path '
            'users-service/users/0a787ecb-4015 and 0a787ecb-4015"',
        ),
        ('"<listsingle> single list item"', '"[HIGH] single list item"'),
        ('"<listmulti> multiple list items"', '"[ACTIVE,INACTIVE] multiple list items"'),
        ('"<systemstring> system account id"', '" system account id"'),
        ('"Command is <valid>!"', '"Command is true!"'),
        (
            '"<listsingle> single list item"\n"<userId> user id"',
            '"[HIGH] single list item"\n"0a787ecb-4015 user id"',
        ),
        (
            '"{[/Check with special starting characters"',
            '"{[/Check with special starting characters"',
        ),
    ],
)
def test_string_templates(template: str, delivered: str) -> None:
    assert render(template) == delivered


@pytest.mark.parametrize(
    "template",
    [
        '{"not_valid": "users-service/users/<payload>", "bod": <payload>}',
        '{"payload": "<payload>"}',  # an object may not stand inside quotes
        '{"singlelistitem": "<listsingle>"}',  # nor a list
        "<listsingle> single list item",  # neither a JSON document nor a string template
    ],
)
def test_undeliverable_outputs_are_refused(template: str) -> None:
    # AWS delivers nothing for these (AWS-recorded); the caller counts a failed delivery.
    with pytest.raises(TargetInputError):
        render(template)


def test_predefined_variables() -> None:
    text = render(
        '"vars <aws.events.rule-arn> <aws.events.rule-name> <aws.events.event.ingestion-time>"'
    )
    assert text == f'"vars {RULE_ARN} rule-1 date"'
    both = json.loads(render('{"e": <aws.events.event>, "j": <aws.events.event.json>}'))
    assert both["j"] == EVENT
    # AWS-recorded: the event without detail, with detail-type spelled detailType, in this order
    assert list(both["e"]) == [
        "id",
        "account",
        "detailType",
        "time",
        "source",
        "region",
        "resources",
        "version",
    ]
    assert both["e"]["detailType"] == EVENT["detail-type"]


def test_string_values_are_escaped_where_they_land() -> None:
    event = {**EVENT, "detail": {"text": 'say "hi"\\'}}
    paths = {"t": "$.detail.text"}
    assert json.loads(render('{"a": "<t>", "b": <t>}', paths, event)) == {
        "a": 'say "hi"\\',
        "b": 'say "hi"\\',
    }
    assert json.loads(render('"<t>"', paths, event)) == 'say "hi"\\'


def test_unknown_placeholders_are_refused_with_the_name() -> None:
    with pytest.raises(TargetInputError) as caught:
        parse_input_transformer(PATHS, '"Event of <detail-type> with <notdefinedkey>"')
    assert caught.value.placeholder == "detail-type"
    # AWS-recorded PutTargets message, formatted by the caller with the target's id
    assert invalid_placeholder_message("t1", "notdefinedkey") == (
        "InputTemplate for target t1 contains invalid placeholder notdefinedkey."
    )


@pytest.mark.parametrize(
    ("paths", "template"),
    [
        ({f"k{i}": "$.id" for i in range(101)}, '"x"'),  # at most 100 entries
        ({"bad key": "$.id"}, '"x"'),  # keys: [A-Za-z0-9_-]+
        ({"aws.events.rule-name": "$.id"}, '"x"'),  # predefined names are reserved
        ({"k": "detail.x"}, '"x"'),  # paths start at $
        ({"k": "$." + "a" * 256}, '"x"'),  # at most 256 characters
        ({}, ""),  # template 1..8192 characters
        ({}, "x" * 8193),
    ],
)
def test_transformer_refusals(paths: dict[str, str], template: str) -> None:
    with pytest.raises(TargetInputError):
        parse_input_transformer(paths, template)


def test_one_hundred_paths_are_allowed() -> None:
    transformer = parse_input_transformer({f"k{i}": "$.id" for i in range(100)}, '"<k99>"')
    assert isinstance(transformer, InputTransformer)
    assert transformer.render(EVENT, RULE_ARN, "r", "t") == '"a1b2"'


@pytest.mark.parametrize(
    ("path", "selected"),
    [
        ("$", EVENT),
        ("$.detail.payload.sf_id", "baz"),  # AWS-recorded delivery: "baz"
        ("$.detail-type", "core.update-account-command"),
        ("$.detail.listmulti[1]", "INACTIVE"),
        ("$.detail.listmulti[*]", ["ACTIVE", "INACTIVE"]),
        ("$.detail.payload.*", ["0a787ecb-4015", "baz"]),
        ("$.detail.nothing", None),
        ("$.detail.listmulti[5]", None),
    ],
)
def test_input_path(path: str, selected: Any) -> None:
    check_input_path(path)
    assert input_path(EVENT, path) == selected


@pytest.mark.parametrize(
    "path", ["", "detail", "$detail", "$.a[x]", "$..a", "$.a.", "$." + "a" * 255]
)
def test_invalid_input_paths(path: str) -> None:
    with pytest.raises(TargetInputError):
        check_input_path(path)


values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8)),
    lambda c: st.one_of(
        st.lists(c, max_size=3), st.dictionaries(st.text(max_size=4), c, max_size=3)
    ),
    max_leaves=8,
)


@given(values)
def test_an_unquoted_placeholder_delivers_the_value_itself(value: Any) -> None:
    event = {**EVENT, "detail": {"v": value}}
    out = render('{"value": <v>}', {"v": "$.detail.v"}, event)
    assert json.loads(out) == {"value": value}


@given(st.text(max_size=20))
def test_a_quoted_string_placeholder_keeps_the_string(text: str) -> None:
    event = {**EVENT, "detail": {"v": text}}
    assert json.loads(render('{"value": "[<v>]"}', {"v": "$.detail.v"}, event)) == {
        "value": f"[{text}]"
    }


@given(
    values,
    st.sampled_from(
        [
            '{"a": <v>}',
            '{"a": "<v>"}',
            '"text <v> text"',
            "[<v>, <aws.events.event>]",
            "<v>",
            '{"a": "<aws.events.rule-name> <v>"}',
        ]
    ),
)
def test_rendering_any_value_gives_text_or_a_refusal(value: Any, template: str) -> None:
    transformer = parse_input_transformer({"v": "$.detail.v"}, template)
    event = {**EVENT, "detail": {"v": value}}
    out = _rendered_or_refusal(transformer, event)
    if out.startswith("refused: "):
        assert "not valid JSON" in out
    elif not template.startswith('"'):
        json.loads(out)  # a JSON template always renders valid JSON


def _rendered_or_refusal(transformer: InputTransformer, event: dict[str, Any]) -> str:
    try:
        return transformer.render(event, RULE_ARN, "r", "t")
    except TargetInputError as exc:
        return f"refused: {exc.message}"
