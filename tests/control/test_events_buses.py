"""EventBridge buses, bus policies and tags through boto3's `events` client: the default bus
that every account has, custom buses, PutPermission/RemovePermission, TagResource.

AWS's answers from the EventBridge API reference and AWS-recorded snapshots (LocalStack's
tests/aws/services/events/test_events.snapshot.json, test_events_tags.snapshot.json).
"""

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
    with InProcessServer(tmp_path_factory.mktemp("events-buses") / "data") as running:
        yield running


@pytest.fixture
def events(server: InProcessServer) -> Any:
    return server.client("events")


def error_of(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = caught.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def new_bus(events: Any) -> str:
    name = f"bus-{uuid.uuid4().hex[:8]}"
    events.create_event_bus(Name=name)
    return name


def test_every_account_has_the_default_bus(server: InProcessServer, events: Any) -> None:
    described = events.describe_event_bus()
    arn = f"arn:aws:events:us-east-1:{server.account_id}:event-bus/default"
    assert (described["Name"], described["Arn"]) == ("default", arn)
    assert events.describe_event_bus(Name=arn)["Name"] == "default"
    names = [bus["Name"] for bus in events.list_event_buses()["EventBuses"]]
    assert "default" in names


def test_the_default_bus_cannot_be_created_or_deleted(events: Any) -> None:
    with pytest.raises(ClientError) as caught:
        events.delete_event_bus(Name="default")
    assert error_of(caught) == ("ValidationException", "Cannot delete event bus default.")
    with pytest.raises(ClientError) as caught:
        events.create_event_bus(Name="default")
    assert error_of(caught) == (
        "ResourceAlreadyExistsException",
        "Event bus default already exists.",
    )


def test_a_bus_is_created_described_listed_and_deleted(
    server: InProcessServer, events: Any
) -> None:
    name = new_bus(events)
    with pytest.raises(ClientError) as caught:
        events.create_event_bus(Name=name)
    assert error_of(caught) == (
        "ResourceAlreadyExistsException",
        f"Event bus {name} already exists.",
    )
    described = events.describe_event_bus(Name=name)
    assert described["Arn"] == f"arn:aws:events:us-east-1:{server.account_id}:event-bus/{name}"
    assert "CreationTime" in described
    assert "Policy" not in described
    listed = events.list_event_buses(NamePrefix=name)["EventBuses"]
    assert [bus["Name"] for bus in listed] == [name]
    events.delete_event_bus(Name=name)
    events.delete_event_bus(Name=name)  # deleting what is gone succeeds, as on AWS
    with pytest.raises(ClientError) as caught:
        events.describe_event_bus(Name=name)
    assert error_of(caught) == ("ResourceNotFoundException", f"Event bus {name} does not exist.")


def test_deleting_a_bus_deletes_its_rules(events: Any) -> None:
    name = new_bus(events)
    events.put_rule(Name="on-bus", EventBusName=name, EventPattern='{"source": ["a"]}')
    events.delete_event_bus(Name=name)
    events.create_event_bus(Name=name)
    assert events.list_rules(EventBusName=name)["Rules"] == []


def test_buses_are_listed_by_name_in_pages(events: Any) -> None:
    prefix = f"paged-{uuid.uuid4().hex[:6]}"
    made = [f"{prefix}-{i}" for i in range(5)]
    for name in made:
        events.create_event_bus(Name=name)
    seen: list[str] = []
    reply = events.list_event_buses(NamePrefix=prefix, Limit=2)
    for _ in range(5):
        seen.extend(bus["Name"] for bus in reply["EventBuses"])
        if "NextToken" not in reply:
            break
        reply = events.list_event_buses(NamePrefix=prefix, Limit=2, NextToken=reply["NextToken"])
    assert seen == made


def test_put_permission_builds_the_statement_as_eventbridge_does(
    server: InProcessServer, events: Any
) -> None:
    name = new_bus(events)
    arn = events.describe_event_bus(Name=name)["Arn"]
    events.put_permission(
        EventBusName=name, Action="events:PutEvents", Principal="111122223333", StatementId="one"
    )
    events.put_permission(
        EventBusName=name, Action="events:PutEvents", Principal="*", StatementId="org",
        Condition={"Type": "StringEquals", "Key": "aws:PrincipalOrgID", "Value": "o-abc123"},
    )  # fmt: skip
    policy = json.loads(events.describe_event_bus(Name=name)["Policy"])
    assert policy["Statement"] == [
        {
            "Sid": "one", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "events:PutEvents", "Resource": arn,
        },
        {
            "Sid": "org", "Effect": "Allow", "Principal": "*", "Action": "events:PutEvents",
            "Resource": arn,
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
        },
    ]  # fmt: skip
    events.remove_permission(EventBusName=name, StatementId="one")
    kept = json.loads(events.describe_event_bus(Name=name)["Policy"])["Statement"]
    assert [statement["Sid"] for statement in kept] == ["org"]
    with pytest.raises(ClientError) as caught:
        events.remove_permission(EventBusName=name, StatementId="one")
    assert error_of(caught) == (
        "ResourceNotFoundException",
        "Statement with the provided id does not exist.",
    )
    events.remove_permission(EventBusName=name, RemoveAllPermissions=True)
    assert "Policy" not in events.describe_event_bus(Name=name)


def test_a_whole_policy_replaces_the_statements(events: Any) -> None:
    name = new_bus(events)
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "all", "Effect": "Allow", "Principal": "*",
                       "Action": "events:PutEvents", "Resource": "*"}],
    }  # fmt: skip
    events.put_permission(EventBusName=name, Policy=json.dumps(document))
    assert json.loads(events.describe_event_bus(Name=name)["Policy"]) == document
    with pytest.raises(ClientError) as caught:
        events.put_permission(EventBusName=name, Policy="{not json")
    assert error_of(caught)[0] == "ValidationException"
    assert json.loads(events.describe_event_bus(Name=name)["Policy"]) == document


def test_a_policy_on_a_missing_bus_is_not_found(events: Any) -> None:
    with pytest.raises(ClientError) as caught:
        events.put_permission(
            EventBusName="no-such-bus", Action="events:PutEvents", Principal="*",
            StatementId="x",
        )  # fmt: skip
    assert error_of(caught) == (
        "ResourceNotFoundException",
        "Event bus no-such-bus does not exist.",
    )


def test_buses_and_rules_are_tagged(server: InProcessServer, events: Any) -> None:
    name = f"tagged-{uuid.uuid4().hex[:8]}"
    arn = events.create_event_bus(Name=name, Tags=[{"Key": "team", "Value": "a"}])["EventBusArn"]
    assert events.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "a"}]
    events.tag_resource(
        ResourceARN=arn, Tags=[{"Key": "team", "Value": "b"}, {"Key": "c", "Value": ""}]
    )
    assert events.list_tags_for_resource(ResourceARN=arn)["Tags"] == [
        {"Key": "c", "Value": ""}, {"Key": "team", "Value": "b"},
    ]  # fmt: skip
    events.untag_resource(ResourceARN=arn, TagKeys=["team", "never-set"])
    assert events.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "c", "Value": ""}]
    rule = events.put_rule(Name="tagged", EventBusName=name, EventPattern='{"source": ["a"]}',
                           Tags=[{"Key": "k", "Value": "v"}])["RuleArn"]  # fmt: skip
    assert rule.endswith(f":rule/{name}/tagged")
    assert events.list_tags_for_resource(ResourceARN=rule)["Tags"] == [{"Key": "k", "Value": "v"}]
    default = events.describe_event_bus()["Arn"]
    events.tag_resource(ResourceARN=default, Tags=[{"Key": "d", "Value": "1"}])
    assert events.list_tags_for_resource(ResourceARN=default)["Tags"] == [
        {"Key": "d", "Value": "1"}
    ]
    assert events.describe_event_bus()["Name"] == "default"


def test_tagging_what_does_not_exist_is_not_found(server: InProcessServer, events: Any) -> None:
    prefix = f"arn:aws:events:us-east-1:{server.account_id}"
    with pytest.raises(ClientError) as caught:
        events.tag_resource(ResourceARN=f"{prefix}:rule/gone", Tags=[{"Key": "k", "Value": "v"}])
    assert error_of(caught) == (
        "ResourceNotFoundException",
        "Rule gone does not exist on EventBus default.",
    )
    with pytest.raises(ClientError) as caught:
        events.list_tags_for_resource(ResourceARN=f"{prefix}:event-bus/gone")
    assert error_of(caught) == ("ResourceNotFoundException", "Event bus gone does not exist.")


def test_another_accounts_bus_is_not_reached_by_its_arn(events: Any) -> None:
    # Another account's resource needs that account's policy, which no bus here grants.
    other = "arn:aws:events:us-east-1:111122223333:event-bus/default"
    with pytest.raises(ClientError) as caught:
        events.describe_event_bus(Name=other)
    assert error_of(caught)[0] == "AccessDeniedException"


def test_a_caller_without_a_policy_is_denied(server: InProcessServer) -> None:
    iam = server.client("iam")
    user = f"no-events-{uuid.uuid4().hex[:6]}"
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    stranger = server.client("events", (key["AccessKeyId"], key["SecretAccessKey"]))
    with pytest.raises(ClientError) as caught:
        stranger.create_event_bus(Name=f"denied-{uuid.uuid4().hex[:6]}")
    assert error_of(caught)[0] == "AccessDeniedException"
    iam.put_user_policy(
        UserName=user, PolicyName="describe",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "events:DescribeEventBus",
            "Resource": f"arn:aws:events:us-east-1:{server.account_id}:event-bus/default",
        }]}),
    )  # fmt: skip
    assert stranger.describe_event_bus()["Name"] == "default"
    with pytest.raises(ClientError) as caught:
        stranger.list_event_buses()
    assert error_of(caught)[0] == "AccessDeniedException"
