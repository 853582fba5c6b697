"""The global condition keys derived from the caller and the request."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from stockade.policy import (
    AttachedPolicy,
    AuthorizationRequest,
    GlobalKey,
    InvalidAuthorizationInputError,
    LambdaKey,
    PolicyKind,
    PolicySet,
    RequestPrincipal,
    evaluate,
    global_context,
    parse_policy,
    principal_keys,
)

ACCOUNT = "111122223333"
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/eng/alice"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/deployer"
SESSION_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/ci"
FEDERATED_ARN = f"arn:aws:sts::{ACCOUNT}:federated-user/carol"
NOW = datetime(2026, 3, 1, 12, 30, 5, tzinfo=UTC)

PRINCIPAL_KEYS = [
    (
        "iam-user",
        RequestPrincipal.user(USER_ARN),
        "AIDAEXAMPLE",
        {
            "aws:PrincipalIsAWSService": ("false",),
            "aws:PrincipalType": ("User",),
            "aws:PrincipalAccount": (ACCOUNT,),
            "aws:PrincipalArn": (USER_ARN,),
            "aws:username": ("alice",),
            "aws:userid": ("AIDAEXAMPLE",),
        },
    ),
    (
        "iam-user-without-unique-id",
        RequestPrincipal.user(USER_ARN),
        None,
        {
            "aws:PrincipalIsAWSService": ("false",),
            "aws:PrincipalType": ("User",),
            "aws:PrincipalAccount": (ACCOUNT,),
            "aws:PrincipalArn": (USER_ARN,),
            "aws:username": ("alice",),
        },
    ),
    (
        "role-session-names-the-role",
        RequestPrincipal.assumed_role(SESSION_ARN, ROLE_ARN),
        "AROAEXAMPLE",
        {
            "aws:PrincipalIsAWSService": ("false",),
            "aws:PrincipalType": ("AssumedRole",),
            "aws:PrincipalAccount": (ACCOUNT,),
            "aws:PrincipalArn": (ROLE_ARN,),
            "aws:userid": ("AROAEXAMPLE:ci",),
        },
    ),
    (
        "role-session-without-unique-id",
        RequestPrincipal.assumed_role(SESSION_ARN, ROLE_ARN),
        None,
        {
            "aws:PrincipalIsAWSService": ("false",),
            "aws:PrincipalType": ("AssumedRole",),
            "aws:PrincipalAccount": (ACCOUNT,),
            "aws:PrincipalArn": (ROLE_ARN,),
        },
    ),
    (
        "federated-user",
        RequestPrincipal.federated_user(FEDERATED_ARN, USER_ARN),
        None,
        {
            "aws:PrincipalIsAWSService": ("false",),
            "aws:PrincipalType": ("FederatedUser",),
            "aws:PrincipalAccount": (ACCOUNT,),
            "aws:PrincipalArn": (FEDERATED_ARN,),
            "aws:userid": (f"{ACCOUNT}:carol",),
        },
    ),
    (
        "root-user",
        RequestPrincipal.root(ACCOUNT),
        None,
        {
            "aws:PrincipalIsAWSService": ("false",),
            "aws:PrincipalType": ("Account",),
            "aws:PrincipalAccount": (ACCOUNT,),
            "aws:PrincipalArn": (f"arn:aws:iam::{ACCOUNT}:root",),
            "aws:userid": (ACCOUNT,),
        },
    ),
    (
        "anonymous",
        RequestPrincipal.anonymous(),
        None,
        {
            "aws:PrincipalIsAWSService": ("false",),
            "aws:PrincipalType": ("Anonymous",),
            "aws:userid": ("anonymous",),
        },
    ),
    (
        "service",
        RequestPrincipal.service("s3.amazonaws.com"),
        None,
        {
            "aws:PrincipalIsAWSService": ("true",),
            "aws:PrincipalServiceName": ("s3.amazonaws.com",),
        },
    ),
]


@pytest.mark.parametrize(
    ("principal", "unique_id", "expected"),
    [case[1:] for case in PRINCIPAL_KEYS],
    ids=[case[0] for case in PRINCIPAL_KEYS],
)
def test_principal_keys(
    principal: RequestPrincipal, unique_id: str | None, expected: dict[str, tuple[str, ...]]
) -> None:
    assert principal_keys(principal, unique_id=unique_id) == expected


def test_request_keys_with_everything() -> None:
    keys = global_context(
        RequestPrincipal.service("s3.amazonaws.com"),
        now=datetime(2026, 3, 1, 14, 30, 5, tzinfo=timezone(timedelta(hours=2))),
        secure_transport=True,
        source_ip="203.0.113.7",
        mfa_present=False,
        source_arn="arn:aws:s3:::orders",
        source_account=ACCOUNT,
        principal_tags={"team": "orders"},
        request_tags={"env": "prod", "owner": "alice"},
        resource_tags={"env": "dev"},
    )
    assert keys == {
        "aws:PrincipalIsAWSService": ("true",),
        "aws:PrincipalServiceName": ("s3.amazonaws.com",),
        "aws:CurrentTime": ("2026-03-01T12:30:05Z",),
        "aws:EpochTime": (str(int(NOW.timestamp())),),
        "aws:SecureTransport": ("true",),
        "aws:SourceIp": ("203.0.113.7",),
        "aws:SourceArn": ("arn:aws:s3:::orders",),
        "aws:SourceAccount": (ACCOUNT,),
        "aws:MultiFactorAuthPresent": ("false",),
        "aws:PrincipalTag/team": ("orders",),
        "aws:ResourceTag/env": ("dev",),
        "aws:RequestTag/env": ("prod",),
        "aws:RequestTag/owner": ("alice",),
        "aws:TagKeys": ("env", "owner"),
    }


def test_optional_keys_are_left_out() -> None:
    keys = global_context(RequestPrincipal.anonymous(), now=NOW, secure_transport=False)
    assert set(keys) == {
        "aws:PrincipalIsAWSService",
        "aws:PrincipalType",
        "aws:userid",
        "aws:CurrentTime",
        "aws:EpochTime",
        "aws:SecureTransport",
    }
    assert keys[GlobalKey.SECURE_TRANSPORT] == ("false",)


def test_request_time_must_be_timezone_aware() -> None:
    with pytest.raises(InvalidAuthorizationInputError, match="timezone-aware"):
        global_context(
            RequestPrincipal.anonymous(), now=datetime(2026, 1, 1), secure_transport=True
        )


def test_lambda_key_names() -> None:
    assert [key.value for key in LambdaKey] == [
        "lambda:FunctionArn",
        "lambda:Layer",
        "lambda:FunctionUrlAuthType",
        "lambda:InvokedViaFunctionUrl",
        "lambda:CodeSigningConfigArn",
        "lambda:Principal",
        "lambda:SourceFunctionArn",
        "lambda:EventSourceToken",
        "lambda:VpcIds",
        "lambda:SubnetIds",
        "lambda:SecurityGroupIds",
    ]


def _evaluate(principal: RequestPrincipal, statement: dict[str, object], unique_id: str) -> bool:
    text = json.dumps({"Version": "2012-10-17", "Statement": statement})
    policies = PolicySet(identity=(AttachedPolicy("p", parse_policy(text, PolicyKind.IDENTITY)),))
    context = global_context(principal, now=NOW, secure_transport=True, unique_id=unique_id)
    context[LambdaKey.FUNCTION_URL_AUTH_TYPE] = ("AWS_IAM",)
    resource = f"arn:aws:s3:::home/{unique_id}:ci/notes.txt"
    request = AuthorizationRequest(principal, "s3:GetObject", resource, ACCOUNT, context)
    return evaluate(request, policies).allowed


def test_docs_userid_variable_for_a_role_session() -> None:
    # IAM User Guide, policy variables: a folder per caller keyed by aws:userid.
    statement: dict[str, object] = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::home/${aws:userid}/*",
        "Condition": {
            "StringEquals": {"aws:PrincipalType": "AssumedRole"},
            "Bool": {"aws:SecureTransport": "true"},
            "DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"},
            "StringEqualsIfExists": {"lambda:FunctionUrlAuthType": "AWS_IAM"},
        },
    }
    session = RequestPrincipal.assumed_role(SESSION_ARN, ROLE_ARN)
    assert _evaluate(session, statement, "AROAEXAMPLE")
    statement["Condition"] = {"StringEquals": {"aws:PrincipalType": "User"}}
    assert not _evaluate(session, statement, "AROAEXAMPLE")
