"""Evaluation: conditions over global and Lambda/KMS keys, including AWS's documented examples.

Sources: IAM User Guide "Condition operators", "Conditions with multiple context keys or
values", "Example IAM identity-based policies" (source IP, date range, MFA), and the Lambda and
KMS condition keys. Every case runs through `evaluate`, so conditions are exercised the way a
service sees them.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from stockade.policy import Layer, evaluate

from .cases import (
    ACCOUNT,
    ALLOW,
    EXPLICIT,
    FUNCTION,
    IMPLICIT,
    KEY,
    LAYER,
    OTHER,
    ROLE_ARN,
    S3_SERVICE,
    Case,
    allow,
    deny,
    grant,
    outcome,
)

ID = Layer.IDENTITY


def allowed_if(
    condition: Mapping[str, object],
    context: Mapping[str, tuple[str, ...]],
    expect: bool,
    name: str,
    action: str = "lambda:InvokeFunction",
) -> Case:
    """A case whose only policy allows `action` under `condition`."""
    if expect:
        return Case(
            name,
            ALLOW,
            ("identity:C",),
            identity=([allow("C", action, Condition=condition)],),
            context=context,
            action=action,
        )
    return Case(
        name,
        IMPLICIT,
        missing=ID,
        identity=([allow("C", action, Condition=condition)],),
        context=context,
        action=action,
    )


def denied_if(
    condition: Mapping[str, object],
    context: Mapping[str, tuple[str, ...]],
    expect: bool,
    name: str,
) -> Case:
    """A case with an Allow-all and a Deny under `condition`."""
    if expect:
        return Case(
            name,
            EXPLICIT,
            ("identity:D",),
            identity=([allow("A", "*"), deny("D", "*", Condition=condition)],),
            context=context,
        )
    return Case(
        name,
        ALLOW,
        ("identity:A",),
        identity=([allow("A", "*"), deny("D", "*", Condition=condition)],),
        context=context,
    )


SOURCE_IP = {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
# IAM User Guide: "AWS: Denies access to AWS based on the source IP".
DENY_OUTSIDE = {
    "NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]},
    "Bool": {"aws:ViaAWSService": "false"},
}
# IAM User Guide: "Allows access within specific dates".
DATE_RANGE = {
    "DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"},
    "DateLessThan": {"aws:CurrentTime": "2020-06-30T23:59:59Z"},
}
MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
NO_MFA_DENY = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
ALLOWED_TAGS = {"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}}
LAYERS_OK = {"ForAllValues:StringLike": {"lambda:Layer": [f"arn:aws:lambda:*:{ACCOUNT}:layer:*"]}}
SIGNED = {
    "ArnLike": {
        "lambda:CodeSigningConfigArn": f"arn:aws:lambda:*:{ACCOUNT}:code-signing-config:csc-*"
    }
}
VIA_LAMBDA = {
    "StringEquals": {
        "kms:ViaService": "lambda.us-east-1.amazonaws.com",
        "kms:EncryptionContext:aws:lambda:FunctionArn": FUNCTION,
    }
}
CONFUSED_DEPUTY = {
    "ArnLike": {"aws:SourceArn": "arn:aws:s3:::orders-*"},
    "StringEquals": {"aws:SourceAccount": ACCOUNT},
}
ABAC = {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}

CONDITION_CASES = [
    # --- aws:SourceIp -----------------------------------------------------------------------
    allowed_if(SOURCE_IP, {"aws:SourceIp": ("203.0.113.7",)}, True, "source-ip-in-range"),
    allowed_if(SOURCE_IP, {"aws:SourceIp": ("198.51.100.7",)}, False, "source-ip-out-of-range"),
    allowed_if(SOURCE_IP, {}, False, "source-ip-missing-fails-positive-operator"),
    allowed_if(SOURCE_IP, {"aws:SourceIp": ("not-an-ip",)}, False, "source-ip-unreadable"),
    allowed_if(
        {"IpAddress": {"aws:SourceIp": "2001:DB8:1234:5678::/64"}},
        {"aws:SourceIp": ("2001:db8:1234:5678::1",)},
        True,
        "source-ipv6-in-range",
    ),
    allowed_if(
        {"IpAddress": {"aws:SourceIp": "2001:DB8:1234:5678::/64"}},
        {"aws:SourceIp": ("203.0.113.7",)},
        False,
        "ipv4-not-in-ipv6-range",
    ),
    allowed_if(
        {"IpAddress": {"aws:SourceIp": "203.0.113.7"}},
        {"aws:SourceIp": ("203.0.113.7",)},
        True,
        "bare-address-means-slash-32",
    ),
    allowed_if(
        {"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]}},
        {"aws:SourceIp": ("203.0.113.9",)},
        True,
        "ip-values-are-ored",
    ),
    denied_if(
        DENY_OUTSIDE,
        {"aws:SourceIp": ("198.51.100.1",), "aws:ViaAWSService": ("false",)},
        True,
        "docs-deny-outside-corporate-range",
    ),
    denied_if(
        DENY_OUTSIDE,
        {"aws:SourceIp": ("192.0.2.10",), "aws:ViaAWSService": ("false",)},
        False,
        "docs-deny-spares-corporate-range",
    ),
    denied_if(
        DENY_OUTSIDE,
        {"aws:SourceIp": ("198.51.100.1",), "aws:ViaAWSService": ("true",)},
        False,
        "docs-deny-spares-calls-via-aws-service",
    ),
    denied_if(
        {"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}},
        {},
        True,
        "not-ip-address-missing-key-is-true",
    ),
    # --- dates ------------------------------------------------------------------------------
    allowed_if(
        DATE_RANGE, {"aws:CurrentTime": ("2020-05-15T12:00:00Z",)}, True, "docs-date-range-inside"
    ),
    allowed_if(
        DATE_RANGE, {"aws:CurrentTime": ("2020-03-31T23:59:59Z",)}, False, "docs-date-range-before"
    ),
    allowed_if(
        DATE_RANGE, {"aws:CurrentTime": ("2020-07-01T00:00:00Z",)}, False, "docs-date-range-after"
    ),
    allowed_if(
        DATE_RANGE,
        {"aws:CurrentTime": ("2020-06-30T23:59:59Z",)},
        False,
        "date-less-than-is-strict",
    ),
    allowed_if(
        {"DateLessThanEquals": {"aws:CurrentTime": "2020-06-30T23:59:59Z"}},
        {"aws:CurrentTime": ("2020-06-30T23:59:59Z",)},
        True,
        "date-less-than-equals-includes-the-instant",
    ),
    allowed_if(
        {"DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"}},
        {"aws:CurrentTime": ("2020-04-01T02:00:00+02:00",)},
        False,
        "date-time-zones-are-honoured",
    ),
    allowed_if(
        {"DateGreaterThanEquals": {"aws:EpochTime": "1585699200"}},
        {"aws:EpochTime": ("1585699200",)},
        True,
        "epoch-seconds-in-policy-and-request",
    ),
    allowed_if(
        {"DateLessThan": {"aws:EpochTime": "2020-04-01"}},
        {"aws:EpochTime": ("1585699199",)},
        True,
        "iso-date-in-policy-epoch-in-request",
    ),
    allowed_if(
        {"DateEquals": {"aws:CurrentTime": "2020-04-01T00:00:00Z"}},
        {"aws:CurrentTime": ("1585699200",)},
        True,
        "date-equals-across-notations",
    ),
    allowed_if(
        {"DateNotEquals": {"aws:CurrentTime": "2020-04-01"}},
        {"aws:CurrentTime": ("2020-04-02",)},
        True,
        "date-not-equals",
    ),
    allowed_if(
        {"NumericLessThan": {"aws:EpochTime": 1700000000}},
        {"aws:EpochTime": ("1600000000",)},
        True,
        "numeric-on-epoch-with-json-number",
    ),
    allowed_if(
        {"DateLessThan": {"aws:CurrentTime": "2020-04-01"}},
        {"aws:CurrentTime": ("yesterday",)},
        False,
        "unreadable-date-in-request",
    ),
    # --- MFA and transport ------------------------------------------------------------------
    allowed_if(MFA, {"aws:MultiFactorAuthPresent": ("true",)}, True, "mfa-present"),
    allowed_if(MFA, {"aws:MultiFactorAuthPresent": ("false",)}, False, "mfa-false"),
    allowed_if(MFA, {}, False, "mfa-key-missing-long-term-credentials"),
    allowed_if(
        {"Bool": {"aws:MultiFactorAuthPresent": True}},
        {"aws:MultiFactorAuthPresent": ("True",)},
        True,
        "bool-json-literal-and-any-case",
    ),
    denied_if(NO_MFA_DENY, {}, True, "docs-bool-if-exists-denies-without-mfa-key"),
    denied_if(
        NO_MFA_DENY,
        {"aws:MultiFactorAuthPresent": ("false",)},
        True,
        "docs-bool-if-exists-denies-mfa-false",
    ),
    denied_if(
        NO_MFA_DENY,
        {"aws:MultiFactorAuthPresent": ("true",)},
        False,
        "docs-bool-if-exists-spares-mfa",
    ),
    denied_if(
        {"Null": {"aws:MultiFactorAuthPresent": "true"}}, {}, True, "null-true-matches-absent-key"
    ),
    denied_if(
        {"Null": {"aws:MultiFactorAuthPresent": "true"}},
        {"aws:MultiFactorAuthPresent": ("false",)},
        False,
        "null-true-spares-present-key",
    ),
    allowed_if(
        {"Null": {"aws:TokenIssueTime": "false"}},
        {"aws:TokenIssueTime": ("2020-01-01T00:00:00Z",)},
        True,
        "null-false-requires-key",
    ),
    allowed_if(
        {"Null": {"aws:TokenIssueTime": "false"}},
        {"aws:TokenIssueTime": ()},
        False,
        "empty-values-count-as-absent",
    ),
    denied_if(
        {"Bool": {"aws:SecureTransport": "false"}},
        {"aws:SecureTransport": ("false",)},
        True,
        "deny-insecure-transport",
    ),
    denied_if(
        {"Bool": {"aws:SecureTransport": "false"}},
        {"aws:SecureTransport": ("true",)},
        False,
        "secure-transport-spared",
    ),
    # --- set operators on multivalued keys --------------------------------------------------
    allowed_if(ALLOWED_TAGS, {"aws:TagKeys": ("env",)}, True, "for-all-values-subset"),
    allowed_if(ALLOWED_TAGS, {"aws:TagKeys": ("env", "owner")}, False, "for-all-values-extra-key"),
    allowed_if(ALLOWED_TAGS, {}, True, "docs-for-all-values-missing-key-is-true"),
    allowed_if(ALLOWED_TAGS, {"aws:TagKeys": ()}, True, "docs-for-all-values-empty-set-is-true"),
    allowed_if(
        {**ALLOWED_TAGS, "Null": {"aws:TagKeys": "false"}},
        {},
        False,
        "for-all-values-guarded-by-null",
    ),
    allowed_if(
        {"ForAnyValue:StringEquals": {"aws:TagKeys": ["env"]}},
        {},
        False,
        "docs-for-any-value-missing-key-is-false",
    ),
    allowed_if(
        {"ForAnyValue:StringEquals": {"aws:TagKeys": ["env"]}},
        {"aws:TagKeys": ("owner", "env")},
        True,
        "for-any-value-one-match",
    ),
    allowed_if(
        {"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": ["env"]}},
        {},
        False,
        "if-exists-changes-nothing-under-for-any-value",
    ),
    allowed_if(
        {"ForAllValues:StringNotEquals": {"aws:TagKeys": ["DataClass", "Owner"]}},
        {"aws:TagKeys": ("Dept", "SIC")},
        True,
        "for-all-values-negated-none-listed",
    ),
    allowed_if(
        {"ForAllValues:StringNotEquals": {"aws:TagKeys": ["DataClass", "Owner"]}},
        {"aws:TagKeys": ("Dept", "DataClass")},
        False,
        "for-all-values-negated-one-listed",
    ),
    allowed_if(
        {"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["DataClass", "Owner"]}},
        {"aws:TagKeys": ("Dept", "DataClass")},
        True,
        "for-any-value-negated-one-unlisted",
    ),
    allowed_if(
        {"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["DataClass", "Owner"]}},
        {"aws:TagKeys": ("DataClass", "Owner")},
        False,
        "for-any-value-negated-all-listed",
    ),
    allowed_if(
        {"StringEquals": {"aws:TagKeys": "env"}},
        {"aws:TagKeys": ("owner", "env")},
        True,
        "unqualified-positive-on-multivalued-key-any",
    ),
    allowed_if(
        {"StringNotEquals": {"aws:TagKeys": "env"}},
        {"aws:TagKeys": ("owner", "env")},
        False,
        "unqualified-negated-on-multivalued-key-none",
    ),
    # --- string operators -------------------------------------------------------------------
    allowed_if(
        {"StringEquals": {"aws:PrincipalTag/dept": ["hr", "it"]}},
        {"aws:PrincipalTag/dept": ("it",)},
        True,
        "string-values-are-ored",
    ),
    allowed_if(
        {"StringEquals": {"aws:PrincipalTag/dept": "IT"}},
        {"aws:PrincipalTag/dept": ("it",)},
        False,
        "string-equals-is-case-sensitive",
    ),
    allowed_if(
        {"StringEqualsIgnoreCase": {"aws:PrincipalTag/dept": "IT"}},
        {"aws:PrincipalTag/dept": ("it",)},
        True,
        "string-equals-ignore-case",
    ),
    allowed_if(
        {"StringNotEqualsIgnoreCase": {"aws:PrincipalTag/dept": "IT"}},
        {"aws:PrincipalTag/dept": ("it",)},
        False,
        "string-not-equals-ignore-case",
    ),
    allowed_if(
        {"StringNotEquals": {"aws:PrincipalTag/dept": ["hr", "it"]}},
        {"aws:PrincipalTag/dept": ("it",)},
        False,
        "negated-values-are-nored",
    ),
    allowed_if(
        {"StringNotEquals": {"aws:PrincipalTag/dept": ["hr", "it"]}},
        {"aws:PrincipalTag/dept": ("ops",)},
        True,
        "negated-values-none-match",
    ),
    allowed_if(
        {"StringNotEquals": {"aws:PrincipalTag/dept": "hr"}},
        {},
        True,
        "negated-operator-missing-key-is-true",
    ),
    allowed_if(
        {"StringEqualsIfExists": {"aws:PrincipalTag/dept": "hr"}},
        {},
        True,
        "if-exists-missing-key-is-true",
    ),
    allowed_if(
        {"StringEqualsIfExists": {"aws:PrincipalTag/dept": "hr"}},
        {"aws:PrincipalTag/dept": ("it",)},
        False,
        "if-exists-present-key-is-checked",
    ),
    allowed_if(
        {"StringLike": {"aws:userid": "AROA*:ci"}},
        {"aws:userid": ("AROAEXAMPLE:ci",)},
        True,
        "string-like-on-userid",
    ),
    allowed_if(
        {"StringLike": {"aws:userid": "AROA?:ci"}},
        {"aws:userid": ("AROAEXAMPLE:ci",)},
        False,
        "string-like-question-is-one-char",
    ),
    allowed_if(
        {"StringNotLike": {"aws:userid": "AIDA*"}},
        {"aws:userid": ("AROAEXAMPLE:ci",)},
        True,
        "string-not-like",
    ),
    allowed_if(
        {"StringLike": {"s3:prefix": "home/${aws:username}/*"}},
        {"s3:prefix": ("home/alice/docs",), "aws:username": ("alice",)},
        True,
        "docs-home-directory-variable",
    ),
    allowed_if(
        {"StringLike": {"s3:prefix": "home/${aws:username}/*"}},
        {"s3:prefix": ("home/bob/docs",), "aws:username": ("alice",)},
        False,
        "docs-home-directory-other-user",
    ),
    allowed_if(
        {"StringLike": {"s3:prefix": "home/${aws:username}/*"}},
        {"s3:prefix": ("home/alice/docs",)},
        False,
        "unresolved-variable-in-condition",
    ),
    allowed_if(
        {"StringLike": {"aws:PrincipalTag/pattern": "a${*}b"}},
        {"aws:PrincipalTag/pattern": ("a*b",)},
        True,
        "escaped-star-is-literal-and-matches-star",
    ),
    allowed_if(
        {"StringLike": {"aws:PrincipalTag/pattern": "a${*}b"}},
        {"aws:PrincipalTag/pattern": ("axxb",)},
        False,
        "escaped-star-is-not-a-wildcard",
    ),
    allowed_if(
        {"StringEquals": {"aws:PrincipalTag/price": "${$}5"}},
        {"aws:PrincipalTag/price": ("$5",)},
        True,
        "escaped-dollar",
    ),
    allowed_if(
        {"StringEquals": {"aws:username": "${aws:userid, 'anonymous'}"}},
        {"aws:username": ("anonymous",)},
        True,
        "docs-variable-default-anonymous",
    ),
    allowed_if(
        {"StringEquals": {"AWS:SOURCEACCOUNT": ACCOUNT}},
        {"aws:SourceAccount": (ACCOUNT,)},
        True,
        "condition-keys-are-case-insensitive",
    ),
    allowed_if(
        {"StringEquals": {"aws:PrincipalTag/dept": "it", "aws:PrincipalTag/level": "5"}},
        {"aws:PrincipalTag/dept": ("it",)},
        False,
        "keys-in-one-operator-are-anded",
    ),
    allowed_if(
        {
            "StringEquals": {"aws:PrincipalTag/dept": "it"},
            "NumericGreaterThanEquals": {"aws:PrincipalTag/level": "5"},
        },
        {"aws:PrincipalTag/dept": ("it",), "aws:PrincipalTag/level": ("7",)},
        True,
        "operators-are-anded",
    ),
    allowed_if(
        ABAC,
        {"aws:ResourceTag/team": ("orders",), "aws:PrincipalTag/team": ("orders",)},
        True,
        "abac-resource-tag-matches-principal-tag",
    ),
    allowed_if(
        ABAC,
        {"aws:ResourceTag/team": ("billing",), "aws:PrincipalTag/team": ("orders",)},
        False,
        "abac-resource-tag-differs",
    ),
    allowed_if(
        {"StringEquals": {"aws:RequestTag/env": ["dev", "test"]}},
        {"aws:RequestTag/env": ("prod",)},
        False,
        "request-tag-not-allowed",
    ),
    # --- numbers and binary -----------------------------------------------------------------
    allowed_if(
        {"NumericEquals": {"s3:max-keys": "10"}},
        {"s3:max-keys": ("10.0",)},
        True,
        "numeric-equals-compares-values",
    ),
    allowed_if(
        {"NumericNotEquals": {"s3:max-keys": "10"}},
        {"s3:max-keys": ("11",)},
        True,
        "numeric-not-equals",
    ),
    allowed_if(
        {"NumericLessThanEquals": {"s3:max-keys": "10"}},
        {"s3:max-keys": ("10",)},
        True,
        "docs-numeric-max-keys",
    ),
    allowed_if(
        {"NumericLessThanEquals": {"s3:max-keys": "10"}},
        {"s3:max-keys": ("11",)},
        False,
        "docs-numeric-max-keys-over",
    ),
    allowed_if(
        {"NumericGreaterThan": {"s3:max-keys": "-1.5"}},
        {"s3:max-keys": ("-1",)},
        True,
        "numeric-negative-decimal",
    ),
    allowed_if(
        {"NumericLessThan": {"s3:max-keys": "10"}},
        {"s3:max-keys": ("ten",)},
        False,
        "numeric-unreadable-request-value",
    ),
    allowed_if(
        {"BinaryEquals": {"aws:PrincipalTag/blob": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}},
        {"aws:PrincipalTag/blob": ("QmluYXJ5VmFsdWVJbkJhc2U2NA==",)},
        True,
        "binary-equals",
    ),
    allowed_if(
        {"BinaryEquals": {"aws:PrincipalTag/blob": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}},
        {"aws:PrincipalTag/blob": ("!!",)},
        False,
        "binary-unreadable-request-value",
    ),
    # --- ARN operators ----------------------------------------------------------------------
    allowed_if(
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/deploy*"}},
        {"aws:PrincipalArn": (ROLE_ARN,)},
        True,
        "arn-like-per-segment",
    ),
    # IAM User Guide: StringLike matches where ArnLike does not (star stops at a colon).
    allowed_if(
        {"StringLike": {"aws:SourceArn": "arn:aws:someservice:*:111122223333:finance/*"}},
        {
            "aws:SourceArn": (
                "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt",
            )
        },
        True,
        "docs-string-like-crosses-colons",
    ),
    allowed_if(
        {"ArnLike": {"aws:SourceArn": "arn:aws:someservice:*:111122223333:finance/*"}},
        {
            "aws:SourceArn": (
                "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt",
            )
        },
        False,
        "docs-arn-like-stays-within-segments",
    ),
    allowed_if(
        {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:topic"}},
        {"aws:SourceArn": ("arn:aws:sns:us-east-1:111122223333:topic",)},
        True,
        "arn-equals",
    ),
    allowed_if(
        {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:topic"}},
        {"aws:SourceArn": ("not-an-arn",)},
        False,
        "arn-unreadable-request-value",
    ),
    allowed_if(
        {"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}},
        {"aws:SourceArn": ("arn:aws:s3:::bucket",)},
        True,
        "arn-not-like",
    ),
    allowed_if(
        {"ArnNotEquals": {"aws:SourceArn": "arn:aws:s3:::bucket"}},
        {"aws:SourceArn": ("arn:aws:s3:::bucket",)},
        False,
        "arn-not-equals",
    ),
    allowed_if(
        {"ArnLike": {"aws:SourceArn": "arn:aws:iam::${aws:PrincipalAccount}:role/*"}},
        {"aws:SourceArn": (ROLE_ARN,), "aws:PrincipalAccount": (ACCOUNT,)},
        True,
        "arn-like-with-variable-in-account",
    ),
    allowed_if(
        {"ArnLike": {"aws:SourceArn": "arn:aws:iam::${aws:PrincipalAccount}:role/*"}},
        {"aws:SourceArn": (ROLE_ARN,), "aws:PrincipalAccount": (OTHER,)},
        False,
        "arn-like-with-variable-mismatch",
    ),
    # --- Lambda condition keys --------------------------------------------------------------
    allowed_if(
        LAYERS_OK,
        {"lambda:Layer": (f"{LAYER}:3",)},
        True,
        "lambda-layer-own-account",
        "lambda:CreateFunction",
    ),
    allowed_if(
        LAYERS_OK,
        {"lambda:Layer": (f"{LAYER}:3", "arn:aws:lambda:us-east-1:999999999999:layer:evil:1")},
        False,
        "lambda-layer-foreign-layer",
        "lambda:CreateFunction",
    ),
    allowed_if(
        LAYERS_OK, {}, True, "lambda-layer-none-passes-for-all-values", "lambda:CreateFunction"
    ),
    allowed_if(
        SIGNED,
        {
            "lambda:CodeSigningConfigArn": (
                f"arn:aws:lambda:us-east-1:{ACCOUNT}:code-signing-config:csc-0123",
            )
        },
        True,
        "code-signing-config-required",
        "lambda:CreateFunction",
    ),
    allowed_if(SIGNED, {}, False, "code-signing-config-missing", "lambda:CreateFunction"),
    allowed_if(
        {"StringEquals": {"lambda:Principal": "s3.amazonaws.com"}},
        {"lambda:Principal": ("s3.amazonaws.com",)},
        True,
        "add-permission-for-s3-only",
        "lambda:AddPermission",
    ),
    allowed_if(
        {"StringEquals": {"lambda:Principal": "s3.amazonaws.com"}},
        {"lambda:Principal": ("*",)},
        False,
        "add-permission-public-refused",
        "lambda:AddPermission",
    ),
    allowed_if(
        {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}},
        {"lambda:FunctionUrlAuthType": ("AWS_IAM",)},
        True,
        "function-url-iam-auth",
        "lambda:CreateFunctionUrlConfig",
    ),
    allowed_if(
        {"ArnLike": {"lambda:FunctionArn": f"arn:aws:lambda:*:{ACCOUNT}:function:orders*"}},
        {"lambda:FunctionArn": (FUNCTION,)},
        True,
        "function-arn-key",
        "lambda:CreateEventSourceMapping",
    ),
    # --- KMS condition keys -----------------------------------------------------------------
    Case(
        "kms-via-lambda-with-encryption-context",
        ALLOW,
        ("identity:Decrypt",),
        action="kms:Decrypt",
        target=KEY,
        identity=([allow("Decrypt", "kms:Decrypt", KEY, Condition=VIA_LAMBDA)],),
        context={
            "kms:ViaService": ("lambda.us-east-1.amazonaws.com",),
            "kms:EncryptionContext:aws:lambda:FunctionArn": (FUNCTION,),
        },
    ),
    Case(
        "kms-encryption-context-of-other-function",
        IMPLICIT,
        missing=ID,
        action="kms:Decrypt",
        target=KEY,
        identity=([allow("Decrypt", "kms:Decrypt", KEY, Condition=VIA_LAMBDA)],),
        context={
            "kms:ViaService": ("lambda.us-east-1.amazonaws.com",),
            "kms:EncryptionContext:aws:lambda:FunctionArn": (FUNCTION + "-other",),
        },
    ),
    Case(
        "kms-called-directly-not-via-lambda",
        IMPLICIT,
        missing=ID,
        action="kms:Decrypt",
        target=KEY,
        identity=([allow("Decrypt", "kms:Decrypt", KEY, Condition=VIA_LAMBDA)],),
        context={"kms:EncryptionContext:aws:lambda:FunctionArn": (FUNCTION,)},
    ),
    # --- confused deputy: service principal with aws:SourceArn / aws:SourceAccount ----------
    Case(
        "service-grant-with-matching-source",
        ALLOW,
        ("resource:S3",),
        principal=S3_SERVICE,
        resource=[grant("S3", {"Service": "s3.amazonaws.com"}, Condition=CONFUSED_DEPUTY)],
        context={
            "aws:SourceArn": ("arn:aws:s3:::orders-uploads",),
            "aws:SourceAccount": (ACCOUNT,),
        },
    ),
    Case(
        "service-grant-source-account-mismatch",
        IMPLICIT,
        missing=Layer.RESOURCE,
        principal=S3_SERVICE,
        resource=[grant("S3", {"Service": "s3.amazonaws.com"}, Condition=CONFUSED_DEPUTY)],
        context={"aws:SourceArn": ("arn:aws:s3:::orders-uploads",), "aws:SourceAccount": (OTHER,)},
    ),
    Case(
        "service-grant-without-source-keys",
        IMPLICIT,
        missing=Layer.RESOURCE,
        principal=S3_SERVICE,
        resource=[grant("S3", {"Service": "s3.amazonaws.com"}, Condition=CONFUSED_DEPUTY)],
    ),
]


VPC_ONLY = {"Null": {"lambda:VpcIds": "true"}}
SUBNETS = {"ForAnyValue:StringNotEquals": {"lambda:SubnetIds": ["subnet-1", "subnet-2"]}}
TEMPORARY = {"Null": {"aws:TokenIssueTime": "true"}}
INSTANCE_TYPES = {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}
TAG_KEYS = ["environment", "cost-center"]

MORE_CONDITION_CASES = [
    # --- IAM User Guide, condition operator examples ----------------------------------------
    allowed_if(
        {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}},
        {"aws:PrincipalTag/job-category": ("iamuser-admin",)},
        True,
        "docs-string-equals-job-category",
    ),
    allowed_if(
        {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}},
        {},
        False,
        "docs-string-equals-job-category-untagged",
    ),
    allowed_if(
        {"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}},
        {"aws:TokenIssueTime": ("2020-01-01T00:00:02Z",)},
        True,
        "docs-date-token-issued-after",
    ),
    allowed_if(
        {"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}},
        {},
        False,
        "docs-date-long-term-credentials-have-no-token-time",
    ),
    allowed_if(
        {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}},
        {"aws:SourceIp": ("2001:db8:1234:5678:abcd::9",)},
        True,
        "docs-ip-mixed-ipv4-and-ipv6-ranges",
    ),
    allowed_if(
        INSTANCE_TYPES,
        {"ec2:InstanceType": ("t2.micro",)},
        True,
        "docs-if-exists-instance-type-listed",
        "ec2:RunInstances",
    ),
    allowed_if(
        INSTANCE_TYPES,
        {"ec2:InstanceType": ("c5.large",)},
        False,
        "docs-if-exists-instance-type-not-listed",
        "ec2:RunInstances",
    ),
    allowed_if(INSTANCE_TYPES, {}, True, "docs-if-exists-key-absent", "ec2:RunInstances"),
    denied_if(TEMPORARY, {}, True, "docs-null-deny-long-term-credentials"),
    denied_if(
        TEMPORARY,
        {"aws:TokenIssueTime": ("2020-01-01T00:00:00Z",)},
        False,
        "docs-null-spares-temporary-credentials",
    ),
    allowed_if(
        {"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "${aws:ResourceTag/Team}"}},
        {"aws:PrincipalTag/team": ("Orders",), "aws:ResourceTag/team": ("ORDERS",)},
        True,
        "ignore-case-with-variable",
    ),
    allowed_if(
        {"Bool": {"aws:PrincipalTag/admin": "${aws:ResourceTag/admin-only}"}},
        {"aws:PrincipalTag/admin": ("TRUE",), "aws:ResourceTag/admin-only": ("true",)},
        True,
        "bool-with-variable",
    ),
    allowed_if(
        {"StringEquals": {"aws:PrincipalTag/team": "${aws:ResourceTag/team, 'shared'}"}},
        {"aws:PrincipalTag/team": ("shared",), "aws:ResourceTag/team": ("a", "b")},
        True,
        "multivalued-variable-takes-the-default",
    ),
    # --- IAM User Guide, multivalued context keys -------------------------------------------
    allowed_if(
        {"ForAnyValue:StringEquals": {"aws:TagKeys": TAG_KEYS}},
        {"aws:TagKeys": ("environment", "team")},
        True,
        "docs-for-any-value-one-tag-listed",
    ),
    allowed_if(
        {"ForAnyValue:StringEquals": {"aws:TagKeys": TAG_KEYS}},
        {"aws:TagKeys": ("team",)},
        False,
        "docs-for-any-value-no-tag-listed",
    ),
    allowed_if(
        {"ForAllValues:StringEquals": {"aws:TagKeys": TAG_KEYS}},
        {"aws:TagKeys": ("environment", "cost-center")},
        True,
        "docs-for-all-values-every-tag-listed",
    ),
    allowed_if(
        {"ForAllValues:StringLike": {"aws:TagKeys": ["key1*"]}},
        {"aws:TagKeys": ("key1-a", "key1-b")},
        True,
        "docs-for-all-values-string-like",
    ),
    allowed_if(
        {"ForAllValues:StringLike": {"aws:TagKeys": ["key1*"]}},
        {"aws:TagKeys": ("key1-a", "key2")},
        False,
        "docs-for-all-values-string-like-one-outside",
    ),
    denied_if(
        {"ForAnyValue:StringEquals": {"aws:TagKeys": ["webserver"]}},
        {"aws:TagKeys": ("environment", "webserver")},
        True,
        "docs-deny-for-any-value-tag-present",
    ),
    denied_if(
        {"ForAnyValue:StringEquals": {"aws:TagKeys": ["webserver"]}},
        {},
        False,
        "docs-deny-for-any-value-no-tags",
    ),
    allowed_if(
        {"ForAllValues:StringEquals": {"aws:TagKeys": TAG_KEYS}},
        {"AWS:TAGKEYS": ("environment",)},
        True,
        "request-key-case-does-not-matter",
    ),
    # --- Lambda condition keys (Lambda Developer Guide examples) ----------------------------
    denied_if(VPC_ONLY, {}, True, "lambda-docs-deny-functions-outside-a-vpc"),
    denied_if(VPC_ONLY, {"lambda:VpcIds": ("vpc-1",)}, False, "lambda-docs-vpc-function-spared"),
    allowed_if(
        {"ForAllValues:StringEquals": {"lambda:VpcIds": ["vpc-1", "vpc-2"]}},
        {"lambda:VpcIds": ("vpc-2",)},
        True,
        "lambda-docs-allowed-vpc",
        "lambda:CreateFunction",
    ),
    allowed_if(
        {"ForAllValues:StringEquals": {"lambda:VpcIds": ["vpc-1", "vpc-2"]}},
        {"lambda:VpcIds": ("vpc-9",)},
        False,
        "lambda-docs-other-vpc",
        "lambda:CreateFunction",
    ),
    denied_if(
        SUBNETS,
        {"lambda:SubnetIds": ("subnet-1", "subnet-3")},
        True,
        "lambda-docs-deny-unlisted-subnet",
    ),
    denied_if(
        SUBNETS,
        {"lambda:SubnetIds": ("subnet-1", "subnet-2")},
        False,
        "lambda-docs-listed-subnets-spared",
    ),
    allowed_if(
        {"ForAllValues:StringEquals": {"lambda:SecurityGroupIds": ["sg-1"]}},
        {"lambda:SecurityGroupIds": ("sg-1", "sg-2")},
        False,
        "lambda-security-group-outside-list",
        "lambda:UpdateFunctionConfiguration",
    ),
    allowed_if(
        {"ArnEquals": {"lambda:SourceFunctionArn": FUNCTION}},
        {"lambda:SourceFunctionArn": (FUNCTION,)},
        True,
        "lambda-docs-source-function-arn",
        "s3:PutObject",
    ),
    denied_if(
        {"ArnNotEquals": {"lambda:SourceFunctionArn": FUNCTION}},
        {"lambda:SourceFunctionArn": (FUNCTION + "-copy",)},
        True,
        "lambda-source-function-other-function-denied",
    ),
    allowed_if(
        {"StringEquals": {"lambda:EventSourceToken": "amzn1.ask.skill.1234"}},
        {"lambda:EventSourceToken": ("amzn1.ask.skill.1234",)},
        True,
        "lambda-event-source-token",
    ),
    allowed_if(
        {"StringEquals": {"lambda:EventSourceToken": "amzn1.ask.skill.1234"}},
        {"lambda:EventSourceToken": ("amzn1.ask.skill.9999",)},
        False,
        "lambda-event-source-token-mismatch",
    ),
    denied_if(
        {"StringNotEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}},
        {"lambda:FunctionUrlAuthType": ("NONE",)},
        True,
        "lambda-docs-deny-public-function-urls",
    ),
]


@pytest.mark.parametrize(
    "case", [*CONDITION_CASES, *MORE_CONDITION_CASES], ids=lambda case: case.id
)
def test_condition_evaluation(case: Case) -> None:
    decision = evaluate(case.request(), case.policy_set())
    assert outcome(decision) == (case.expect, case.reasons, case.missing)
