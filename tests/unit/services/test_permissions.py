"""Resource-policy statements as Lambda writes them, and the public-access rule."""

from __future__ import annotations

import json

import pytest

from stockade import policy
from stockade.domain.public_access import is_public
from stockade.domain.resource_policy import (
    FunctionGrant,
    InvalidPermissionError,
    PolicyStatement,
    ResourcePolicy,
    function_statement,
    layer_statement,
    principal_element,
)
from stockade.services.lambda_.resource_policy import governing, qualifier_key

FN = "arn:aws:lambda:us-east-1:111122223333:function:f"
LAYER = "arn:aws:lambda:us-east-1:111122223333:layer:l:3"


def grant(**extra: object) -> FunctionGrant:
    fields: dict[str, object] = {
        "sid": "s1",
        "action": "lambda:InvokeFunction",
        "principal": "s3.amazonaws.com",
        "resource": FN,
    }
    fields.update(extra)
    return FunctionGrant(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("principal", "element"),
    [
        ("*", "*"),
        ("444455556666", {"AWS": "arn:aws:iam::444455556666:root"}),
        ("arn:aws:iam::444455556666:user/u", {"AWS": "arn:aws:iam::444455556666:user/u"}),
        ("arn:aws:iam::444455556666:root", {"AWS": "arn:aws:iam::444455556666:root"}),
        ("s3.amazonaws.com", {"Service": "s3.amazonaws.com"}),
        ("alexa-appkit.amazon.com", {"Service": "alexa-appkit.amazon.com"}),
    ],
)
def test_principals_are_rendered_as_lambda_does(principal: str, element: object) -> None:
    assert principal_element(principal) == element


@pytest.mark.parametrize("principal", ["bob", "12345", "arn:aws:s3:::bucket", "s3.example.com"])
def test_an_unknown_principal_is_refused(principal: str) -> None:
    with pytest.raises(InvalidPermissionError, match="The provided principal was invalid"):
        principal_element(principal)


def test_a_service_grant_with_source_conditions_matches_lambdas_statement() -> None:
    statement = function_statement(
        grant(source_account="111122223333", source_arn="arn:aws:s3:::my-bucket")
    )
    assert statement.sid == "s1"
    assert statement.text == (
        '{"Sid":"s1","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},'
        '"Action":"lambda:InvokeFunction","Resource":"' + FN + '",'
        '"Condition":{"StringEquals":{"AWS:SourceAccount":"111122223333"},'
        '"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::my-bucket"}}}'
    )


def test_org_url_and_token_conditions_share_one_string_equals() -> None:
    statement = json.loads(
        function_statement(
            grant(
                principal="*",
                principal_org_id="o-abcdefghij",
                function_url_auth_type="AWS_IAM",
                event_source_token="tok",
                invoked_via_function_url=True,
            )
        ).text
    )
    assert statement["Principal"] == "*"
    assert statement["Condition"] == {
        "StringEquals": {
            "aws:PrincipalOrgID": "o-abcdefghij",
            "lambda:FunctionUrlAuthType": "AWS_IAM",
            "lambda:EventSourceToken": "tok",
        },
        "Bool": {"lambda:InvokedViaFunctionUrl": "true"},
    }


def test_a_statement_without_conditions_has_no_condition_element() -> None:
    assert "Condition" not in json.loads(function_statement(grant()).text)


def test_layer_statements_name_the_account_root_or_everyone() -> None:
    to_account = json.loads(
        layer_statement("a", "lambda:GetLayerVersion", "444455556666", LAYER, None).text
    )
    assert to_account == {
        "Sid": "a",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
        "Action": "lambda:GetLayerVersion",
        "Resource": LAYER,
    }
    to_org = json.loads(
        layer_statement("b", "lambda:GetLayerVersion", "*", LAYER, "o-abcdefghij").text
    )
    assert to_org["Principal"] == "*"
    assert to_org["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}


def test_the_policy_document_keeps_statements_in_order_and_parses() -> None:
    first = function_statement(grant(sid="one"))
    second = function_statement(grant(sid="two", principal="444455556666"))
    held = ResourcePolicy("r0").adding(first, "r1").adding(second, "r2")
    document = json.loads(held.document())
    assert document["Version"] == "2012-10-17"
    assert document["Id"] == "default"
    assert [s["Sid"] for s in document["Statement"]] == ["one", "two"]
    assert held.revision_id == "r2"
    assert held.find("two") == second
    assert held.removing("one", "r3").statements == (second,)
    parsed = policy.parse_policy(held.document(), policy.PolicyKind.RESOURCE)
    assert len(parsed.statements) == 2


def _doc(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(principal: object, **extra: object) -> dict[str, object]:
    return {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "lambda:*",
        "Resource": FN,
        **extra,
    }


@pytest.mark.parametrize(
    ("document", "public"),
    [
        (_doc(_allow("*")), True),
        (_doc(_allow({"AWS": "*"})), True),
        (_doc(_allow({"AWS": ["444455556666", "*"]})), True),
        (_doc({**_allow("*"), "Principal": None, "NotPrincipal": {"AWS": "1"}}), True),
        (
            _doc(_allow("*", Condition={"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}})),
            True,
        ),
        (_doc(_allow("*", Condition={"StringNotEquals": {"aws:SourceAccount": "1"}})), True),
        (_doc(_allow("*", Condition={"StringEquals": {"AWS:SourceAccount": "1"}})), False),
        (_doc(_allow("*", Condition={"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::b"}})), False),
        (_doc(_allow("*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-x"}})), False),
        (_doc(_allow({"AWS": "arn:aws:iam::444455556666:root"})), False),
        (_doc(_allow({"Service": "s3.amazonaws.com"})), False),
        (_doc({**_allow("*"), "Effect": "Deny"}), False),
        (_doc(_allow({"AWS": "1"}), _allow("*")), True),
        ("not json", False),
        ("[]", False),
    ],
)
def test_public_access_means_everyone_without_a_restricting_condition(
    document: str, public: bool
) -> None:
    assert is_public(document) is public


def test_a_generated_public_grant_is_flagged_and_a_scoped_one_is_not() -> None:
    public = ResourcePolicy("r", (function_statement(grant(principal="*")),))
    scoped = ResourcePolicy(
        "r", (function_statement(grant(principal="*", source_account="111122223333")),)
    )
    assert governing(FN, public.document()).public
    assert not governing(FN, scoped.document()).public
    assert governing(FN, scoped.document()).attached.policy_id == FN


@pytest.mark.parametrize(
    ("qualifier", "key"), [(None, ""), ("", ""), ("$LATEST", ""), ("7", "7"), ("live", "live")]
)
def test_the_function_itself_and_latest_share_one_policy(qualifier: str | None, key: str) -> None:
    assert qualifier_key(qualifier) == key


def test_statements_compare_by_sid_and_text() -> None:
    assert PolicyStatement("a", "{}") == PolicyStatement("a", "{}")
