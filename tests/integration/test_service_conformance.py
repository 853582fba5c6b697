"""Tags, AWS managed policies and Lambda resource-policy documents end to end: boto3 and the
AWS CLI against a real server (the in-process checks are in tests/control)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.test_accounts import create_account
from tests.integration.test_aws_cli import aws
from tests.integration.test_iam import new_function, unique
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration


def code_of(caught: pytest.ExceptionInfo[ClientError]) -> str:
    return str(caught.value.response["Error"]["Code"])


def test_queue_tags(server: RunningServer) -> None:
    sqs = server.client("sqs")
    url = sqs.create_queue(QueueName=unique("tagged"), tags={"team": "a"})["QueueUrl"]
    sqs.tag_queue(QueueUrl=url, Tags={"env": "prod"})
    sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "prod"}
    with pytest.raises(ClientError) as caught:
        sqs.tag_queue(QueueUrl=url, Tags={"aws:reserved": "x"})
    assert code_of(caught) == "InvalidParameterValue"
    listed = aws(server, "sqs", "list-queue-tags", "--queue-url", url, endpoint=True)
    assert listed["Tags"] == {"env": "prod"}


def test_key_tags_and_policies(server: RunningServer) -> None:
    kms = server.client("kms")
    key_id = kms.create_key(Tags=[{"TagKey": "team", "TagValue": "a"}])["KeyMetadata"]["KeyId"]
    kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "env", "TagValue": "prod"}])
    kms.untag_resource(KeyId=key_id, TagKeys=["team"])
    assert kms.list_resource_tags(KeyId=key_id)["Tags"] == [{"TagKey": "env", "TagValue": "prod"}]
    assert kms.list_key_policies(KeyId=key_id)["PolicyNames"] == ["default"]
    with pytest.raises(ClientError) as caught:
        kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "aws:x", "TagValue": "y"}])
    assert code_of(caught) == "TagException"
    listed = aws(server, "kms", "list-resource-tags", "--key-id", key_id, endpoint=True)
    assert listed["Tags"] == [{"TagKey": "env", "TagValue": "prod"}]


def test_read_only_access_is_awss_policy_for_real(server: RunningServer) -> None:
    iam = server.client("iam")
    user = unique("reader")
    iam.create_user(UserName=user)
    arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    iam.attach_user_policy(UserName=user, PolicyArn=arn)
    shown = iam.get_policy(PolicyArn=arn)["Policy"]
    assert (shown["Path"], shown["AttachmentCount"] >= 1) == ("/", True)
    view_only = iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/job-function/ViewOnlyAccess")
    assert view_only["Policy"]["Path"] == "/job-function/"
    key = iam.create_access_key(UserName=user)["AccessKey"]
    lam = server.client("lambda", credentials=(key["AccessKeyId"], key["SecretAccessKey"]))
    name = new_function(server)
    assert lam.get_function(FunctionName=name)["Configuration"]["FunctionName"] == name
    with pytest.raises(ClientError) as caught:
        lam.delete_function(FunctionName=name)
    assert code_of(caught) == "AccessDeniedException"


def test_resource_policy_documents_across_accounts(server: RunningServer) -> None:
    other = create_account(server, unique("tenant"))
    theirs = server.client("lambda", credentials=(other["AccessKeyId"], other["SecretAccessKey"]))
    lam = server.client("lambda")
    name = new_function(server)
    arn = lam.get_function_configuration(FunctionName=name)["FunctionArn"]
    with pytest.raises(ClientError) as caught:
        theirs.invoke(FunctionName=arn, Payload=b"{}")
    assert code_of(caught) == "AccessDeniedException"
    document: dict[str, Any] = {"Version": "2012-10-17", "Id": "default", "Statement": [
        {"Sid": "tenant", "Effect": "Allow", "Principal": {"AWS": other["account_id"]},
         "Action": "lambda:InvokeFunction", "Resource": arn}]}  # fmt: skip
    put = lam.put_resource_policy(ResourceArn=arn, Policy=json.dumps(document))
    assert theirs.invoke(FunctionName=arn, Payload=b"{}")["StatusCode"] == 200
    assert json.loads(lam.get_policy(FunctionName=name)["Policy"]) == document
    # (this AWS CLI predates GetResourcePolicy; its GetPolicy shows the same policy)
    shown = aws(server, "lambda", "get-policy", "--function-name", name, endpoint=True)
    assert shown["RevisionId"] == put["RevisionId"]
    lam.remove_permission(FunctionName=name, StatementId="tenant")
    with pytest.raises(ClientError) as caught:
        theirs.invoke(FunctionName=arn, Payload=b"{}")
    assert code_of(caught) == "AccessDeniedException"
    with pytest.raises(ClientError) as caught:
        lam.get_resource_policy(ResourceArn=arn)
    assert code_of(caught) == "ResourceNotFoundException"


def test_lambda_event_names_in_the_event_history(server: RunningServer) -> None:
    name = new_function(server)
    trail = server.client("cloudtrail")
    found = trail.lookup_events(LookupAttributes=[
        {"AttributeKey": "ResourceName", "AttributeValue": name}])["Events"]  # fmt: skip
    assert [e["EventName"] for e in found] == ["CreateFunction20150331"]
