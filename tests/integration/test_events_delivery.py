"""PutEvents through boto3 against a real server: matching rules deliver to their targets.

AWS facts (EventBridge user guide, eb-use-resource-based and eb-transform-target-input;
AWS-recorded answers in LocalStack's test_events snapshots): PutEvents answers each entry with
an EventId or an ErrorCode/ErrorMessage; an event reaches a Lambda or SQS target only where the
target's resource policy allows events.amazonaws.com for the rule (aws:SourceArn); a target's
input is the whole event, its Input, its InputPath or its InputTransformer; what cannot be
delivered goes to the target's dead-letter queue.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.support import polling
from tests.support.function_urls import create_function
from tests.support.packages import make_zip
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration

PRINTER = """
import json

def handler(event, context):
    print("GOT " + json.dumps(event))
"""


def until(check: Callable[[], Any], timeout_s: float = 30.0) -> Any:
    return polling.until(check, timeout_s, 0.2)


def queue(server: RunningServer) -> tuple[str, str]:
    sqs = server.client("sqs")
    url: str = sqs.create_queue(QueueName=f"ev-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn: str = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]  # fmt: skip
    return url, arn


def allow_rule_on_queue(server: RunningServer, url: str, queue_arn: str, rule_arn: str) -> None:
    server.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                       "Action": "sqs:SendMessage", "Resource": queue_arn,
                       "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}}}],
    })})  # fmt: skip


def received(server: RunningServer, url: str) -> list[dict[str, Any]]:
    got = server.client("sqs").receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"]
    )
    return list(got.get("Messages", []))


def printed(server: RunningServer, name: str) -> list[Any]:
    logs = server.client("logs")
    try:
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    except Exception:
        return []
    return [json.loads(e["message"].split("GOT ", 1)[1]) for e in events if "GOT " in e["message"]]


def test_a_matching_event_reaches_a_function_and_a_queue_with_their_inputs(
    server: RunningServer,
) -> None:
    events, lam = server.client("events"), server.client("lambda")
    rule = f"orders-{uuid.uuid4().hex[:6]}"
    rule_arn = events.put_rule(
        Name=rule,
        EventPattern=json.dumps(
            {"source": ["app.orders"], "detail": {"total": [{"numeric": [">", 100]}]}}
        ),
    )["RuleArn"]
    name = create_function(server, make_zip({"app.py": PRINTER}), "app.handler")
    function_arn = lam.get_function_configuration(FunctionName=name)["FunctionArn"]
    lam.add_permission(FunctionName=name, StatementId="events", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=rule_arn)  # fmt: skip
    url, queue_arn = queue(server)
    allow_rule_on_queue(server, url, queue_arn, rule_arn)
    events.put_targets(Rule=rule, Targets=[
        {"Id": "fn", "Arn": function_arn, "InputTransformer": {
            "InputPathsMap": {"id": "$.detail.id", "total": "$.detail.total"},
            "InputTemplate": '{"order": <id>, "total": <total>, "note": "big order"}'}},
        {"Id": "q", "Arn": queue_arn, "InputPath": "$.detail"},
    ])  # fmt: skip
    answer = events.put_events(Entries=[
        {"Source": "app.orders", "DetailType": "placed",
         "Detail": json.dumps({"id": "o-1", "total": 250})},
        {"Source": "app.orders", "DetailType": "placed",
         "Detail": json.dumps({"id": "o-2", "total": 5})},  # below the pattern's range
        {"Source": "app.orders", "DetailType": "placed"},
    ])  # fmt: skip
    assert answer["FailedEntryCount"] == 1
    assert "EventId" in answer["Entries"][0]
    assert answer["Entries"][2] == {
        "ErrorCode": "InvalidArgument",
        "ErrorMessage": "Parameter Detail is not valid. Reason: Detail is a required argument.",
    }
    got = until(lambda: printed(server, name))
    assert got == [{"order": "o-1", "total": 250, "note": "big order"}]
    messages = until(lambda: received(server, url))
    assert [json.loads(m["Body"]) for m in messages] == [{"id": "o-1", "total": 250}]


def test_a_target_that_does_not_allow_the_rule_gets_nothing_and_its_dlq_says_why(
    server: RunningServer,
) -> None:
    events, lam = server.client("events"), server.client("lambda")
    rule = f"denied-{uuid.uuid4().hex[:6]}"
    rule_arn = events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["app.x"]}))[
        "RuleArn"]  # fmt: skip
    name = create_function(server, make_zip({"app.py": PRINTER}), "app.handler")
    function_arn = lam.get_function_configuration(FunctionName=name)["FunctionArn"]
    dlq_url, dlq_arn = queue(server)
    allow_rule_on_queue(server, dlq_url, dlq_arn, rule_arn)
    events.put_targets(Rule=rule, Targets=[
        {"Id": "fn", "Arn": function_arn, "DeadLetterConfig": {"Arn": dlq_arn}}])  # fmt: skip
    put = events.put_events(Entries=[
        {"Source": "app.x", "DetailType": "t", "Detail": json.dumps({"k": 1})}])  # fmt: skip
    event_id = put["Entries"][0]["EventId"]
    (dead,) = until(lambda: received(server, dlq_url))
    assert json.loads(dead["Body"])["id"] == event_id
    why = {k: v["StringValue"] for k, v in dead["MessageAttributes"].items()}
    assert why["ERROR_CODE"] == "NO_PERMISSIONS"
    assert why["RULE_ARN"] == rule_arn
    assert why["TARGET_ARN"] == function_arn
    assert printed(server, name) == []


LOOPER = """
import json
import boto3

events = boto3.client("events")

def handler(event, context):
    n = event["detail"]["n"]
    print("RUN " + str(n))
    events.put_events(Entries=[{"Source": "app.loop", "DetailType": "again",
                                "Detail": json.dumps({"n": n + 1})}])
"""


def test_a_function_feeding_its_own_rule_is_stopped_after_16_runs(server: RunningServer) -> None:
    # Lambda's recursive loop detection: the chain function -> bus -> same function stops
    # before its 17th run (developer guide, invocation-recursion).
    events, lam, iam = server.client("events"), server.client("lambda"), server.client("iam")
    role_name = f"looper-{uuid.uuid4().hex[:6]}"
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
        "Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}  # fmt: skip
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust))[
        "Role"]["Arn"]  # fmt: skip
    iam.attach_role_policy(RoleName=role_name, PolicyArn=(
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"))  # fmt: skip
    iam.put_role_policy(
        RoleName=role_name,
        PolicyName="put",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "events:PutEvents", "Resource": "*"}],
            }
        ),
    )
    name = f"looper-{uuid.uuid4().hex[:6]}"
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=role,
                        Handler="app.handler", Timeout=10,
                        Code={"ZipFile": make_zip({"app.py": LOOPER})})  # fmt: skip
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    function_arn = lam.get_function_configuration(FunctionName=name)["FunctionArn"]
    rule = f"loop-{uuid.uuid4().hex[:6]}"
    rule_arn = events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["app.loop"]}))[
        "RuleArn"]  # fmt: skip
    lam.add_permission(FunctionName=name, StatementId="events", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=rule_arn)  # fmt: skip
    events.put_targets(Rule=rule, Targets=[{"Id": "self", "Arn": function_arn}])
    events.put_events(Entries=[{"Source": "app.loop", "DetailType": "start",
                                "Detail": json.dumps({"n": 1})}])  # fmt: skip

    def runs() -> list[int]:
        logs = server.client("logs")
        try:
            found = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        except Exception:
            return []
        return sorted(int(e["message"].split("RUN ", 1)[1]) for e in found
                      if "RUN " in e["message"])  # fmt: skip

    assert until(lambda: (got := runs()) and len(got) >= 16 and got, timeout_s=60) == list(
        range(1, 17)
    )
    time.sleep(3.0)  # the 17th would have run by now
    assert runs() == list(range(1, 17))
    events.remove_targets(Rule=rule, Ids=["self"])
