"""Stockade's own events on a real server through boto3: automated remediation through the
default bus, and a write management event reaching a queue target.

AWS facts: AWS Config developer guide, monitor-config-with-cloudwatchevents (a rule on
"Config Rules Compliance Change" with detail.newEvaluationResult.complianceType NON_COMPLIANT
is how remediation is started); EventBridge user guide, eb-service-event-cloudtrail and
eb-use-resource-based (a Lambda target's policy must allow events.amazonaws.com for the rule).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support import polling
from tests.support.packages import PYTHON_ECHO, make_zip
from tests.support.server import REPO, RunningServer

pytestmark = pytest.mark.integration

CODE_SIGNING = "stockade-lambda-code-signing-enabled"
SECRET = "s3cr3t-value-never-published"
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}  # fmt: skip
REMEDIATE = """
import boto3

lam = boto3.client("lambda")

def handler(event, context):
    name = event["detail"]["resourceId"]
    print("REMEDIATE " + name)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
"""


def until(check: Callable[[], Any], timeout_s: float = 60.0) -> Any:
    return polling.until(check, timeout_s, 0.25)


def stockade(*args: str) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    done = subprocess.run(
        [sys.executable, "-m", "stockade", *args],
        env=clean, capture_output=True, text=True, timeout=120, check=False, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def create(server: RunningServer, role: str, code: bytes, csc: str) -> tuple[str, str]:
    """A python3.11 function with the code signing configuration `csc` attached."""
    lam = server.client("lambda")
    name = f"own-{uuid.uuid4().hex[:8]}"
    arn: str = lam.create_function(
        FunctionName=name, Runtime="python3.11", Handler="app.handler", Role=role,
        Code={"ZipFile": code}, Timeout=30,
    )["FunctionArn"]  # fmt: skip
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    lam.put_function_code_signing_config(FunctionName=name, CodeSigningConfigArn=csc)
    return name, arn


def reserved(server: RunningServer, name: str) -> int | None:
    got = server.client("lambda").get_function_concurrency(FunctionName=name)
    value: int | None = got.get("ReservedConcurrentExecutions")
    return value


def test_turning_off_code_signing_starts_a_remediation_that_throttles_the_function(
    fresh_server: RunningServer,
) -> None:
    server = fresh_server
    lam, iam, events = server.client("lambda"), server.client("iam"), server.client("events")
    profile = server.client("signer").put_signing_profile(
        profileName=f"own{uuid.uuid4().hex[:8]}", platformId="AWSLambda-SHA384-ECDSA"
    )["profileVersionArn"]
    csc = lam.create_code_signing_config(
        AllowedPublishers={"SigningProfileVersionArns": [profile]}
    )["CodeSigningConfig"]["CodeSigningConfigArn"]
    basic = f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution"
    victim, victim_arn = create(server, basic, PYTHON_ECHO, csc)
    role_name = f"remediate-{uuid.uuid4().hex[:6]}"
    trust = json.dumps(LAMBDA_TRUST)
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.put_role_policy(RoleName=role_name, PolicyName="throttle", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "lambda:PutFunctionConcurrency",
                       "Resource": victim_arn}],
    }))  # fmt: skip
    # The remediation function is signed-config'd too: it must not be flagged itself.
    remediation, remediation_arn = create(server, role, make_zip({"app.py": REMEDIATE}), csc)
    stockade("compliance", "enable", CODE_SIGNING, "--data-dir", str(server.data_dir))
    # The host's python3.11 is past its deprecation date, so stockade-runtime-deprecation
    # reports every function NON_COMPLIANT too: the rule names the code signing rule.
    rule_arn = events.put_rule(Name="remediate-unsigned", EventPattern=json.dumps({
        "source": ["aws.config"],
        "detail-type": ["Config Rules Compliance Change"],
        "detail": {"configRuleName": [CODE_SIGNING],
                   "newEvaluationResult": {"complianceType": ["NON_COMPLIANT"]}},
    }))["RuleArn"]  # fmt: skip
    lam.add_permission(FunctionName=remediation, StatementId="events",
                       Action="lambda:InvokeFunction", Principal="events.amazonaws.com",
                       SourceArn=rule_arn)  # fmt: skip
    events.put_targets(Rule="remediate-unsigned", Targets=[{"Id": "fix", "Arn": remediation_arn}])
    assert reserved(server, victim) is None

    lam.delete_function_code_signing_config(FunctionName=victim)

    assert until(lambda: reserved(server, victim) == 0)
    assert reserved(server, remediation) is None  # compliant: left alone
    with pytest.raises(ClientError) as throttled:
        lam.invoke(FunctionName=victim, Payload=b"{}")
    assert throttled.value.response["Error"]["Code"] == "TooManyRequestsException"


def test_an_update_reaches_a_queue_as_an_api_call_event_with_its_redacted_record(
    server: RunningServer,
) -> None:
    lam, sqs, events = server.client("lambda"), server.client("sqs"), server.client("events")
    name = f"own-{uuid.uuid4().hex[:8]}"
    lam.create_function(
        FunctionName=name, Runtime="python3.11", Handler="app.handler",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Code={"ZipFile": PYTHON_ECHO},
    )  # fmt: skip
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    queue_name = f"own-{uuid.uuid4().hex[:8]}"
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    queue_arn = f"arn:aws:sqs:{server.region}:{server.account_id}:{queue_name}"
    rule_arn = events.put_rule(Name=queue_name, EventPattern=json.dumps({
        "source": ["aws.lambda"], "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {"eventSource": ["lambda.amazonaws.com"],
                   "eventName": [{"prefix": "UpdateFunctionConfiguration"}],
                   "requestParameters": {"FunctionName": [name]}},
    }))["RuleArn"]  # fmt: skip
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                       "Action": "sqs:SendMessage", "Resource": queue_arn,
                       "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}}}],
    })})  # fmt: skip
    events.put_targets(Rule=queue_name, Targets=[{"Id": "q", "Arn": queue_arn}])

    reply = lam.update_function_configuration(
        FunctionName=name, MemorySize=256, Environment={"Variables": {"TOKEN": SECRET}}
    )

    def received() -> list[dict[str, Any]]:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        return [json.loads(m["Body"]) for m in got.get("Messages", [])]

    (event,) = until(received)
    assert event["detail-type"] == "AWS API Call via CloudTrail"
    assert event["source"] == "aws.lambda"
    assert event["account"] == server.account_id
    assert event["region"] == server.region
    detail = event["detail"]
    assert detail["requestID"] == reply["ResponseMetadata"]["RequestId"]
    assert detail["eventType"] == "AwsApiCall"
    assert detail["readOnly"] is False
    assert detail["requestParameters"]["MemorySize"] == 256
    assert SECRET not in json.dumps(event)
    # The model marks the variables map sensitive: hidden whole, as the trail records it.
    assert detail["requestParameters"]["Environment"] == {
        "Variables": "HIDDEN_DUE_TO_SECURITY_REASONS"
    }
    trail = server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventId", "AttributeValue": detail["eventID"]}]
    )["Events"]
    assert [json.loads(e["CloudTrailEvent"]) for e in trail] == [detail]
