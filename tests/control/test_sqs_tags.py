"""SQS queue tags: TagQueue, UntagQueue, ListQueueTags and CreateQueue's `tags`, with SQS's
rules ("Quotas related to queues", Amazon SQS Developer Guide: keys 1-128 and values 0-256
characters, no `aws:` prefix, 50 tags) and SQS's authorization (the caller's own policies:
"Cross-account permissions don't apply to this action", TagQueue API reference)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from tests.support.inprocess import InProcessServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(tmp_path_factory.mktemp("sqs-tags") / "data") as running:
        yield running


def new_queue(server: InProcessServer, **extra: object) -> str:
    name = f"tagged-{uuid.uuid4().hex[:8]}"
    return str(server.client("sqs").create_queue(QueueName=name, **extra)["QueueUrl"])


def error_of(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = caught.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def test_tags_are_added_replaced_listed_and_removed(server: InProcessServer) -> None:
    sqs = server.client("sqs")
    url = new_queue(server, tags={"team": "a"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "a"}
    sqs.tag_queue(QueueUrl=url, Tags={"team": "b", "cost-centre": "42 / x"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "b", "cost-centre": "42 / x"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["team", "never-set"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"cost-centre": "42 / x"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["cost-centre"])
    assert "Tags" not in sqs.list_queue_tags(QueueUrl=url)


@pytest.mark.parametrize(
    "tags",
    [
        {"aws:owner": "x"},
        {"k" * 129: "x"},
        {"": "x"},
        {"ok": "v" * 257},
        {"bad*key": "x"},
        {"ok": "aws:value"},
    ],
)
def test_tags_sqs_refuses_change_nothing(server: InProcessServer, tags: dict[str, str]) -> None:
    sqs = server.client("sqs", validate=False)
    url = new_queue(server, tags={"kept": "yes"})
    with pytest.raises(ClientError) as caught:
        sqs.tag_queue(QueueUrl=url, Tags={"fine": "1", **tags})
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"kept": "yes"}


def test_fifty_tags_and_no_more(server: InProcessServer) -> None:
    sqs = server.client("sqs")
    url = new_queue(server, tags={f"k{i}": "v" for i in range(40)})
    sqs.tag_queue(QueueUrl=url, Tags={f"k{i}": "w" for i in range(30, 50)})  # 50 in all
    assert len(sqs.list_queue_tags(QueueUrl=url)["Tags"]) == 50
    with pytest.raises(ClientError) as caught:
        sqs.tag_queue(QueueUrl=url, Tags={"one-more": "v"})
    code, message = error_of(caught)
    assert code == "InvalidParameterValue"
    assert message.startswith("Too many tags added for queue")
    with pytest.raises(ClientError):
        new_queue(server, tags={f"k{i}": "v" for i in range(51)})


def test_a_missing_queue_and_an_empty_request(server: InProcessServer) -> None:
    sqs = server.client("sqs", validate=False)
    missing = f"https://stockade.test/{server.account_id}/no-such-{uuid.uuid4().hex[:6]}"
    with pytest.raises(ClientError) as caught:
        sqs.tag_queue(QueueUrl=missing, Tags={"a": "b"})
    assert caught.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    with pytest.raises(ClientError) as caught:
        sqs.list_queue_tags(QueueUrl=missing)
    assert caught.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    url = new_queue(server)
    with pytest.raises(ClientError) as caught:
        sqs.tag_queue(QueueUrl=url, Tags={})
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_tagging_needs_the_callers_own_permission_and_is_audited(
    server: InProcessServer,
) -> None:
    url = new_queue(server)
    iam = server.client("iam")
    user = f"tagger-{uuid.uuid4().hex[:6]}"
    iam.create_user(UserName=user)
    iam.put_user_policy(
        UserName=user, PolicyName="list-only",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sqs:ListQueueTags", "Resource": "*"}]}),
    )  # fmt: skip
    key = iam.create_access_key(UserName=user)["AccessKey"]
    as_user = server.client("sqs", (key["AccessKeyId"], key["SecretAccessKey"]))
    as_user.list_queue_tags(QueueUrl=url)
    with pytest.raises(ClientError) as caught:
        as_user.tag_queue(QueueUrl=url, Tags={"a": "b"})
    assert caught.value.response["Error"]["Code"] == "AccessDenied"
    assert "sqs:TagQueue" in caught.value.response["Error"]["Message"]
    events = server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "TagQueue"}]
    )["Events"]
    denied = [json.loads(e["CloudTrailEvent"]) for e in events if e.get("Username") == user]
    assert [d["errorCode"] for d in denied] == ["AccessDeniedException"]  # the JSON protocol's code
