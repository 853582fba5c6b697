"""Counters per event source mapping and per rule, read as an operator reads them
(`stockade stats --event-source-mapping UUID`, `stockade stats --rule NAME`), against a real
server driven by boto3.

The counters are named after AWS's metrics: Lambda's event source mapping metrics (Lambda
developer guide, monitoring-metrics-types) and EventBridge's rule metrics (EventBridge user
guide, eb-monitoring); what each counts is in services/lambda_/mapping_counters.py and
services/events/rule_counters.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.test_event_source_mappings import function, queue, sqs_role, until
from tests.integration.test_events_delivery import allow_rule_on_queue
from tests.support.function_urls import create_function
from tests.support.packages import make_zip
from tests.support.server import RunningServer, running_server

pytestmark = pytest.mark.integration


def stats(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stockade", "stats", *args, "--data-dir", str(data_dir), "--json"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def counted(data_dir: Path, *args: str) -> dict[str, int] | None:
    done = stats(data_dir, *args)
    if done.returncode != 0:
        assert "No counters saved" in done.stderr, done.stderr
        return None
    found: dict[str, int] = json.loads(done.stdout)
    return found


def settled(data_dir: Path, expected: dict[str, int], *args: str) -> dict[str, int] | None:
    """The counters once they equal `expected` (saved every second), or the last ones read."""
    deadline = time.monotonic() + 45
    found = counted(data_dir, *args)
    while found != expected and time.monotonic() < deadline:
        time.sleep(0.5)
        found = counted(data_dir, *args)
    return found


def test_a_mappings_counters_count_polls_filters_failures_and_deletes_and_survive_a_restart(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    with running_server(data_dir) as server:
        lam, sqs = server.client("lambda"), server.client("sqs")
        name = function(server, sqs_role(server))  # fails the items whose body says "fail"
        dlq_url, dlq_arn = queue(server)
        url, arn = queue(server, VisibilityTimeout="3", RedrivePolicy=json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"}))  # fmt: skip
        bodies = [{"kind": "order", "n": "ok-1"}, {"kind": "order", "n": "fail-1"},
                  {"kind": "order", "n": "ok-2"}, {"kind": "order", "n": "fail-2"},
                  {"kind": "order", "n": "ok-3"}, {"kind": "noise", "n": "x-1"},
                  {"kind": "noise", "n": "x-2"}]  # fmt: skip
        for body in bodies:
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))
        mapping = lam.create_event_source_mapping(
            FunctionName=name, EventSourceArn=arn, BatchSize=10,
            MaximumBatchingWindowInSeconds=1, FunctionResponseTypes=["ReportBatchItemFailures"],
            FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"kind": ["order"]}})}]},
        )["UUID"]  # fmt: skip
        dead: list[str] = []
        deadline = time.monotonic() + 45
        while len(dead) < 2 and time.monotonic() < deadline:
            got = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            dead += [json.loads(m["Body"])["n"] for m in got.get("Messages", [])]
        assert sorted(dead) == ["fail-1", "fail-2"]  # twice received and failed, then redriven
        # 7 read, 2 filtered out; the 5 orders invoked, the 2 failing ones twice; 3 deleted.
        expected = {
            "PolledEventCount": 9,
            "FilteredOutEventCount": 2,
            "InvokedEventCount": 7,
            "FailedInvokeEventCount": 4,
            "DeletedEventCount": 3,
        }
        assert settled(data_dir, expected, "--event-source-mapping", mapping) == expected
    # The server is down: the operator's command reads the saved totals, and after a restart
    # the server counts on from them.
    assert counted(data_dir, "--event-source-mapping", mapping) == expected
    with running_server(data_dir) as server:
        lam, sqs = server.client("lambda"), server.client("sqs")
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": "order", "n": "ok-4"}))
        after = {**expected, "PolledEventCount": 10, "InvokedEventCount": 8,
                 "DeletedEventCount": 4}  # fmt: skip
        assert settled(data_dir, after, "--event-source-mapping", mapping) == after
        # A deleted mapping's counters go away.
        lam.delete_event_source_mapping(UUID=mapping)
        deadline = time.monotonic() + 30
        while counted(data_dir, "--event-source-mapping", mapping) is not None:
            assert time.monotonic() < deadline, "the deleted mapping's counters stayed"
            time.sleep(0.5)


PRINTER = """
def handler(event, context):
    print("GOT", event.get("id"))
"""


def test_a_rules_counters_count_matches_invocations_failures_and_dead_letters(
    server: RunningServer,
) -> None:
    events, lam, sqs = server.client("events"), server.client("lambda"), server.client("sqs")
    rule = f"counted-{uuid.uuid4().hex[:6]}"
    rule_arn = events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["app.counted"]}))[
        "RuleArn"]  # fmt: skip
    allowed = create_function(server, make_zip({"app.py": PRINTER}), "app.handler")
    lam.add_permission(FunctionName=allowed, StatementId="events",
                       Action="lambda:InvokeFunction", Principal="events.amazonaws.com",
                       SourceArn=rule_arn)  # fmt: skip
    refusing = create_function(server, make_zip({"app.py": PRINTER}), "app.handler")
    dlq_url = sqs.create_queue(QueueName=f"ev-dlq-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]  # fmt: skip
    allow_rule_on_queue(server, dlq_url, dlq_arn, rule_arn)
    target_url = sqs.create_queue(QueueName=f"ev-t-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    target_arn = sqs.get_queue_attributes(QueueUrl=target_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]  # fmt: skip  (no policy: EventBridge may not send to it)

    def arn_of(name: str) -> Any:
        return lam.get_function_configuration(FunctionName=name)["FunctionArn"]

    events.put_targets(Rule=rule, Targets=[
        {"Id": "ok", "Arn": arn_of(allowed)},
        {"Id": "refused", "Arn": arn_of(refusing), "DeadLetterConfig": {"Arn": dlq_arn}},
        {"Id": "no-dlq", "Arn": target_arn,
         "DeadLetterConfig": {"Arn": dlq_arn + "-missing"}},
    ])  # fmt: skip
    answer = events.put_events(Entries=[
        {"Source": "app.counted", "DetailType": "t", "Detail": json.dumps({"i": 1})},
        {"Source": "app.counted", "DetailType": "t", "Detail": json.dumps({"i": 2})},
        {"Source": "app.other", "DetailType": "t", "Detail": json.dumps({"i": 3})},
    ])  # fmt: skip
    assert answer["FailedEntryCount"] == 0
    # 2 events matched; each invoked 3 targets; 2 of those failed for good per event, one
    # dead-lettered, one whose dead-letter queue does not exist.
    expected = {
        "MatchedEvents": 2,
        "TriggeredRules": 2,
        "Invocations": 6,
        "FailedInvocations": 4,
        "InvocationsSentToDlq": 2,
        "InvocationsFailedToBeSentToDlq": 2,
        "RetryInvocationAttempts": 0,
    }
    assert settled(server.data_dir, expected, "--rule", rule) == expected
    assert settled(server.data_dir, expected, "--rule", rule, "--event-bus-name",
                   "default") == expected  # fmt: skip
    assert counted(server.data_dir, "--rule", rule, "--event-bus-name", "other") is None
    dead = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    assert len(dead.get("Messages", [])) == 2
    # A deleted rule's counters go away.
    events.remove_targets(Rule=rule, Ids=["ok", "refused", "no-dlq"])
    events.delete_rule(Name=rule)
    deadline = time.monotonic() + 30
    while counted(server.data_dir, "--rule", rule) is not None:
        assert time.monotonic() < deadline, "the deleted rule's counters stayed"
        time.sleep(0.5)


def test_metrics_config_is_stored_and_answered_as_aws(server: RunningServer) -> None:
    lam = server.client("lambda")
    name = function(server, sqs_role(server))
    _, arn = queue(server)
    created = lam.create_event_source_mapping(
        FunctionName=name, EventSourceArn=arn, MetricsConfig={"Metrics": ["EventCount"]}
    )
    assert created["MetricsConfig"] == {"Metrics": ["EventCount"]}
    mapping = created["UUID"]
    assert lam.get_event_source_mapping(UUID=mapping)["MetricsConfig"] == {
        "Metrics": ["EventCount"]}  # fmt: skip
    listed = lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]
    assert listed[0]["MetricsConfig"] == {"Metrics": ["EventCount"]}
    until(lambda: lam.get_event_source_mapping(UUID=mapping)["State"] == "Enabled")
    updated = lam.update_event_source_mapping(UUID=mapping, MetricsConfig={"Metrics": []})
    assert updated["MetricsConfig"] == {"Metrics": []}
    # ErrorCount and KafkaMetrics are for Kafka sources (API reference,
    # EventSourceMappingMetricsConfig): refused for a queue.
    with pytest.raises(ClientError) as exc:
        lam.update_event_source_mapping(UUID=mapping, MetricsConfig={"Metrics": ["ErrorCount"]})
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert lam.get_event_source_mapping(UUID=mapping)["MetricsConfig"] == {"Metrics": []}


def test_stats_takes_one_of_a_function_a_mapping_or_a_rule(tmp_path: Path) -> None:
    for args in ([], ["f", "--rule", "r"], ["--event-source-mapping", "u", "--rule", "r"],
                 ["f", "--event-bus-name", "b"]):  # fmt: skip
        done = stats(tmp_path, *args)
        assert done.returncode == 2, done
        assert "Usage:" in done.stderr
