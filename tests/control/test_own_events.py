"""Stockade's own events on the default bus, through boto3 in process: rules on the default bus
receive write management events as "AWS API Call via CloudTrail" (the journalled CloudTrail
record as `detail`), compliance changes as "Config Rules Compliance Change" and configuration
items as "Config Configuration Item Change", each in EventBridge's envelope.

AWS facts: EventBridge user guide, eb-service-event-cloudtrail (CloudTrail's record as detail;
read-only management events only for rules in ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS);
AWS Config developer guide, monitor-config-with-cloudwatchevents and the example notifications
(ComplianceChangeNotification, ConfigurationItemChangeNotification).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stockade.domain.compliance_rules import CODE_SIGNING
from stockade.services.compliance.admin import ComplianceAdmin
from stockade.types import AccountId
from stockade.wiring import discover_runtimes
from tests.support import polling
from tests.support.inprocess import InProcessServer
from tests.support.packages import PYTHON_ECHO

SECRET = "s3cr3t-value-never-published"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(tmp_path_factory.mktemp("own-events") / "data") as running:
        yield running


def until(check: Callable[[], Any], timeout_s: float = 20.0) -> Any:
    return polling.until(check, timeout_s, 0.1)


def function(server: InProcessServer) -> str:
    name = f"own-{uuid.uuid4().hex[:8]}"
    server.client("lambda").create_function(
        FunctionName=name, Runtime="python3.11", Handler="app.handler",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Code={"ZipFile": PYTHON_ECHO},
    )  # fmt: skip
    return name


class Inbox:
    """A queue that a rule on the default bus (with `pattern`) sends its events to."""

    def __init__(self, server: InProcessServer, pattern: dict[str, Any]) -> None:
        self.sqs = server.client("sqs")
        events = server.client("events")
        name = f"own-{uuid.uuid4().hex[:8]}"
        self.url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = f"arn:aws:sqs:us-east-1:{server.account_id}:{name}"
        rule_arn = events.put_rule(Name=name, EventPattern=json.dumps(pattern))["RuleArn"]
        self.sqs.set_queue_attributes(QueueUrl=self.url, Attributes={"Policy": json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                           "Action": "sqs:SendMessage", "Resource": arn,
                           "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}}}],
        })})  # fmt: skip
        events.put_targets(Rule=name, Targets=[{"Id": "q", "Arn": arn}])
        self.got: list[dict[str, Any]] = []

    def take(self) -> list[dict[str, Any]]:
        answer = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10)
        for message in answer.get("Messages", []):
            self.got.append(json.loads(message["Body"]))
            self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return self.got

    def wait_for(self, check: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        found: dict[str, Any] = until(
            lambda: next((event for event in self.take() if check(event)), None)
        )
        return found


def envelope_of(event: dict[str, Any], server: InProcessServer) -> None:
    assert set(event) == {"version", "id", "detail-type", "source", "account", "time",
                          "region", "resources", "detail"}  # fmt: skip
    assert event["version"] == "0"
    assert event["account"] == server.account_id
    assert event["region"] == "us-east-1"
    uuid.UUID(event["id"])


def test_a_write_is_an_api_call_event_with_its_journalled_redacted_record(
    server: InProcessServer,
) -> None:
    inbox = Inbox(
        server, {"source": ["aws.lambda"], "detail-type": ["AWS API Call via CloudTrail"]}
    )
    lam = server.client("lambda")
    name = function(server)
    reply = lam.update_function_configuration(
        FunctionName=name, Timeout=9, Environment={"Variables": {"TOKEN": SECRET}}
    )
    request_id = reply["ResponseMetadata"]["RequestId"]
    event = inbox.wait_for(lambda e: e["detail"]["requestID"] == request_id)
    envelope_of(event, server)
    assert event["detail-type"] == "AWS API Call via CloudTrail"
    assert event["source"] == "aws.lambda"
    assert event["resources"] == []
    detail = event["detail"]
    assert detail["eventName"].startswith("UpdateFunctionConfiguration")
    assert detail["eventType"] == "AwsApiCall"
    assert detail["readOnly"] is False
    assert detail["managementEvent"] is True
    assert detail["eventCategory"] == "Management"
    assert detail["recipientAccountId"] == server.account_id
    assert event["time"] == detail["eventTime"]
    assert detail["requestParameters"]["Timeout"] == 9
    assert SECRET not in json.dumps(event)  # redacted as the trail redacts it
    trail = server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventId", "AttributeValue": detail["eventID"]}]
    )["Events"]
    assert [json.loads(e["CloudTrailEvent"]) for e in trail] == [detail]  # exactly the record


def test_reads_failures_and_put_events_are_not_published(server: InProcessServer) -> None:
    inbox = Inbox(server, {"detail-type": ["AWS API Call via CloudTrail"]})
    lam, events = server.client("lambda"), server.client("events")
    name = function(server)
    lam.get_function(FunctionName=name)
    with pytest.raises(ClientError):
        lam.update_function_configuration(FunctionName=f"{name}-missing", Timeout=5)
    events.put_events(Entries=[{"Source": "app.x", "DetailType": "t", "Detail": "{}"}])
    marker = lam.tag_resource(
        Resource=lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"],
        Tags={"marker": "1"},
    )["ResponseMetadata"]["RequestId"]
    inbox.wait_for(lambda e: e["detail"]["requestID"] == marker)
    time.sleep(1.0)  # anything published before the marker has been delivered by now
    seen = {(e["detail"]["eventSource"], e["detail"]["eventName"]) for e in inbox.take()}
    assert ("events.amazonaws.com", "PutEvents") not in seen
    assert not any(event_name.startswith("GetFunction") for _, event_name in seen)
    assert all("errorCode" not in e["detail"] for e in inbox.got)
    assert all(e["detail"]["readOnly"] is False for e in inbox.got)


def test_compliance_changes_and_configuration_items_are_config_events(
    server: InProcessServer,
) -> None:
    inbox = Inbox(server, {"source": ["aws.config"]})
    lam, signer = server.client("lambda"), server.client("signer")
    name = function(server)
    compliance = ComplianceAdmin(server.built.store, server.clock, discover_runtimes())  # type: ignore[union-attr]
    compliance.enable(AccountId(server.account_id), CODE_SIGNING, {})

    def change_of(compliance_type: str) -> Callable[[dict[str, Any]], bool]:
        return lambda e: (
            e["detail-type"] == "Config Rules Compliance Change"
            and e["detail"]["resourceId"] == name
            and e["detail"]["configRuleName"] == CODE_SIGNING
            and e["detail"]["newEvaluationResult"]["complianceType"] == compliance_type
        )

    first = inbox.wait_for(change_of("NON_COMPLIANT"))
    envelope_of(first, server)
    assert first["source"] == "aws.config"
    detail = first["detail"]
    rule_arn = f"arn:aws:config:us-east-1:{server.account_id}:config-rule/{CODE_SIGNING}"
    assert first["resources"] == [rule_arn]
    assert detail["configRuleARN"] == rule_arn
    assert detail["configRuleName"] == CODE_SIGNING
    assert detail["messageType"] == "ComplianceChangeNotification"
    assert detail["resourceType"] == "AWS::Lambda::Function"
    assert detail["awsAccountId"] == server.account_id
    assert "oldEvaluationResult" not in detail  # first evaluated
    qualifier = detail["newEvaluationResult"]["evaluationResultIdentifier"][
        "evaluationResultQualifier"]  # fmt: skip
    assert qualifier == {"configRuleName": CODE_SIGNING, "resourceType": "AWS::Lambda::Function",
                         "resourceId": name}  # fmt: skip

    profile = signer.put_signing_profile(
        profileName=f"own{uuid.uuid4().hex[:8]}", platformId="AWSLambda-SHA384-ECDSA"
    )["profileVersionArn"]
    config = lam.create_code_signing_config(
        AllowedPublishers={"SigningProfileVersionArns": [profile]}
    )["CodeSigningConfig"]["CodeSigningConfigArn"]
    lam.put_function_code_signing_config(FunctionName=name, CodeSigningConfigArn=config)
    inbox.wait_for(change_of("COMPLIANT"))
    lam.delete_function_code_signing_config(FunctionName=name)
    turned_off = inbox.wait_for(
        lambda e: change_of("NON_COMPLIANT")(e) and "oldEvaluationResult" in e["detail"]
    )
    assert turned_off["detail"]["oldEvaluationResult"]["complianceType"] == "COMPLIANT"

    item = inbox.wait_for(
        lambda e: e["detail-type"] == "Config Configuration Item Change"
        and e["detail"]["configurationItem"]["resourceId"] == name
        and e["detail"]["configurationItemDiff"]["changeType"] == "UPDATE"
        and "Configuration.codeSigning" in e["detail"]["configurationItemDiff"]["changedProperties"]
        and e["detail"]["configurationItem"]["configuration"]["codeSigning"][
            "codeSigningConfigArn"] is None
    )  # fmt: skip
    assert item["detail"]["messageType"] == "ConfigurationItemChangeNotification"
    arn = item["detail"]["configurationItem"]["arn"]
    assert item["resources"] == [arn]
    changed = item["detail"]["configurationItemDiff"]["changedProperties"][
        "Configuration.codeSigning"
    ]
    assert changed["changeType"] == "UPDATE"
    assert changed["previousValue"]["codeSigningConfigArn"] == config
    assert changed["updatedValue"]["codeSigningConfigArn"] is None
