"""Event source mappings from Stockade's queues, through boto3 against a real server.

AWS facts (Lambda developer guide, with-sqs and services-sqs-errorhandling; AWS-recorded
answers in LocalStack's test_lambda_integration_sqs and test_lambda_api snapshots): Create,
Update and Delete answer 202 in Creating/Updating/Deleting, then the mapping settles; batches
arrive as {"Records": [...]} in Lambda's record shape; filters drop (delete) what they do not
match; with ReportBatchItemFailures only the reported items return to the queue; the queue's
redrive policy moves a message to its dead-letter queue after maxReceiveCount receives.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support import polling
from tests.support.packages import make_zip
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration

LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}  # fmt: skip
SQS_ROLE = "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"
BASIC_ROLE = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"

CODE = """
import json, time

def handler(event, context):
    records = event["Records"]
    print("BATCH " + json.dumps(records))
    failed = [r["messageId"] for r in records if "fail" in r["body"]]
    return {"batchItemFailures": [{"itemIdentifier": i} for i in failed]}

def slow(event, context):
    started = time.time()
    time.sleep(1.0)
    print("SPAN " + json.dumps([started, time.time()]))
"""


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def sqs_role(server: RunningServer, policies: tuple[str, ...] = (SQS_ROLE,)) -> str:
    iam = server.client("iam")
    name = unique("esm-role")
    arn: str = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))[
        "Role"
    ]["Arn"]
    for policy in policies:
        iam.attach_role_policy(RoleName=name, PolicyArn=policy)
    return arn


def function(server: RunningServer, role: str, handler: str = "app.handler") -> str:
    lam = server.client("lambda")
    name = unique("esm-fn")
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=role, Handler=handler,
                        Code={"ZipFile": make_zip({"app.py": CODE})}, Timeout=10)  # fmt: skip
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return name


def queue(server: RunningServer, **attributes: str) -> tuple[str, str]:
    sqs = server.client("sqs")
    url: str = sqs.create_queue(QueueName=unique("esm-q"), Attributes=attributes)["QueueUrl"]
    arn: str = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def until(check: Callable[[], Any], timeout_s: float = 30.0) -> Any:
    return polling.until(check, timeout_s, 0.2)


def printed(server: RunningServer, name: str, mark: str) -> list[Any]:
    logs = server.client("logs")
    try:
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    except ClientError:
        return []
    return [json.loads(e["message"].split(mark, 1)[1]) for e in events if mark in e["message"]]


def test_lifecycle_answers_as_aws(server: RunningServer) -> None:
    lam = server.client("lambda")
    name = function(server, sqs_role(server))
    _, arn = queue(server)
    created = lam.create_event_source_mapping(FunctionName=name, EventSourceArn=arn)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert created["State"] == "Creating"
    assert created["StateTransitionReason"] == "USER_INITIATED"
    assert created["BatchSize"] == 10
    assert created["MaximumBatchingWindowInSeconds"] == 0
    assert created["FunctionResponseTypes"] == []
    assert created["EventSourceArn"] == arn
    assert created["FunctionArn"].endswith(f":function:{name}")
    mapping = created["UUID"]
    assert created["EventSourceMappingArn"].endswith(f":event-source-mapping:{mapping}")
    until(lambda: lam.get_event_source_mapping(UUID=mapping)["State"] == "Enabled")
    listed = lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [mapping]
    updated = lam.update_event_source_mapping(UUID=mapping, Enabled=False, BatchSize=5)
    assert (updated["State"], updated["BatchSize"]) == ("Updating", 5)
    until(lambda: lam.get_event_source_mapping(UUID=mapping)["State"] == "Disabled")
    deleted = lam.delete_event_source_mapping(UUID=mapping)
    assert deleted["State"] == "Deleting"

    def gone() -> bool:
        try:
            lam.get_event_source_mapping(UUID=mapping)
        except ClientError as exc:
            return bool(exc.response["Error"]["Code"] == "ResourceNotFoundException")
        return False

    until(gone)


def refused(call: Callable[..., Any], **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as exc:
        call(**kwargs)
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


def test_refusals_answer_as_aws(server: RunningServer) -> None:
    lam = server.client("lambda")
    name = function(server, sqs_role(server))
    _, arn = queue(server)
    missing_queue = arn + "-missing"
    assert refused(lam.create_event_source_mapping, FunctionName=name,
                   EventSourceArn=missing_queue) == (
        "InvalidParameterValueException",
        "Error occurred while ReceiveMessage. SQS Error Code:"
        " AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does"
        " not exist.",
    )  # fmt: skip
    assert refused(lam.create_event_source_mapping, FunctionName=name + "-missing",
                   EventSourceArn=arn) == ("InvalidParameterValueException",
                                           "Function does not exist")  # fmt: skip
    assert refused(lam.create_event_source_mapping, FunctionName=name, EventSourceArn=arn,
                   FilterCriteria={"Filters": [{"Pattern": "simple string"}]}) == (
        "InvalidParameterValueException", "Invalid filter pattern definition.")  # fmt: skip
    first = lam.create_event_source_mapping(FunctionName=name, EventSourceArn=arn)["UUID"]
    code, message = refused(lam.create_event_source_mapping, FunctionName=name,
                            EventSourceArn=arn)  # fmt: skip
    assert code == "ResourceConflictException"
    assert message == (
        f'An event source mapping with SQS arn (" {arn} ") and function (" {name} ") already'
        f" exists. Please update or delete the existing mapping with UUID {first}"
    )
    assert refused(lam.get_event_source_mapping, UUID=str(uuid.uuid4())) == (
        "ResourceNotFoundException", "The resource you requested does not exist.")  # fmt: skip
    lam.delete_event_source_mapping(UUID=first)
    # A role that may not read the queue: refused when the mapping is made.
    basic = function(server, sqs_role(server, (BASIC_ROLE,)))
    assert refused(lam.create_event_source_mapping, FunctionName=basic, EventSourceArn=arn) == (
        "InvalidParameterValueException",
        "The provided execution role does not have permissions to call ReceiveMessage on SQS",
    )


def test_a_filtered_batch_arrives_in_lambdas_record_shape(server: RunningServer) -> None:
    lam, sqs = server.client("lambda"), server.client("sqs")
    name = function(server, sqs_role(server))
    url, arn = queue(server)
    for i in range(5):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": "order", "n": i}),
                         MessageAttributes={"source": {"DataType": "String",
                                                       "StringValue": "shop"}})  # fmt: skip
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": "noise", "n": i}))
    sqs.send_message(QueueUrl=url, MessageBody="not json at all")
    lam.create_event_source_mapping(
        FunctionName=name, EventSourceArn=arn, BatchSize=10, MaximumBatchingWindowInSeconds=2,
        FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"kind": ["order"]}})}]},
    )  # fmt: skip
    batches = until(lambda: printed(server, name, "BATCH "))
    records = [r for batch in batches for r in batch]
    assert sorted(json.loads(r["body"])["n"] for r in records) == [0, 1, 2, 3, 4]
    one = records[0]
    assert set(one) == {
        "messageId", "receiptHandle", "body", "attributes", "messageAttributes",
        "md5OfMessageAttributes", "md5OfBody", "eventSource", "eventSourceARN", "awsRegion",
    }  # fmt: skip
    assert one["eventSource"] == "aws:sqs"
    assert one["eventSourceARN"] == arn
    assert one["awsRegion"] == server.region
    assert one["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(
        one["attributes"]
    )
    assert one["messageAttributes"] == {
        "source": {"stringValue": "shop", "stringListValues": [], "binaryListValues": [],
                   "dataType": "String"},
    }  # fmt: skip
    # What the filter did not match was deleted, not left for others: the queue drains.
    until(lambda: _empty(sqs, url))


def _empty(sqs: Any, url: str) -> bool:
    counts = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return all(value == "0" for value in counts.values())


def test_only_reported_failures_return_to_the_queue(server: RunningServer) -> None:
    lam, sqs = server.client("lambda"), server.client("sqs")
    name = function(server, sqs_role(server))
    dlq_url, dlq_arn = queue(server)
    url, arn = queue(server, VisibilityTimeout="4", RedrivePolicy=json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"}))  # fmt: skip
    bodies = ["ok-1", "fail-1", "ok-2", "fail-2", "ok-3"]
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body)
    lam.create_event_source_mapping(FunctionName=name, EventSourceArn=arn, BatchSize=10,
                                    MaximumBatchingWindowInSeconds=1,
                                    FunctionResponseTypes=["ReportBatchItemFailures"])  # fmt: skip

    def dead_letters() -> list[str]:
        got = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        return [m["Body"] for m in got.get("Messages", [])]

    found: list[str] = []
    deadline = time.monotonic() + 40
    while len(found) < 2 and time.monotonic() < deadline:
        found += dead_letters()
    assert sorted(found) == ["fail-1", "fail-2"]
    seen = [r["body"] for batch in printed(server, name, "BATCH ") for r in batch]
    assert sorted(b for b in seen if b.startswith("ok")) == ["ok-1", "ok-2", "ok-3"]
    assert seen.count("fail-1") == 2  # received twice (maxReceiveCount), then redriven


def test_maximum_concurrency_caps_concurrent_batches(server: RunningServer) -> None:
    lam, sqs = server.client("lambda"), server.client("sqs")
    name = function(server, sqs_role(server), "app.slow")
    url, arn = queue(server, VisibilityTimeout="30")
    for i in range(8):
        sqs.send_message(QueueUrl=url, MessageBody=str(i))
    lam.create_event_source_mapping(FunctionName=name, EventSourceArn=arn, BatchSize=1,
                                    ScalingConfig={"MaximumConcurrency": 2})  # fmt: skip
    spans = until(lambda: (found := printed(server, name, "SPAN ")) and len(found) >= 8 and found,
                  timeout_s=60)  # fmt: skip
    moments = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    running, most = 0, 0
    for _, step in moments:
        running += step
        most = max(most, running)
    assert most == 2  # two at a time, never more (and the cap was used)


LOOP = """
import os
import boto3

sqs = boto3.client("sqs")

def handler(event, context):
    for r in event["Records"]:
        print("RUN " + r["body"])
        sqs.send_message(QueueUrl=os.environ["QUEUE"], MessageBody=str(int(r["body"]) + 1))
"""


def test_a_function_feeding_its_own_queue_is_stopped_after_16_runs(
    server: RunningServer,
) -> None:
    # Lambda's recursive loop detection (developer guide, invocation-recursion): the 17th run
    # of the chain is not made; the message goes to the queue's dead-letter queue.
    lam, sqs, iam = server.client("lambda"), server.client("sqs"), server.client("iam")
    role = sqs_role(server)
    iam.put_role_policy(RoleName=role.rsplit("/", 1)[1], PolicyName="send",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                            {"Effect": "Allow", "Action": "sqs:SendMessage",
                             "Resource": "*"}]}))  # fmt: skip
    dlq_url, dlq_arn = queue(server)
    url, arn = queue(server, RedrivePolicy=json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"}))  # fmt: skip
    name = unique("esm-loop")
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=role,
                        Handler="app.handler", Timeout=10,
                        Code={"ZipFile": make_zip({"app.py": LOOP})},
                        Environment={"Variables": {"QUEUE": url}})  # fmt: skip
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    lam.create_event_source_mapping(FunctionName=name, EventSourceArn=arn, BatchSize=1)
    sqs.send_message(QueueUrl=url, MessageBody="1")

    def stopped() -> list[str]:
        got = sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1)
        return [m["Body"] for m in got.get("Messages", [])]

    assert until(stopped, timeout_s=60) == ["17"]
    runs = until(lambda: (got := printed_lines(server, name, "RUN ")) and len(got) >= 16 and got)
    assert sorted(int(body) for body in runs) == list(range(1, 17))  # logs arrive a little late


def printed_lines(server: RunningServer, name: str, mark: str) -> list[str]:
    logs = server.client("logs")
    events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    return [e["message"].split(mark, 1)[1].strip() for e in events if mark in e["message"]]
