"""`KMSKeyArn` and `Tags` on event source mappings, in-process with boto3.

AWS facts: Lambda developer guide, invocation-eventfiltering "Encrypting filter criteria"
(encryption context aws:lambda:FunctionArn and aws:lambda:EventSourceArn; the caller needs
kms:DescribeKey and kms:GenerateDataKey to set a key and kms:Decrypt to see the criteria;
ListEventSourceMappings never shows them; the key policy must let
lambda.<region>.amazonaws.com decrypt, for the mapping's ARN as aws:SourceArn; "" as the key
returns to Lambda's own encryption); API reference FilterCriteriaError {ErrorCode, Message}
(the KMS exception); developer guide tags-esm (TagResource, UntagResource, ListTags on the
mapping's ARN; tag on create needs lambda:TagResource).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stockade.sandbox.backends.fake import FakeBackend, FakeContext
from tests.support import polling
from tests.support.inprocess import REGION, InProcessServer
from tests.support.packages import PYTHON_ECHO

LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}  # fmt: skip
ESM_ARNS = f"arn:aws:lambda:{REGION}:"
SQS_ROLE = "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"


class Guests:
    """Fake function code: remembers the bodies of every record it was given."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    async def handler(self, event: bytes, context: FakeContext) -> bytes:
        self.bodies.extend(r["body"] for r in json.loads(event)["Records"])
        return b"{}"


@pytest.fixture
def guests() -> Guests:
    return Guests()


@pytest.fixture
def server(tmp_path: Path, guests: Guests) -> Iterator[InProcessServer]:
    backend = FakeBackend({"app.handler": guests.handler})
    with InProcessServer(tmp_path / "data", sandbox=backend) as running:
        yield running


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def until(check: Callable[[], Any], timeout_s: float = 20.0) -> Any:
    return polling.until(check, timeout_s, 0.1)


def setup(server: InProcessServer) -> tuple[str, str, str]:
    """(function name, function ARN, queue URL), with a role that may poll the queue."""
    iam, lam, sqs = server.client("iam"), server.client("lambda"), server.client("sqs")
    role = unique("esm-role")
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))[
        "Role"
    ]["Arn"]
    iam.attach_role_policy(RoleName=role, PolicyArn=SQS_ROLE)
    name = unique("fn")
    function_arn = lam.create_function(FunctionName=name, Runtime="python3.11", Role=role_arn,
                                       Handler="app.handler",
                                       Code={"ZipFile": PYTHON_ECHO})["FunctionArn"]  # fmt: skip
    url = sqs.create_queue(QueueName=unique("q"))["QueueUrl"]
    return name, function_arn, url


def queue_arn(server: InProcessServer, url: str) -> str:
    found = server.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(found["Attributes"]["QueueArn"])


def user(server: InProcessServer, statements: list[dict[str, Any]]) -> tuple[str, str]:
    iam = server.client("iam")
    name = unique("u")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": statements}))  # fmt: skip
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def lambda_may_decrypt(server: InProcessServer, key_arn: str) -> None:
    """The key policy statement the developer guide asks for (Lambda's Regional principal)."""
    kms = server.client("kms")
    policy = json.loads(kms.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"])
    policy["Statement"].append({
        "Sid": "LambdaFilterCriteria", "Effect": "Allow",
        "Principal": {"Service": f"lambda.{REGION}.amazonaws.com"},
        "Action": "kms:Decrypt", "Resource": "*",
        "Condition": {"ArnLike": {"aws:SourceArn":
                                  f"arn:aws:lambda:{REGION}:{server.account_id}:"
                                  "event-source-mapping:*"}},
    })  # fmt: skip
    kms.put_key_policy(KeyId=key_arn, PolicyName="default", Policy=json.dumps(policy))


def pattern(value: str) -> dict[str, Any]:
    return {"Filters": [{"Pattern": json.dumps({"body": {"kind": [value]}})}]}


def error_code(caught: pytest.ExceptionInfo[ClientError]) -> str:
    return str(caught.value.response["Error"]["Code"])


def test_criteria_under_a_key_are_shown_only_to_who_may_decrypt(server: InProcessServer) -> None:
    lam, kms = server.client("lambda"), server.client("kms")
    name, _, url = setup(server)
    canary = unique("canary")
    key_arn = kms.create_key(Description="filters")["KeyMetadata"]["Arn"]
    created = lam.create_event_source_mapping(
        FunctionName=name, EventSourceArn=queue_arn(server, url), FilterCriteria=pattern(canary),
        KMSKeyArn=key_arn, Enabled=False)  # fmt: skip
    mapping = created["UUID"]
    assert created["KMSKeyArn"] == key_arn
    assert created["FilterCriteria"] == pattern(canary)
    got = lam.get_event_source_mapping(UUID=mapping)
    assert got["FilterCriteria"] == pattern(canary)
    assert "FilterCriteriaError" not in got
    listed = lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]
    assert [m["KMSKeyArn"] for m in listed] == [key_arn]
    assert "FilterCriteria" not in listed[0]

    # Stored: only ciphertext under the key (the store's own layer aside).
    assert server.built is not None
    with server.built.store.read() as tx:
        stored = tx.event_source_mappings.get(mapping)
    assert stored is not None
    assert stored.filters == ()
    assert stored.sealed_filters
    assert canary not in repr(stored)

    # A reader with Lambda's permissions but no kms:Decrypt sees the KMS exception instead.
    reader = server.client("lambda", user(server, [
        {"Effect": "Allow", "Action": "lambda:*", "Resource": "*"}]))  # fmt: skip
    hidden = reader.get_event_source_mapping(UUID=mapping)
    assert "FilterCriteria" not in hidden
    assert hidden["FilterCriteriaError"]["ErrorCode"] == "AccessDeniedException"
    assert canary not in json.dumps(hidden["FilterCriteriaError"])
    # ... and cannot set a key (kms:DescribeKey and kms:GenerateDataKey are needed).
    with pytest.raises(ClientError) as refused:
        reader.update_event_source_mapping(UUID=mapping, KMSKeyArn=key_arn)
    assert error_code(refused) == "InvalidParameterValueException"
    assert "AccessDeniedException" in refused.value.response["Error"]["Message"]

    # With kms:Decrypt it sees them.
    decrypter = server.client("lambda", user(server, [
        {"Effect": "Allow", "Action": "lambda:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn}]))  # fmt: skip
    assert decrypter.get_event_source_mapping(UUID=mapping)["FilterCriteria"] == pattern(canary)

    # A disabled key: Get reports it, a new mapping cannot use it.
    kms.disable_key(KeyId=key_arn)
    disabled = lam.get_event_source_mapping(UUID=mapping)
    assert disabled["FilterCriteriaError"]["ErrorCode"] == "DisabledException"
    _, _, other = setup(server)
    with pytest.raises(ClientError) as refused:
        lam.create_event_source_mapping(FunctionName=name, EventSourceArn=queue_arn(server, other),
                                        FilterCriteria=pattern("x"), KMSKeyArn=key_arn)  # fmt: skip
    assert error_code(refused) == "InvalidParameterValueException"
    assert "DisabledException" in refused.value.response["Error"]["Message"]
    kms.enable_key(KeyId=key_arn)

    # "" removes the key: back to the platform's encryption, shown in lists again.
    removed = lam.update_event_source_mapping(UUID=mapping, KMSKeyArn="")
    assert "KMSKeyArn" not in removed
    assert removed["FilterCriteria"] == pattern(canary)
    listed = lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]
    assert listed[0]["FilterCriteria"] == pattern(canary)
    assert "KMSKeyArn" not in listed[0]

    # Keying it again, with new criteria in the same update.
    keyed = lam.update_event_source_mapping(UUID=mapping, KMSKeyArn=key_arn,
                                            FilterCriteria=pattern("again"))  # fmt: skip
    assert keyed["KMSKeyArn"] == key_arn
    assert keyed["FilterCriteria"] == pattern("again")
    deleted = lam.delete_event_source_mapping(UUID=mapping)
    assert deleted["FilterCriteria"] == pattern("again")


def test_a_poller_reads_the_criteria_as_lambda_and_stops_while_the_key_cannot_be_used(
    server: InProcessServer, guests: Guests
) -> None:
    lam, kms, sqs = server.client("lambda"), server.client("kms"), server.client("sqs")
    name, _, url = setup(server)
    key_arn = kms.create_key(Description="filters")["KeyMetadata"]["Arn"]
    lambda_may_decrypt(server, key_arn)
    mapping = lam.create_event_source_mapping(
        FunctionName=name, EventSourceArn=queue_arn(server, url), FilterCriteria=pattern("keep"),
        KMSKeyArn=key_arn, BatchSize=1)["UUID"]  # fmt: skip
    until(lambda: lam.get_event_source_mapping(UUID=mapping)["State"] == "Enabled")
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": "drop", "n": 1}))
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": "keep", "n": 2}))
    until(lambda: guests.bodies)
    assert [json.loads(b)["n"] for b in guests.bodies] == [2]

    kms.disable_key(KeyId=key_arn)
    result = until(lambda: lam.get_event_source_mapping(UUID=mapping).get("LastProcessingResult"))
    assert result.startswith("PROBLEM:")
    assert "DisabledException" in result
    time.sleep(1.5)  # the poller's next check has seen the disabled key
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": "keep", "n": 3}))
    time.sleep(2.5)
    assert [json.loads(b)["n"] for b in guests.bodies] == [2]  # waiting, not dropped

    kms.enable_key(KeyId=key_arn)
    until(lambda: len(guests.bodies) == 2)
    assert json.loads(guests.bodies[1])["n"] == 3
    until(lambda: lam.get_event_source_mapping(UUID=mapping).get("LastProcessingResult") == "OK")


def test_a_key_policy_without_lambda_stops_delivery(
    server: InProcessServer, guests: Guests
) -> None:
    lam, kms, sqs = server.client("lambda"), server.client("kms"), server.client("sqs")
    name, _, url = setup(server)
    key_arn = kms.create_key()["KeyMetadata"]["Arn"]  # its policy does not name Lambda
    mapping = lam.create_event_source_mapping(
        FunctionName=name, EventSourceArn=queue_arn(server, url), FilterCriteria=pattern("keep"),
        KMSKeyArn=key_arn, BatchSize=1)["UUID"]  # fmt: skip
    result = until(lambda: lam.get_event_source_mapping(UUID=mapping).get("LastProcessingResult"))
    assert "AccessDeniedException" in result
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": "keep"}))
    time.sleep(2.0)
    assert guests.bodies == []
    lambda_may_decrypt(server, key_arn)
    until(lambda: guests.bodies)


def test_tags_on_a_mapping(server: InProcessServer) -> None:
    lam = server.client("lambda")
    name, function_arn, url = setup(server)
    created = lam.create_event_source_mapping(FunctionName=name, EventSourceArn=queue_arn(
        server, url), Enabled=False, Tags={"team": "a"})  # fmt: skip
    arn = created["EventSourceMappingArn"]
    assert arn == (f"arn:aws:lambda:{REGION}:{server.account_id}:event-source-mapping:"
                   f"{created['UUID']}")  # fmt: skip
    assert lam.list_tags(Resource=arn)["Tags"] == {"team": "a"}
    lam.tag_resource(Resource=arn, Tags={"team": "b", "env": "prod"})
    assert lam.list_tags(Resource=arn)["Tags"] == {"team": "b", "env": "prod"}
    lam.untag_resource(Resource=arn, TagKeys=["team", "never-set"])
    assert lam.list_tags(Resource=arn)["Tags"] == {"env": "prod"}
    assert lam.list_tags(Resource=function_arn)["Tags"] == {}  # not the function's tags

    with pytest.raises(ClientError) as refused:
        lam.tag_resource(Resource=arn, Tags={"aws:x": "1"})
    assert error_code(refused) == "InvalidParameterValueException"
    with pytest.raises(ClientError) as refused:
        lam.tag_resource(Resource=arn, Tags={f"k{i}": "v" for i in range(50)})
    assert error_code(refused) == "InvalidParameterValueException"
    missing = arn.rsplit(":", 1)[0] + f":{uuid.uuid4()}"
    with pytest.raises(ClientError) as refused:
        lam.list_tags(Resource=missing)
    assert error_code(refused) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as refused:
        lam.create_event_source_mapping(FunctionName=name, EventSourceArn=queue_arn(
            server, setup(server)[2]), Tags={"aws:reserved": "1"})  # fmt: skip
    assert error_code(refused) == "InvalidParameterValueException"


def test_tagging_a_mapping_needs_permission_on_its_arn(server: InProcessServer) -> None:
    lam = server.client("lambda")
    name, function_arn, url = setup(server)
    arn = lam.create_event_source_mapping(FunctionName=name, EventSourceArn=queue_arn(
        server, url), Enabled=False)["EventSourceMappingArn"]  # fmt: skip
    on_function = server.client("lambda", user(server, [
        {"Effect": "Allow", "Action": ["lambda:TagResource", "lambda:ListTags"],
         "Resource": function_arn}]))  # fmt: skip
    with pytest.raises(ClientError) as refused:
        on_function.tag_resource(Resource=arn, Tags={"a": "1"})
    assert error_code(refused) == "AccessDeniedException"
    with pytest.raises(ClientError) as refused:
        on_function.list_tags(Resource=arn)
    assert error_code(refused) == "AccessDeniedException"
    on_mappings = server.client(
        "lambda",
        user(
            server,
            [
                {
                    "Effect": "Allow",
                    "Action": ["lambda:TagResource", "lambda:ListTags"],
                    "Resource": f"{ESM_ARNS}{server.account_id}:event-source-mapping:*",
                }
            ],
        ),
    )
    on_mappings.tag_resource(Resource=arn, Tags={"a": "1"})
    assert on_mappings.list_tags(Resource=arn)["Tags"] == {"a": "1"}

    # Tag on create needs lambda:TagResource as well as lambda:CreateEventSourceMapping.
    creator = server.client(
        "lambda",
        user(
            server,
            [{"Effect": "Allow", "Action": "lambda:CreateEventSourceMapping", "Resource": "*"}],
        ),
    )
    other = queue_arn(server, setup(server)[2])
    with pytest.raises(ClientError) as refused:
        creator.create_event_source_mapping(FunctionName=name, EventSourceArn=other,
                                            Enabled=False, Tags={"a": "1"})  # fmt: skip
    assert error_code(refused) == "AccessDeniedException"


def test_a_key_pending_deletion(server: InProcessServer) -> None:
    lam, kms = server.client("lambda"), server.client("kms")
    name, _, url = setup(server)
    key_arn = kms.create_key()["KeyMetadata"]["Arn"]
    mapping = lam.create_event_source_mapping(
        FunctionName=name, EventSourceArn=queue_arn(server, url), FilterCriteria=pattern("a"),
        KMSKeyArn=key_arn, Enabled=False)["UUID"]  # fmt: skip
    kms.schedule_key_deletion(KeyId=key_arn, PendingWindowInDays=7)
    shown = lam.get_event_source_mapping(UUID=mapping)
    assert shown["FilterCriteriaError"]["ErrorCode"] == "KMSInvalidStateException"
    assert "FilterCriteria" not in shown
    # New criteria cannot go under it; the update changes nothing.
    with pytest.raises(ClientError) as refused:
        lam.update_event_source_mapping(UUID=mapping, FilterCriteria=pattern("b"))
    assert error_code(refused) == "InvalidParameterValueException"
    assert "KMSInvalidStateException" in refused.value.response["Error"]["Message"]
    kms.cancel_key_deletion(KeyId=key_arn)  # back to Disabled, as in KMS
    kms.enable_key(KeyId=key_arn)
    assert lam.get_event_source_mapping(UUID=mapping)["FilterCriteria"] == pattern("a")
