"""Another account puts events on a bus only where the bus's policy lets it in (EventBridge
user guide, eb-event-bus-perms: PutPermission with the sender's account as Principal); the
event then reaches the bus owner's rules, naming the account that sent it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from stockade.clock import FakeClock
from stockade.services.identity import Identities
from tests.control.test_events_schedules import START, delivered
from tests.support.inprocess import InProcessServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(tmp_path_factory.mktemp("x") / "data", clock=FakeClock(START)) as running:
        yield running


def other_account(server: InProcessServer) -> tuple[str, tuple[str, str]]:
    assert server.built is not None
    created = Identities(server.built.store, server.clock).create_account(
        f"sender-{uuid.uuid4().hex[:6]}"
    )
    return created.account.account_id, (created.access_key_id, created.secret_access_key)


def rule_to_queue(server: InProcessServer, bus: str) -> str:
    """A rule on the bus for source `partner` whose target is a new queue; the queue's URL."""
    events, sqs = server.client("events"), server.client("sqs")
    name = f"from-partner-{uuid.uuid4().hex[:6]}"
    arn = events.put_rule(Name=name, EventBusName=bus,
                          EventPattern=json.dumps({"source": ["partner"]}))["RuleArn"]  # fmt: skip
    url: str = sqs.create_queue(QueueName=f"q-{name}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]  # fmt: skip
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                       "Action": "sqs:SendMessage", "Resource": queue_arn,
                       "Condition": {"ArnEquals": {"aws:SourceArn": arn}}}],
    })})  # fmt: skip
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "q", "Arn": queue_arn}])
    return url


def test_another_account_puts_events_only_while_the_bus_policy_allows_it(
    server: InProcessServer,
) -> None:
    events = server.client("events")
    bus = f"shared-{uuid.uuid4().hex[:6]}"
    bus_arn = events.create_event_bus(Name=bus)["EventBusArn"]
    url = rule_to_queue(server, bus)
    sender, credentials = other_account(server)
    theirs = server.client("events", credentials)
    entry = {"Source": "partner", "DetailType": "order", "Detail": '{"n": 1}',
             "EventBusName": bus_arn}  # fmt: skip

    with pytest.raises(ClientError) as caught:  # no policy on the bus yet
        theirs.put_events(Entries=[entry])
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"

    events.put_permission(EventBusName=bus, Action="events:PutEvents", Principal=sender,
                          StatementId="partner")  # fmt: skip
    answer = theirs.put_events(Entries=[entry])
    assert answer["FailedEntryCount"] == 0
    (event,) = delivered(server, url, bus)
    assert event["id"] == answer["Entries"][0]["EventId"]
    assert event["account"] == sender  # the sender's account, on the owner's bus
    assert event["detail"] == {"n": 1}

    events.remove_permission(EventBusName=bus, StatementId="partner")
    with pytest.raises(ClientError) as caught:
        theirs.put_events(Entries=[entry])
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"
    assert delivered(server, url, bus) == []


def test_a_policy_for_one_account_does_not_let_another_in(server: InProcessServer) -> None:
    events = server.client("events")
    bus = f"narrow-{uuid.uuid4().hex[:6]}"
    bus_arn = events.create_event_bus(Name=bus)["EventBusArn"]
    allowed, _ = other_account(server)
    _, stranger = other_account(server)
    events.put_permission(EventBusName=bus, Action="events:PutEvents", Principal=allowed,
                          StatementId="one")  # fmt: skip
    with pytest.raises(ClientError) as caught:
        server.client("events", stranger).put_events(Entries=[{
            "Source": "partner", "DetailType": "order", "Detail": "{}",
            "EventBusName": bus_arn}])  # fmt: skip
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"


def test_the_default_bus_of_another_account_needs_its_policy_too(
    server: InProcessServer,
) -> None:
    _, credentials = other_account(server)
    mine = f"arn:aws:events:us-east-1:{server.account_id}:event-bus/default"
    with pytest.raises(ClientError) as caught:
        server.client("events", credentials).put_events(Entries=[{
            "Source": "partner", "DetailType": "order", "Detail": "{}",
            "EventBusName": mine}])  # fmt: skip
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"


def test_own_buses_work_without_a_policy(server: InProcessServer) -> None:
    url = rule_to_queue(server, "default")
    answer = server.client("events").put_events(Entries=[{
        "Source": "partner", "DetailType": "order", "Detail": "{}"}])  # fmt: skip
    assert answer["FailedEntryCount"] == 0
    (event,) = delivered(server, url)
    assert event["account"] == server.account_id
