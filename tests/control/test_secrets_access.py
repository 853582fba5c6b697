"""Who may use a secret: the caller's policies and the secret's resource policy (Put/Get/
Delete/ValidateResourcePolicy, BlockPublicPolicy), tags and tag conditions, and the batch read
that reports a secret it may not read as one of its Errors.

From the Secrets Manager API reference (PublicPolicyException, ValidateResourcePolicy's
ValidationErrors, BatchGetSecretValue's Errors) and the Service Authorization Reference
(secretsmanager:ResourceTag/<key>, secretsmanager:SecretId).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.control.secrets_support import allow, error_of, new_name, user_arn, user_with
from tests.support.inprocess import InProcessServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(tmp_path_factory.mktemp("secrets-access") / "data") as running:
        yield running


@pytest.fixture
def sm(server: InProcessServer) -> Any:
    return server.client("secretsmanager")


def policy_for(principal: str, actions: list[str]) -> str:
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": principal}, "Action": actions,
                       "Resource": "*"}],
    })  # fmt: skip


def test_a_caller_without_a_policy_is_denied(server: InProcessServer, sm: Any) -> None:
    name = new_name()
    sm.create_secret(Name=name, SecretString="v")
    nobody = server.client("secretsmanager", user_with(server, None))
    with pytest.raises(ClientError) as caught:
        nobody.get_secret_value(SecretId=name)
    assert error_of(caught)[0] == "AccessDeniedException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_the_secrets_resource_policy_lets_a_named_user_read_it(
    server: InProcessServer, sm: Any
) -> None:
    name = new_name()
    sm.create_secret(Name=name, SecretString="shared")
    credentials = user_with(server, None)
    reader = server.client("secretsmanager", credentials)
    sm.put_resource_policy(
        SecretId=name,
        ResourcePolicy=policy_for(user_arn(server, credentials), ["secretsmanager:GetSecretValue"]),
        BlockPublicPolicy=True,
    )
    assert reader.get_secret_value(SecretId=name)["SecretString"] == "shared"
    got = sm.get_resource_policy(SecretId=name)
    assert json.loads(got["ResourcePolicy"])["Statement"][0]["Action"] == [
        "secretsmanager:GetSecretValue"
    ]
    sm.delete_resource_policy(SecretId=name)
    assert "ResourcePolicy" not in sm.get_resource_policy(SecretId=name)
    with pytest.raises(ClientError) as caught:
        reader.get_secret_value(SecretId=name)
    assert error_of(caught)[0] == "AccessDeniedException"


def test_a_public_policy_is_refused_when_blocked_and_reported_by_validation(sm: Any) -> None:
    name = new_name()
    sm.create_secret(Name=name, SecretString="v")
    public = policy_for("*", ["secretsmanager:GetSecretValue"])
    with pytest.raises(ClientError) as caught:
        sm.put_resource_policy(SecretId=name, ResourcePolicy=public, BlockPublicPolicy=True)
    assert error_of(caught) == (
        "PublicPolicyException",
        "This resource policy contains a statement that grants public access.",
    )
    assert "ResourcePolicy" not in sm.get_resource_policy(SecretId=name)
    checked = sm.validate_resource_policy(SecretId=name, ResourcePolicy=public)
    assert checked["PolicyValidationPassed"] is False
    assert checked["ValidationErrors"][0]["CheckName"] == "PUBLIC_ACCESS_CHECK"
    sm.put_resource_policy(SecretId=name, ResourcePolicy=public)  # not blocked: stored
    assert "ResourcePolicy" in sm.get_resource_policy(SecretId=name)


def test_a_malformed_policy_is_refused(sm: Any) -> None:
    name = new_name()
    sm.create_secret(Name=name, SecretString="v")
    with pytest.raises(ClientError) as caught:
        sm.put_resource_policy(SecretId=name, ResourcePolicy='{"Statement": 5}')
    assert error_of(caught)[0] == "MalformedPolicyDocumentException"
    checked = sm.validate_resource_policy(ResourcePolicy="not json")
    assert checked["PolicyValidationPassed"] is False
    assert checked["ValidationErrors"][0]["CheckName"] == "SYNTAX_CHECK"
    fine = policy_for("arn:aws:iam::123456789012:root", ["secretsmanager:GetSecretValue"])
    assert sm.validate_resource_policy(ResourcePolicy=fine)["PolicyValidationPassed"] is True


def test_tags_are_kept_and_decide_tag_conditions(server: InProcessServer, sm: Any) -> None:
    name = new_name()
    sm.create_secret(Name=name, SecretString="tagged", Tags=[{"Key": "team", "Value": "red"}])
    sm.tag_resource(SecretId=name, Tags=[{"Key": "env", "Value": "prod"}])
    assert sm.describe_secret(SecretId=name)["Tags"] == [
        {"Key": "team", "Value": "red"},
        {"Key": "env", "Value": "prod"},
    ]
    condition = {"StringEquals": {"secretsmanager:ResourceTag/team": "blue"}}
    blue_only = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
        "Condition": condition}]}  # fmt: skip
    reader = server.client("secretsmanager", user_with(server, blue_only))
    with pytest.raises(ClientError) as caught:
        reader.get_secret_value(SecretId=name)
    assert error_of(caught)[0] == "AccessDeniedException"
    sm.tag_resource(SecretId=name, Tags=[{"Key": "team", "Value": "blue"}])
    assert reader.get_secret_value(SecretId=name)["SecretString"] == "tagged"
    sm.untag_resource(SecretId=name, TagKeys=["team", "env"])
    assert "Tags" not in sm.describe_secret(SecretId=name)


def test_more_than_50_tags_are_refused(sm: Any) -> None:
    name = new_name()
    sm.create_secret(Name=name, SecretString="v")
    with pytest.raises(ClientError) as caught:
        sm.tag_resource(SecretId=name, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)])
    assert error_of(caught)[0] == "LimitExceededException"


def test_a_batch_reports_each_secret_it_may_not_read_or_find(
    server: InProcessServer, sm: Any
) -> None:
    readable, hidden = new_name("open"), new_name("closed")
    arn = sm.create_secret(Name=readable, SecretString="one")["ARN"]
    sm.create_secret(Name=hidden, SecretString="two")
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "secretsmanager:BatchGetSecretValue", "Resource": "*"},
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": arn},
    ]}  # fmt: skip
    caller = server.client("secretsmanager", user_with(server, policy))
    got = caller.batch_get_secret_value(SecretIdList=[readable, hidden])
    assert [v["SecretString"] for v in got["SecretValues"]] == ["one"]
    assert [(e["SecretId"], e["ErrorCode"]) for e in got["Errors"]] == [
        (hidden, "AccessDeniedException")
    ]
    admin = sm.batch_get_secret_value(SecretIdList=[hidden, "no/such/secret"])
    assert [v["SecretString"] for v in admin["SecretValues"]] == ["two"]
    assert [(e["SecretId"], e["ErrorCode"]) for e in admin["Errors"]] == [
        ("no/such/secret", "ResourceNotFoundException")
    ]
    with pytest.raises(ClientError) as caught:
        sm.batch_get_secret_value(SecretIdList=[readable],
                                  Filters=[{"Key": "name", "Values": ["open"]}])  # fmt: skip
    assert error_of(caught)[0] == "InvalidParameterException"


def test_a_batch_by_filter_needs_list_secrets_too(server: InProcessServer, sm: Any) -> None:
    name = new_name("filtered")
    sm.create_secret(Name=name, SecretString="v")
    actions = ["secretsmanager:BatchGetSecretValue", "secretsmanager:GetSecretValue"]
    caller = server.client("secretsmanager", user_with(server, allow(actions)))
    by_name = [{"Key": "name", "Values": [name]}]
    with pytest.raises(ClientError) as caught:
        caller.batch_get_secret_value(Filters=by_name)
    assert error_of(caught)[0] == "AccessDeniedException"
    assert caller.batch_get_secret_value(SecretIdList=[name])["SecretValues"][0]["Name"] == name
    lister = server.client("secretsmanager", user_with(
        server, allow([*actions, "secretsmanager:ListSecrets"])
    ))  # fmt: skip
    assert [v["Name"] for v in lister.batch_get_secret_value(Filters=by_name)["SecretValues"]] == [
        name
    ]


def test_a_batch_by_filter_pages_through_matching_secrets(sm: Any) -> None:
    prefix = new_name("batch")
    for i in range(3):
        sm.create_secret(Name=f"{prefix}-{i}", SecretString=f"value-{i}")
    first = sm.batch_get_secret_value(Filters=[{"Key": "name", "Values": [prefix]}], MaxResults=2)
    rest = sm.batch_get_secret_value(Filters=[{"Key": "name", "Values": [prefix]}],
                                     MaxResults=2, NextToken=first["NextToken"])  # fmt: skip
    values = [v["SecretString"] for v in [*first["SecretValues"], *rest["SecretValues"]]]
    assert sorted(values) == ["value-0", "value-1", "value-2"]
    assert "NextToken" not in rest
