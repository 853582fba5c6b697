"""Parsing policy documents: accepted forms, and every malformed form with IAM's wording."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from stockade.policy import (
    Effect,
    MalformedPolicyDocumentError,
    PolicyKind,
    Version,
    parse_policy,
)
from stockade.policy.document import ANY_RESOURCE
from stockade.policy.matching import ArnGlob
from stockade.policy.variables import ArnTemplate

SYNTAX = "Syntax errors in policy."
FN = "arn:aws:lambda:us-east-1:111122223333:function:orders"
IDENTITY = PolicyKind.IDENTITY
RESOURCE = PolicyKind.RESOURCE
TRUST = PolicyKind.TRUST


def one(statement: Mapping[str, object], **top: object) -> str:
    return json.dumps({"Version": "2012-10-17", **top, "Statement": statement})


ALLOW = {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": FN}


def condition(block: object) -> str:
    return one({**ALLOW, "Condition": block})


GRANT = {**ALLOW, "Principal": {"AWS": "111122223333"}}
TRUSTS = {
    "Effect": "Allow",
    "Action": "sts:AssumeRole",
    "Principal": {"Service": "lambda.amazonaws.com"},
}


def test_statement_may_be_a_single_object() -> None:
    document = parse_policy(one(ALLOW), IDENTITY)
    assert document.version is Version.V2012_10_17
    assert document.kind is IDENTITY
    assert len(document.statements) == 1
    statement = document.statements[0]
    assert (statement.index, statement.sid, statement.effect) == (0, None, Effect.ALLOW)
    assert statement.principal is None
    assert statement.conditions == ()


def test_statements_list_keeps_order_and_splits_effects() -> None:
    text = json.dumps(
        {
            "Version": "2008-10-17",
            "Id": "policy-1",
            "Statement": [
                {**ALLOW, "Sid": "One"},
                {**ALLOW, "Sid": "Two", "Effect": "Deny"},
                {**ALLOW, "Sid": "Three"},
            ],
        }
    )
    document = parse_policy(text, IDENTITY)
    assert document.version is Version.V2008_10_17
    assert document.id == "policy-1"
    assert [s.sid for s in document.allows] == ["One", "Three"]
    assert [s.sid for s in document.denies] == ["Two"]


def test_missing_version_is_2008_10_17() -> None:
    text = json.dumps({"Statement": ALLOW})
    assert parse_policy(text, IDENTITY).version is Version.V2008_10_17


def test_resource_forms_compile_to_patterns() -> None:
    statement = {**ALLOW, "Resource": ["*", FN, "arn:aws:s3:::home/${aws:username}/*"]}
    resources = parse_policy(one(statement), IDENTITY).statements[0].resources
    assert resources is not None
    star, exact, templated = resources
    assert star == ANY_RESOURCE
    assert isinstance(exact, ArnGlob)
    assert isinstance(templated, ArnTemplate)


def test_variables_are_text_in_2008_10_17() -> None:
    text = json.dumps(
        {"Version": "2008-10-17", "Statement": {**ALLOW, "Resource": "arn:aws:s3:::${x}:a"}}
    )
    statement = parse_policy(text, IDENTITY).statements[0]
    assert statement.resources is not None
    assert isinstance(statement.resources[0], ArnGlob)
    assert statement.required_keys == frozenset()


def test_required_keys_gather_resources_and_conditions() -> None:
    statement = {
        **ALLOW,
        "Resource": "arn:aws:s3:::home/${aws:username}/${aws:PrincipalTag/x, 'd'}",
        "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}},
    }
    parsed = parse_policy(one(statement), IDENTITY).statements[0]
    assert parsed.required_keys == {"aws:username", "aws:principaltag/team"}


def test_not_elements_are_flagged() -> None:
    statement = {
        "Effect": "Deny",
        "NotAction": "iam:*",
        "NotResource": FN,
        "NotPrincipal": {"AWS": "111122223333"},
    }
    parsed = parse_policy(one(statement), RESOURCE).statements[0]
    assert parsed.not_action
    assert parsed.not_resource
    assert parsed.not_principal


def test_trust_policy_has_no_resources() -> None:
    parsed = parse_policy(one(TRUSTS), TRUST).statements[0]
    assert parsed.resources is None


def test_resource_policy_sid_may_hold_any_characters() -> None:
    parsed = parse_policy(one({**GRANT, "Sid": "lambda-s3_invoke 1"}), RESOURCE)
    assert parsed.statements[0].sid == "lambda-s3_invoke 1"


def test_empty_sids_are_not_duplicates() -> None:
    text = json.dumps({"Statement": [{**ALLOW, "Sid": ""}, {**ALLOW, "Sid": ""}]})
    assert len(parse_policy(text, IDENTITY).statements) == 2


def test_documents_are_immutable() -> None:
    document = parse_policy(one(ALLOW), IDENTITY)
    with pytest.raises(AttributeError):
        document.id = "x"  # type: ignore[misc]


def test_error_names_the_offending_element() -> None:
    with pytest.raises(MalformedPolicyDocumentError) as caught:
        parse_policy(json.dumps({"Statement": [ALLOW, {**ALLOW, "Effect": "allow"}]}), IDENTITY)
    assert caught.value.message == "The policy failed legacy parsing"
    assert caught.value.where == "Statement[1].Effect"


MALFORMED = [
    # (id, document text, kind, IAM message)
    ("not-json", "{", IDENTITY, SYNTAX),
    ("top-level-list", "[]", IDENTITY, SYNTAX),
    ("unknown-top-level-key", json.dumps({"Statement": ALLOW, "Extra": 1}), IDENTITY, SYNTAX),
    ("missing-statement", json.dumps({"Version": "2012-10-17"}), IDENTITY, SYNTAX),
    ("null-statement", json.dumps({"Statement": None}), IDENTITY, SYNTAX),
    ("empty-statement-list", json.dumps({"Statement": []}), IDENTITY, SYNTAX),
    ("statement-is-a-string", json.dumps({"Statement": "Allow"}), IDENTITY, SYNTAX),
    ("unknown-version", one(ALLOW, Version="2024-01-01"), IDENTITY, SYNTAX),
    ("version-not-a-string", json.dumps({"Version": 2012, "Statement": ALLOW}), IDENTITY, SYNTAX),
    ("id-not-a-string", one(ALLOW, Id=["x"]), IDENTITY, SYNTAX),
    ("unknown-statement-key", one({**ALLOW, "Actions": "s3:*"}), IDENTITY, SYNTAX),
    ("statement-null-value", one({**ALLOW, "Sid": None}), IDENTITY, SYNTAX),
    ("missing-effect", one({"Action": "s3:*", "Resource": "*"}), IDENTITY, SYNTAX),
    ("effect-not-a-string", one({**ALLOW, "Effect": True}), IDENTITY, SYNTAX),
    (
        "effect-lower-case",
        one({**ALLOW, "Effect": "allow"}),
        IDENTITY,
        "The policy failed legacy parsing",
    ),
    (
        "effect-unknown",
        one({**ALLOW, "Effect": "Permit"}),
        IDENTITY,
        "The policy failed legacy parsing",
    ),
    ("sid-not-a-string", one({**ALLOW, "Sid": 7}), IDENTITY, SYNTAX),
    (
        "identity-sid-not-alphanumeric",
        one({**ALLOW, "Sid": "my-sid"}),
        IDENTITY,
        "Statement IDs (SID) must be alpha-numeric. "
        "Check that your input satisfies the regular expression [0-9A-Za-z]*",
    ),
    (
        "duplicate-sids",
        json.dumps({"Statement": [{**ALLOW, "Sid": "A"}, {**ALLOW, "Sid": "A"}]}),
        IDENTITY,
        "Statement IDs (SID) in a single policy must be unique.",
    ),
    ("action-and-not-action", one({**ALLOW, "NotAction": "s3:*"}), IDENTITY, SYNTAX),
    ("resource-and-not-resource", one({**ALLOW, "NotResource": "*"}), IDENTITY, SYNTAX),
    (
        "missing-action",
        one({"Effect": "Allow", "Resource": "*"}),
        IDENTITY,
        "Policy statement must contain actions.",
    ),
    (
        "empty-action-list",
        one({**ALLOW, "Action": []}),
        IDENTITY,
        "Policy statement must contain actions.",
    ),
    ("action-not-a-string", one({**ALLOW, "Action": 5}), IDENTITY, SYNTAX),
    ("action-list-with-object", one({**ALLOW, "Action": ["s3:*", {}]}), IDENTITY, SYNTAX),
    (
        "action-without-vendor",
        one({**ALLOW, "Action": "InvokeFunction"}),
        IDENTITY,
        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
    ),
    (
        "action-with-two-colons",
        one({**ALLOW, "Action": "ec2:ec2:Run"}),
        IDENTITY,
        "Actions/Condition can contain only one colon.",
    ),
    (
        "action-vendor-wildcard",
        one({**ALLOW, "Action": "*:Get*"}),
        IDENTITY,
        "Vendor * is not valid",
    ),
    ("action-vendor-empty", one({**ALLOW, "Action": ":Get"}), IDENTITY, "Vendor  is not valid"),
    (
        "missing-resource",
        one({"Effect": "Allow", "Action": "s3:*"}),
        IDENTITY,
        "Policy statement must contain resources.",
    ),
    (
        "empty-resource-list",
        one({**ALLOW, "Resource": []}),
        IDENTITY,
        "Policy statement must contain resources.",
    ),
    ("resource-not-a-string", one({**ALLOW, "Resource": {"arn": FN}}), IDENTITY, SYNTAX),
    (
        "resource-not-an-arn",
        one({**ALLOW, "Resource": "orders"}),
        IDENTITY,
        'Resource orders must be in ARN format or "*".',
    ),
    (
        "resource-too-few-segments",
        one({**ALLOW, "Resource": "arn:aws:lambda:*"}),
        IDENTITY,
        'Resource arn:aws:lambda:* must be in ARN format or "*".',
    ),
    (
        "resource-with-variable-too-few-segments",
        one({**ALLOW, "Resource": "arn:aws:s3:${a:b}"}),
        IDENTITY,
        'Resource arn:aws:s3:${a:b} must be in ARN format or "*".',
    ),
    (
        "identity-with-principal",
        one({**ALLOW, "Principal": "*"}),
        IDENTITY,
        "Policy document should not specify a principal.",
    ),
    (
        "identity-with-not-principal",
        one({**ALLOW, "NotPrincipal": "*"}),
        IDENTITY,
        "Policy document should not specify a principal.",
    ),
    ("resource-policy-without-principal", one(ALLOW), RESOURCE, "Missing required field Principal"),
    (
        "trust-policy-without-principal",
        one({"Effect": "Allow", "Action": "sts:AssumeRole"}),
        TRUST,
        "Missing required field Principal",
    ),
    (
        "trust-policy-with-resource",
        one({**TRUSTS, "Resource": "*"}),
        TRUST,
        "Has prohibited field Resource",
    ),
    ("principal-and-not-principal", one({**GRANT, "NotPrincipal": "*"}), RESOURCE, SYNTAX),
    ("principal-empty-object", one({**GRANT, "Principal": {}}), RESOURCE, SYNTAX),
    (
        "principal-bare-account-string",
        one({**GRANT, "Principal": "111122223333"}),
        RESOURCE,
        SYNTAX,
    ),
    ("principal-unknown-element", one({**GRANT, "Principal": {"User": "bob"}}), RESOURCE, SYNTAX),
    ("principal-empty-list", one({**GRANT, "Principal": {"AWS": []}}), RESOURCE, SYNTAX),
    ("principal-value-not-a-string", one({**GRANT, "Principal": {"AWS": [1]}}), RESOURCE, SYNTAX),
    (
        "principal-partial-wildcard",
        one({**GRANT, "Principal": {"AWS": "arn:aws:iam::111122223333:user/*"}}),
        RESOURCE,
        'Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:user/*"',
    ),
    ("condition-not-an-object", one({**ALLOW, "Condition": ["x"]}), IDENTITY, SYNTAX),
    (
        "condition-unknown-operator",
        one({**ALLOW, "Condition": {"StringEqualz": {"aws:username": "a"}}}),
        IDENTITY,
        SYNTAX,
    ),
    (
        "condition-empty-values",
        one({**ALLOW, "Condition": {"StringEquals": {"aws:username": []}}}),
        IDENTITY,
        SYNTAX,
    ),
    (
        "duplicate-keys",
        '{"Statement": {"Effect": "Allow", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}}',
        IDENTITY,
        SYNTAX,
    ),
    (
        "date-condition-not-a-date",
        one({**ALLOW, "Condition": {"DateLessThan": {"aws:CurrentTime": "tomorrow"}}}),
        IDENTITY,
        "The policy failed legacy parsing",
    ),
    ("condition-operator-not-an-object", condition({"StringEquals": "a"}), IDENTITY, SYNTAX),
    (
        "condition-unknown-set-qualifier",
        condition({"ForSomeValues:StringEquals": {"aws:TagKeys": "a"}}),
        IDENTITY,
        SYNTAX,
    ),
    (
        "condition-null-if-exists",
        condition({"NullIfExists": {"aws:TokenIssueTime": "true"}}),
        IDENTITY,
        SYNTAX,
    ),
    (
        "condition-null-with-set-qualifier",
        condition({"ForAllValues:Null": {"aws:TagKeys": "true"}}),
        IDENTITY,
        SYNTAX,
    ),
    ("condition-null-not-a-boolean", condition({"Null": {"aws:TagKeys": "yes"}}), IDENTITY, SYNTAX),
    (
        "condition-key-without-vendor",
        condition({"StringEquals": {"username": "a"}}),
        IDENTITY,
        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
    ),
    (
        "condition-value-an-object",
        condition({"StringEquals": {"aws:username": {"a": "b"}}}),
        IDENTITY,
        SYNTAX,
    ),
    (
        "condition-value-null-in-list",
        condition({"StringEquals": {"aws:username": ["a", None]}}),
        IDENTITY,
        SYNTAX,
    ),
    (
        "condition-value-nested-list",
        condition({"StringEquals": {"aws:username": [["a"]]}}),
        IDENTITY,
        SYNTAX,
    ),
    (
        "numeric-condition-not-a-number",
        condition({"NumericLessThan": {"s3:max-keys": "ten"}}),
        IDENTITY,
        SYNTAX,
    ),
    (
        "numeric-condition-with-variable",
        condition({"NumericLessThan": {"s3:max-keys": "${aws:PrincipalTag/max}"}}),
        IDENTITY,
        SYNTAX,
    ),
    (
        "ip-condition-not-a-range",
        condition({"IpAddress": {"aws:SourceIp": "10.0.0.0/33"}}),
        IDENTITY,
        SYNTAX,
    ),
    (
        "binary-condition-not-base64",
        condition({"BinaryEquals": {"aws:PrincipalTag/blob": "not base64"}}),
        IDENTITY,
        SYNTAX,
    ),
    (
        "arn-condition-not-an-arn",
        condition({"ArnLike": {"aws:SourceArn": "bucket"}}),
        IDENTITY,
        SYNTAX,
    ),
    (
        "arn-condition-with-variable-not-an-arn",
        condition({"ArnLike": {"aws:SourceArn": "arn:aws:${aws:username}"}}),
        IDENTITY,
        SYNTAX,
    ),
    (
        "principal-arn-of-wrong-service",
        one({**GRANT, "Principal": {"AWS": "arn:aws:s3:::bucket"}}),
        RESOURCE,
        'Invalid principal in policy: "AWS":"arn:aws:s3:::bucket"',
    ),
    (
        "principal-arn-with-region",
        one({**GRANT, "Principal": {"AWS": "arn:aws:iam:us-east-1:111122223333:root"}}),
        RESOURCE,
        'Invalid principal in policy: "AWS":"arn:aws:iam:us-east-1:111122223333:root"',
    ),
    (
        "principal-root-of-sts",
        one({**GRANT, "Principal": {"AWS": "arn:aws:sts::111122223333:root"}}),
        RESOURCE,
        'Invalid principal in policy: "AWS":"arn:aws:sts::111122223333:root"',
    ),
    (
        "principal-arn-without-name",
        one({**GRANT, "Principal": {"AWS": "arn:aws:iam::111122223333:user/"}}),
        RESOURCE,
        'Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:user/"',
    ),
    (
        "principal-not-an-arn",
        one({**GRANT, "Principal": {"AWS": "urn:aws:iam::111122223333:root"}}),
        RESOURCE,
        'Invalid principal in policy: "AWS":"urn:aws:iam::111122223333:root"',
    ),
    (
        "principal-service-wildcard",
        one({**GRANT, "Principal": {"Service": "*"}}),
        RESOURCE,
        'Invalid principal in policy: "Service":"*"',
    ),
    (
        "principal-service-empty",
        one({**GRANT, "Principal": {"Service": ""}}),
        RESOURCE,
        'Invalid principal in policy: "Service":""',
    ),
    ("principal-is-a-list", one({**GRANT, "Principal": ["*"]}), RESOURCE, SYNTAX),
]


@pytest.mark.parametrize(
    ("text", "kind", "message"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED]
)
def test_malformed_documents_are_rejected(text: str, kind: PolicyKind, message: str) -> None:
    with pytest.raises(MalformedPolicyDocumentError) as caught:
        parse_policy(text, kind)
    assert caught.value.message == message
    assert str(caught.value) == message
