"""KMS key tags and ListKeyPolicies, as KMS answers them (AWS KMS API reference: TagResource,
UntagResource, ListResourceTags, ListKeyPolicies, CreateKey): customer managed keys only, never
across accounts, not while pending deletion; `aws:` keys reserved (TagException); 50 tags per
key (LimitExceededException). Tags bear on access (ABAC): `aws:ResourceTag/<key>` is what the
key carries, `aws:RequestTag/<key>` and `aws:TagKeys` what a request sets."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.inprocess import InProcessServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(tmp_path_factory.mktemp("kms-tags") / "data") as running:
        yield running


def code(caught: pytest.ExceptionInfo[ClientError]) -> str:
    return str(caught.value.response["Error"]["Code"])


def tags_of(kms: Any, key_id: str) -> dict[str, str]:
    listed = kms.list_resource_tags(KeyId=key_id)
    assert listed["Truncated"] is False
    return {t["TagKey"]: t["TagValue"] for t in listed["Tags"]}


def user_client(server: InProcessServer, statements: list[dict[str, Any]]) -> Any:
    iam = server.client("iam")
    user = f"kms-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": statements}))  # fmt: skip
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return server.client("kms", (key["AccessKeyId"], key["SecretAccessKey"]))


def test_tags_are_set_replaced_listed_and_removed(server: InProcessServer) -> None:
    kms = server.client("kms")
    key = kms.create_key(Tags=[{"TagKey": "team", "TagValue": "a"}])["KeyMetadata"]
    assert tags_of(kms, key["KeyId"]) == {"team": "a"}
    kms.tag_resource(KeyId=key["Arn"], Tags=[{"TagKey": "team", "TagValue": "b"},
                                             {"TagKey": "env", "TagValue": ""}])  # fmt: skip
    assert tags_of(kms, key["KeyId"]) == {"team": "b", "env": ""}
    kms.untag_resource(KeyId=key["KeyId"], TagKeys=["team", "never-set"])
    assert tags_of(kms, key["Arn"]) == {"env": ""}
    policies = kms.list_key_policies(KeyId=key["KeyId"])
    assert (policies["PolicyNames"], policies["Truncated"]) == (["default"], False)


def test_tags_page_in_key_order(server: InProcessServer) -> None:
    kms = server.client("kms")
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": f"k{i:02}", "TagValue": "v"}
                                         for i in range(5)])  # fmt: skip
    first = kms.list_resource_tags(KeyId=key_id, Limit=3)
    assert [t["TagKey"] for t in first["Tags"]] == ["k00", "k01", "k02"]
    assert first["Truncated"] is True
    rest = kms.list_resource_tags(KeyId=key_id, Limit=3, Marker=first["NextMarker"])
    assert [t["TagKey"] for t in rest["Tags"]] == ["k03", "k04"]
    assert rest["Truncated"] is False
    with pytest.raises(ClientError) as caught:
        kms.list_resource_tags(KeyId=key_id, Marker="not-a-marker")
    assert code(caught) == "InvalidMarkerException"


def test_refusals_change_nothing(server: InProcessServer) -> None:
    kms = server.client("kms")
    key_id = kms.create_key(Tags=[{"TagKey": "kept", "TagValue": "1"}])["KeyMetadata"]["KeyId"]
    with pytest.raises(ClientError) as caught:
        kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "new", "TagValue": "x"},
                                             {"TagKey": "aws:owner", "TagValue": "x"}])  # fmt: skip
    assert code(caught) == "TagException"
    with pytest.raises(ClientError) as caught:
        kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": f"t{i}", "TagValue": "v"}
                                             for i in range(50)])  # fmt: skip
    assert code(caught) == "LimitExceededException"
    with pytest.raises(ClientError) as caught:
        kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "k" * 129, "TagValue": "v"}])
    assert code(caught) == "ValidationException"
    assert tags_of(kms, key_id) == {"kept": "1"}
    with pytest.raises(ClientError) as caught:
        kms.create_key(Tags=[{"TagKey": "aws:x", "TagValue": "v"}])
    assert code(caught) == "TagException"


def test_keys_that_cannot_be_tagged(server: InProcessServer) -> None:
    kms = server.client("kms")
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    with pytest.raises(ClientError) as caught:
        kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "a", "TagValue": "b"}])
    assert code(caught) == "KMSInvalidStateException"
    assert tags_of(kms, key_id) == {}  # listing still works
    with pytest.raises(ClientError) as caught:
        kms.tag_resource(KeyId="alias/aws/lambda", Tags=[{"TagKey": "a", "TagValue": "b"}])
    assert code(caught) == "NotFoundException"  # by key id or key ARN only
    managed = kms.describe_key(KeyId="alias/aws/lambda")["KeyMetadata"]["KeyId"]
    with pytest.raises(ClientError) as caught:  # its policy allows no tagging
        kms.tag_resource(KeyId=managed, Tags=[{"TagKey": "a", "TagValue": "b"}])
    assert code(caught) == "AccessDeniedException"
    other = f"arn:aws:kms:us-east-1:999988887777:key/{uuid.uuid4()}"
    with pytest.raises(ClientError) as caught:
        kms.list_resource_tags(KeyId=other)
    assert code(caught) == "NotFoundException"  # "Cross-account use: No"


def test_resource_tags_decide_access(server: InProcessServer) -> None:
    kms = server.client("kms")
    team_a = kms.create_key(Tags=[{"TagKey": "team", "TagValue": "a"}])["KeyMetadata"]["KeyId"]
    team_b = kms.create_key(Tags=[{"TagKey": "team", "TagValue": "b"}])["KeyMetadata"]["KeyId"]
    as_user = user_client(server, [
        {"Effect": "Allow", "Action": "kms:DescribeKey", "Resource": "*",
         "Condition": {"StringEquals": {"aws:ResourceTag/team": "a"}}},
        {"Effect": "Deny", "Action": "kms:DescribeKey", "Resource": "*",
         "Condition": {"StringEquals": {"aws:ResourceTag/frozen": "yes"}}},
    ])  # fmt: skip
    assert as_user.describe_key(KeyId=team_a)["KeyMetadata"]["KeyId"] == team_a
    with pytest.raises(ClientError) as caught:
        as_user.describe_key(KeyId=team_b)
    assert code(caught) == "AccessDeniedException"
    kms.tag_resource(KeyId=team_a, Tags=[{"TagKey": "frozen", "TagValue": "yes"}])
    with pytest.raises(ClientError) as caught:
        as_user.describe_key(KeyId=team_a)
    assert code(caught) == "AccessDeniedException"


def test_request_tags_decide_tagging_and_creating(server: InProcessServer) -> None:
    key_id = server.client("kms").create_key()["KeyMetadata"]["KeyId"]
    as_user = user_client(server, [
        {"Effect": "Allow", "Action": ["kms:TagResource", "kms:CreateKey"], "Resource": "*",
         "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}},
    ])  # fmt: skip
    as_user.tag_resource(KeyId=key_id, Tags=[{"TagKey": "team", "TagValue": "a"}])
    with pytest.raises(ClientError) as caught:
        as_user.tag_resource(KeyId=key_id, Tags=[{"TagKey": "owner", "TagValue": "x"}])
    assert code(caught) == "AccessDeniedException"
    created = as_user.create_key(Tags=[{"TagKey": "team", "TagValue": "b"}])["KeyMetadata"]
    assert tags_of(server.client("kms"), created["KeyId"]) == {"team": "b"}
    only_create = user_client(server, [{"Effect": "Allow", "Action": "kms:CreateKey",
                                        "Resource": "*"}])  # fmt: skip
    only_create.create_key()
    with pytest.raises(ClientError) as caught:  # tagging at creation needs kms:TagResource
        only_create.create_key(Tags=[{"TagKey": "team", "TagValue": "b"}])
    assert code(caught) == "AccessDeniedException"


def test_tagging_is_audited(server: InProcessServer) -> None:
    kms = server.client("kms")
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    reply = kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "a", "TagValue": "b"}])
    events = server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "TagResource"}]
    )["Events"]
    records = [json.loads(e["CloudTrailEvent"]) for e in events]
    [mine] = [r for r in records if r["requestID"] == reply["ResponseMetadata"]["RequestId"]]
    assert mine["eventSource"] == "kms.amazonaws.com"
    assert mine["requestParameters"]["KeyId"] == key_id
    assert mine["readOnly"] is False
