"""EventBridge rules and targets through boto3's `events` client: PutRule's rules (a pattern
or a schedule, schedules only on the default bus), the rule life cycle, targets (Lambda
functions and SQS queues only, Input/InputPath/InputTransformer exclusive, retry policy,
dead-letter queue, at most 5) and TestEventPattern.

AWS's answers from the EventBridge API reference and AWS-recorded snapshots (LocalStack's
tests/aws/services/events/test_events.snapshot.json, test_events_inputs.snapshot.json).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.inprocess import InProcessServer

PATTERN = json.dumps({"source": ["stockade.test"], "detail-type": ["Thing Changed"]})


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(tmp_path_factory.mktemp("events-rules") / "data") as running:
        yield running


@pytest.fixture
def events(server: InProcessServer) -> Any:
    return server.client("events")


def error_of(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = caught.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def new_rule(events: Any, **extra: Any) -> str:
    name = f"rule-{uuid.uuid4().hex[:8]}"
    events.put_rule(Name=name, **({"EventPattern": PATTERN} | extra))
    return name


def queue_arn(server: InProcessServer, name: str = "target-queue") -> str:
    return f"arn:aws:sqs:us-east-1:{server.account_id}:{name}"


def function_arn(server: InProcessServer, name: str = "target-function") -> str:
    return f"arn:aws:lambda:us-east-1:{server.account_id}:function:{name}"


def test_a_rule_is_put_described_listed_disabled_and_deleted(
    server: InProcessServer, events: Any
) -> None:
    name = f"life-{uuid.uuid4().hex[:8]}"
    arn = events.put_rule(Name=name, EventPattern=PATTERN, Description="d")["RuleArn"]
    assert arn == f"arn:aws:events:us-east-1:{server.account_id}:rule/{name}"
    described = events.describe_rule(Name=name)
    assert described["EventPattern"] == PATTERN
    assert (described["State"], described["Description"], described["EventBusName"]) == (
        "ENABLED", "d", "default",
    )  # fmt: skip
    assert described["Arn"] == arn
    assert described["CreatedBy"] == server.account_id
    events.disable_rule(Name=name)
    assert events.describe_rule(Name=name)["State"] == "DISABLED"
    events.enable_rule(Name=name)
    listed = events.list_rules(NamePrefix=name)["Rules"]
    assert [(r["Name"], r["State"]) for r in listed] == [(name, "ENABLED")]
    events.delete_rule(Name=name)
    with pytest.raises(ClientError) as caught:
        events.describe_rule(Name=name)
    assert error_of(caught) == (
        "ResourceNotFoundException",
        f"Rule {name} does not exist on EventBus default.",
    )


def test_putting_a_rule_again_replaces_it_but_keeps_targets_and_tags(
    server: InProcessServer, events: Any
) -> None:
    name = new_rule(events, Description="first", Tags=[{"Key": "k", "Value": "v"}])
    events.put_targets(Rule=name, Targets=[{"Id": "q", "Arn": queue_arn(server)}])
    events.put_rule(Name=name, ScheduleExpression="rate(5 minutes)", State="DISABLED",
                    Tags=[{"Key": "ignored", "Value": "x"}])  # fmt: skip
    described = events.describe_rule(Name=name)
    assert described["ScheduleExpression"] == "rate(5 minutes)"
    assert "EventPattern" not in described
    assert "Description" not in described
    assert described["State"] == "DISABLED"
    assert [t["Id"] for t in events.list_targets_by_rule(Rule=name)["Targets"]] == ["q"]
    tags = events.list_tags_for_resource(ResourceARN=described["Arn"])["Tags"]
    assert tags == [{"Key": "k", "Value": "v"}]


def test_a_rule_needs_a_pattern_or_a_schedule(events: Any) -> None:
    with pytest.raises(ClientError) as caught:
        events.put_rule(Name="neither")
    assert error_of(caught) == (
        "ValidationException",
        "Parameter(s) EventPattern or ScheduleExpression must be specified.",
    )


def test_schedules_only_on_the_default_bus(events: Any) -> None:
    bus = f"bus-{uuid.uuid4().hex[:8]}"
    events.create_event_bus(Name=bus)
    with pytest.raises(ClientError) as caught:
        events.put_rule(Name="sched", EventBusName=bus, ScheduleExpression="rate(5 minutes)")
    assert error_of(caught) == (
        "ValidationException",
        "ScheduleExpression is supported only on the default event bus.",
    )
    assert events.list_rules(EventBusName=bus)["Rules"] == []


def test_a_bad_schedule_or_pattern_is_refused_and_nothing_is_stored(events: Any) -> None:
    with pytest.raises(ClientError) as caught:
        events.put_rule(Name="bad-rate", ScheduleExpression="rate(5 minute)")
    assert error_of(caught)[0] == "ValidationException"
    with pytest.raises(ClientError) as caught:
        events.put_rule(Name="bad-pattern", EventPattern='{"x": "a"}')
    assert error_of(caught)[0] == "InvalidEventPatternException"
    names = {r["Name"] for r in events.list_rules()["Rules"]}
    assert not names & {"bad-rate", "bad-pattern"}


def test_a_rule_on_a_missing_bus_is_not_found(events: Any) -> None:
    with pytest.raises(ClientError) as caught:
        events.put_rule(Name="x", EventBusName="no-such-bus", EventPattern=PATTERN)
    assert error_of(caught) == (
        "ResourceNotFoundException",
        "Event bus no-such-bus does not exist.",
    )


def test_rules_are_listed_in_pages(events: Any) -> None:
    prefix = f"page-{uuid.uuid4().hex[:6]}"
    made = [f"{prefix}-{i}" for i in range(5)]
    for name in made:
        events.put_rule(Name=name, EventPattern=PATTERN)
    seen: list[str] = []
    reply = events.list_rules(NamePrefix=prefix, Limit=2)
    for _ in range(5):
        seen.extend(rule["Name"] for rule in reply["Rules"])
        if "NextToken" not in reply:
            break
        reply = events.list_rules(NamePrefix=prefix, Limit=2, NextToken=reply["NextToken"])
    assert seen == made


def test_targets_are_put_listed_and_removed(server: InProcessServer, events: Any) -> None:
    name = new_rule(events)
    reply = events.put_targets(Rule=name, Targets=[
        {"Id": "fn", "Arn": function_arn(server), "Input": '{"fixed": true}'},
        {"Id": "fn-alias", "Arn": function_arn(server) + ":live", "InputPath": "$.detail"},
        {"Id": "queue", "Arn": queue_arn(server),
         "InputTransformer": {"InputPathsMap": {"src": "$.source"},
                              "InputTemplate": '{"from": <src>}'},
         "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 120},
         "DeadLetterConfig": {"Arn": queue_arn(server, "dlq")}},
    ])  # fmt: skip
    assert (reply["FailedEntryCount"], reply["FailedEntries"]) == (0, [])
    targets = {t["Id"]: t for t in events.list_targets_by_rule(Rule=name)["Targets"]}
    assert targets["fn"] == {"Id": "fn", "Arn": function_arn(server), "Input": '{"fixed": true}'}
    assert targets["fn-alias"]["InputPath"] == "$.detail"
    assert targets["queue"]["InputTransformer"] == {
        "InputPathsMap": {"src": "$.source"}, "InputTemplate": '{"from": <src>}',
    }  # fmt: skip
    assert targets["queue"]["RetryPolicy"] == {
        "MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 120,
    }  # fmt: skip
    assert targets["queue"]["DeadLetterConfig"] == {"Arn": queue_arn(server, "dlq")}
    by_target = events.list_rule_names_by_target(TargetArn=queue_arn(server))["RuleNames"]
    assert name in by_target
    with pytest.raises(ClientError) as caught:
        events.delete_rule(Name=name)
    assert error_of(caught) == (
        "ValidationException",
        "Rule can't be deleted since it has targets.",
    )
    events.remove_targets(Rule=name, Ids=["fn", "fn-alias", "queue"])
    assert events.list_targets_by_rule(Rule=name)["Targets"] == []
    assert name not in events.list_rule_names_by_target(TargetArn=queue_arn(server))["RuleNames"]
    events.delete_rule(Name=name)


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:sns:us-east-1:123456789012:topic",
        "arn:aws:kinesis:us-east-1:123456789012:stream/s",
        "arn:aws:states:us-east-1:123456789012:stateMachine:m",
        "not-an-arn",
    ],
)
def test_only_functions_and_queues_are_targets(events: Any, arn: str) -> None:
    name = new_rule(events)
    with pytest.raises(ClientError) as caught:
        events.put_targets(Rule=name, Targets=[{"Id": "t", "Arn": arn}])
    code, message = error_of(caught)
    assert code == "ValidationException"
    assert "only Lambda function and SQS queue targets are supported" in message
    assert events.list_targets_by_rule(Rule=name)["Targets"] == []


def test_one_refused_target_refuses_the_whole_request(server: InProcessServer, events: Any) -> None:
    name = new_rule(events)
    with pytest.raises(ClientError):
        events.put_targets(Rule=name, Targets=[
            {"Id": "good", "Arn": queue_arn(server)},
            {"Id": "bad", "Arn": "arn:aws:sns:us-east-1:123456789012:topic"},
        ])  # fmt: skip
    assert events.list_targets_by_rule(Rule=name)["Targets"] == []


def test_input_options_exclude_each_other(server: InProcessServer, events: Any) -> None:
    name = new_rule(events)
    with pytest.raises(ClientError) as caught:
        events.put_targets(Rule=name, Targets=[
            {"Id": "both", "Arn": queue_arn(server), "Input": "{}", "InputPath": "$.detail"}
        ])  # fmt: skip
    assert error_of(caught) == (
        "ValidationException",
        "Only one of Input, InputPath, or InputTransformer must be provided for target both.",
    )


def test_dead_letter_queue_must_be_a_queue(server: InProcessServer, events: Any) -> None:
    name = new_rule(events)
    with pytest.raises(ClientError) as caught:
        events.put_targets(Rule=name, Targets=[{
            "Id": "t", "Arn": function_arn(server),
            "DeadLetterConfig": {"Arn": function_arn(server, "other")},
        }])  # fmt: skip
    assert error_of(caught)[0] == "ValidationException"


@pytest.mark.parametrize(
    "retry",
    [{"MaximumRetryAttempts": 186}, {"MaximumEventAgeInSeconds": 59},
     {"MaximumEventAgeInSeconds": 86401}],
)  # fmt: skip
def test_retry_policy_limits(server: InProcessServer, retry: dict[str, int]) -> None:
    events = server.client("events", validate=False)
    name = new_rule(events)
    with pytest.raises(ClientError) as caught:
        events.put_targets(
            Rule=name, Targets=[{"Id": "t", "Arn": queue_arn(server), "RetryPolicy": retry}]
        )
    assert error_of(caught)[0] == "ValidationException"


def test_at_most_five_targets_per_rule(server: InProcessServer, events: Any) -> None:
    name = new_rule(events)
    five = [{"Id": f"t{i}", "Arn": queue_arn(server, f"q{i}")} for i in range(5)]
    events.put_targets(Rule=name, Targets=five)
    events.put_targets(Rule=name, Targets=[{"Id": "t0", "Arn": queue_arn(server, "again")}])
    with pytest.raises(ClientError) as caught:
        events.put_targets(Rule=name, Targets=[{"Id": "t5", "Arn": queue_arn(server)}])
    assert error_of(caught) == (
        "LimitExceededException",
        "The requested resource exceeds the maximum number allowed.",
    )
    page = events.list_targets_by_rule(Rule=name, Limit=3)
    rest = events.list_targets_by_rule(Rule=name, Limit=3, NextToken=page["NextToken"])
    ids = [t["Id"] for t in page["Targets"] + rest["Targets"]]
    assert ids == [f"t{i}" for i in range(5)]
    assert "NextToken" not in rest


def test_targets_of_a_missing_rule_are_not_found(server: InProcessServer, events: Any) -> None:
    with pytest.raises(ClientError) as caught:
        events.put_targets(Rule="gone", Targets=[{"Id": "t", "Arn": queue_arn(server)}])
    assert error_of(caught) == (
        "ResourceNotFoundException",
        "Rule gone does not exist on EventBus default.",
    )


def _event(**fields: Any) -> str:
    envelope = {
        "id": "1", "account": "123456789012", "source": "stockade.test", "time":
        "2026-01-01T00:00:00Z", "region": "us-east-1", "resources": [],
        "detail-type": "Thing Changed", "detail": {},
    }  # fmt: skip
    return json.dumps(envelope | fields)


def test_test_event_pattern(events: Any) -> None:
    assert events.test_event_pattern(EventPattern=PATTERN, Event=_event())["Result"] is True
    other = _event(source="elsewhere")
    assert events.test_event_pattern(EventPattern=PATTERN, Event=other)["Result"] is False
    with pytest.raises(ClientError) as caught:
        events.test_event_pattern(EventPattern='{"x": "a"}', Event=_event())
    assert error_of(caught)[0] == "InvalidEventPatternException"
    with pytest.raises(ClientError) as caught:
        events.test_event_pattern(EventPattern=PATTERN, Event='{"source": "stockade.test"}')
    assert error_of(caught) == ("ValidationException", "Parameter Event is not valid.")


def test_template_placeholders_are_checked(server: InProcessServer, events: Any) -> None:
    name = new_rule(events)
    template = '{"rule": <aws.events.rule-name>, "source": <src>}'
    events.put_targets(Rule=name, Targets=[{
        "Id": "ok", "Arn": queue_arn(server),
        "InputTransformer": {"InputPathsMap": {"src": "$.source"}, "InputTemplate": template},
    }])  # fmt: skip
    with pytest.raises(ClientError) as caught:
        events.put_targets(Rule=name, Targets=[{
            "Id": "bad", "Arn": queue_arn(server),
            "InputTransformer": {"InputTemplate": '{"x": <notdefinedkey>}'},
        }])  # fmt: skip
    code, message = error_of(caught)
    assert code == "ValidationException"
    assert "notdefinedkey" in message
    assert [t["Id"] for t in events.list_targets_by_rule(Rule=name)["Targets"]] == ["ok"]


def test_buses_rules_and_targets_survive_a_restart(tmp_path: Any) -> None:
    data = tmp_path / "data"
    with InProcessServer(data) as first:
        events = first.client("events")
        events.create_event_bus(Name="kept", Tags=[{"Key": "k", "Value": "v"}])
        events.put_rule(Name="kept-rule", EventBusName="kept", EventPattern=PATTERN)
        arn = queue_arn(first)
        events.put_targets(Rule="kept-rule", EventBusName="kept", Targets=[
            {"Id": "q", "Arn": arn, "RetryPolicy": {"MaximumRetryAttempts": 0}},
        ])  # fmt: skip
        events.put_permission(Action="events:PutEvents", Principal="*", StatementId="all")
    with InProcessServer(data) as second:
        events = second.client("events")
        assert (
            events.describe_rule(Name="kept-rule", EventBusName="kept")["EventPattern"] == PATTERN
        )
        targets = events.list_targets_by_rule(Rule="kept-rule", EventBusName="kept")["Targets"]
        assert targets == [{"Id": "q", "Arn": arn, "RetryPolicy": {"MaximumRetryAttempts": 0}}]
        bus_arn = events.describe_event_bus(Name="kept")["Arn"]
        assert events.list_tags_for_resource(ResourceARN=bus_arn)["Tags"] == [
            {"Key": "k", "Value": "v"}
        ]
        statement = json.loads(events.describe_event_bus()["Policy"])["Statement"]
        assert [s["Sid"] for s in statement] == ["all"]
