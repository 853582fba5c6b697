"""CloudTrail's LookupEvents over the audit trail: `aws cloudtrail lookup-events` and boto3 find
events by each lookup attribute, newest first, in pages, within a time range; only the caller's
account's events, and only for callers allowed `cloudtrail:LookupEvents`."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.packages import PYTHON_ECHO, make_zip
from tests.support.server import RunningServer, start_server

pytestmark = pytest.mark.integration


def aws(server: RunningServer, *args: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "awscli", *args, "--output", "json"],
        env=server.cli_env(), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def lookup(server: RunningServer, key: str, value: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = aws(
        server, "cloudtrail", "lookup-events",
        "--lookup-attributes", f"AttributeKey={key},AttributeValue={value}",
    )["Events"]  # fmt: skip
    return events


def test_lookup_events_finds_events_by_each_attribute(server: RunningServer) -> None:
    lam, iam = server.client("lambda"), server.client("iam")
    name = f"looked-up-{uuid.uuid4().hex[:6]}"
    created = lam.create_function(
        FunctionName=name, Runtime="python3.11", Handler="app.handler",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Code={"ZipFile": make_zip({"app.py": PYTHON_ECHO})},
    )  # fmt: skip
    user = f"looker-{uuid.uuid4().hex[:6]}"
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    as_user = server.client("lambda", credentials=(key["AccessKeyId"], key["SecretAccessKey"]))
    with pytest.raises(ClientError):
        as_user.get_function(FunctionName=name)  # no policy: denied, and still recorded

    by_resource = lookup(server, "ResourceName", name)
    assert [e["EventName"] for e in by_resource][-1] == "CreateFunction20150331"  # newest first
    creation = by_resource[-1]
    assert {"ResourceType": "AWS::Lambda::Function", "ResourceName": name} in creation["Resources"]
    record = json.loads(creation["CloudTrailEvent"])
    assert record["requestID"] == created["ResponseMetadata"]["RequestId"]
    assert record["eventSource"] == "lambda.amazonaws.com"
    assert creation["ReadOnly"] == "false"

    assert [e["EventId"] for e in lookup(server, "EventId", creation["EventId"])] == [
        creation["EventId"]
    ]
    by_name = lookup(server, "EventName", "CreateFunction20150331")
    assert creation["EventId"] in [e["EventId"] for e in by_name]
    denied = lookup(server, "Username", user)
    assert [e["EventName"] for e in denied] == ["GetFunction20150331v2"]
    assert json.loads(denied[0]["CloudTrailEvent"])["errorCode"] == "AccessDeniedException"
    assert [e["EventName"] for e in lookup(server, "AccessKeyId", key["AccessKeyId"])] == [
        "GetFunction20150331v2"
    ]
    assert creation["EventId"] in [e["EventId"] for e in lookup(
        server, "ResourceType", "AWS::Lambda::Function")]  # fmt: skip
    iam_events = lookup(server, "EventSource", "iam.amazonaws.com")
    assert {"CreateUser", "CreateAccessKey"} <= {e["EventName"] for e in iam_events}
    assert all(e["EventSource"] == "iam.amazonaws.com" for e in iam_events)
    read_only = lookup(server, "ReadOnly", "true")
    assert read_only
    assert all(e["ReadOnly"] == "true" for e in read_only)
    assert "CreateFunction20150331" not in {e["EventName"] for e in read_only}
    # The lookups themselves are read-only calls, audited like any other.
    assert "LookupEvents" in {e["EventName"] for e in read_only}


def test_pages_time_ranges_and_errors(server: RunningServer) -> None:
    trail, lam = server.client("cloudtrail"), server.client("lambda")
    marker = f"paged-{uuid.uuid4().hex[:6]}"
    before = datetime.now(UTC) - timedelta(seconds=1)
    for _ in range(7):
        with pytest.raises(ClientError):
            lam.get_function(FunctionName=marker)
    attribute = [{"AttributeKey": "ResourceName", "AttributeValue": marker}]
    seen, token, pages = [], None, 0
    while pages < 10:
        page = trail.lookup_events(LookupAttributes=attribute, MaxResults=3,
                                   **({"NextToken": token} if token else {}))  # fmt: skip
        seen += page["Events"]
        pages += 1
        token = page.get("NextToken")
        if token is None:
            break
    assert pages == 3
    assert len(seen) == 7
    times = [e["EventTime"] for e in seen]
    assert times == sorted(times, reverse=True)
    assert len({e["EventId"] for e in seen}) == 7
    paginated = [
        e for page in trail.get_paginator("lookup_events").paginate(LookupAttributes=attribute)
        for e in page["Events"]
    ]  # fmt: skip
    assert [e["EventId"] for e in paginated] == [e["EventId"] for e in seen]
    assert trail.lookup_events(LookupAttributes=attribute, EndTime=before)["Events"] == []
    later = datetime.now(UTC) + timedelta(hours=1)
    assert (
        trail.lookup_events(
            LookupAttributes=attribute, StartTime=later, EndTime=later + timedelta(hours=1)
        )["Events"]
        == []
    )

    def code(**kwargs: Any) -> str:
        with pytest.raises(ClientError) as exc:
            trail.lookup_events(**kwargs)
        return str(exc.value.response["Error"]["Code"])

    assert code(StartTime=later, EndTime=before) == "InvalidTimeRangeException"
    assert code(LookupAttributes=attribute * 2) == "InvalidLookupAttributesException"
    assert code(LookupAttributes=attribute, NextToken="bm9wZQ") == "InvalidNextTokenException"
    first = trail.lookup_events(LookupAttributes=attribute, MaxResults=3)
    other = [{"AttributeKey": "ResourceName", "AttributeValue": marker + "x"}]
    assert code(LookupAttributes=other, NextToken=first["NextToken"]) == (
        "InvalidNextTokenException"
    )


def test_only_allowed_callers_see_only_their_account(server: RunningServer) -> None:
    iam = server.client("iam")
    user = f"no-trail-{uuid.uuid4().hex[:6]}"
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    credentials = (key["AccessKeyId"], key["SecretAccessKey"])
    with pytest.raises(ClientError) as exc:
        server.client("cloudtrail", credentials=credentials).lookup_events()
    assert exc.value.response["Error"]["Code"] == "AccessDeniedException"
    iam.put_user_policy(UserName=user, PolicyName="trail", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "cloudtrail:LookupEvents", "Resource": "*"}],
    }))  # fmt: skip
    events = server.client("cloudtrail", credentials=credentials).lookup_events(
        LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": user}]
    )["Events"]
    assert [e["EventName"] for e in events][-1] == "LookupEvents"
    accounts = {json.loads(e["CloudTrailEvent"])["recipientAccountId"]
                for e in server.client("cloudtrail").lookup_events()["Events"]}  # fmt: skip
    assert accounts == {server.account_id}


def test_the_index_is_rebuilt_from_the_trail(fresh_server: RunningServer) -> None:
    server = fresh_server
    name = f"rebuilt-{uuid.uuid4().hex[:6]}"
    with pytest.raises(ClientError):
        server.client("lambda").get_function(FunctionName=name)
    assert server.stop() == 0  # the clean stop rolls the journal into signed log files
    (server.data_dir / "audit" / "index.db").unlink()
    for extra in ("index.db-wal", "index.db-shm"):
        (server.data_dir / "audit" / extra).unlink(missing_ok=True)

    restarted = start_server(server.data_dir)
    try:
        found = restarted.client("cloudtrail").lookup_events(
            LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": name}]
        )["Events"]
        assert [e["EventName"] for e in found] == ["GetFunction20150331v2"]
    finally:
        restarted.stop()


def test_an_account_selects_the_invocations_it_records(server: RunningServer) -> None:
    trail, lam = server.client("cloudtrail"), server.client("lambda")
    watched, other = unique_function(server), unique_function(server)
    arn = lam.get_function_configuration(FunctionName=watched)["FunctionArn"]
    default = trail.get_event_selectors(TrailName="stockade")
    assert default["TrailARN"].endswith(f":{server.account_id}:trail/stockade")
    assert default["EventSelectors"][0]["DataResources"] == []
    lam.invoke(FunctionName=watched, Payload=b"{}")  # not selected yet: not recorded

    function_data = [{"Type": "AWS::Lambda::Function", "Values": [arn]}]
    selectors = [{"ReadWriteType": "All", "IncludeManagementEvents": True,
                  "DataResources": function_data}]  # fmt: skip
    trail.put_event_selectors(TrailName="stockade", EventSelectors=selectors)
    assert aws(server, "cloudtrail", "get-event-selectors", "--trail-name",
               default["TrailARN"])["EventSelectors"] == selectors  # fmt: skip
    recorded = lam.invoke(FunctionName=watched, Payload=b'{"card": "4111"}')
    lam.invoke(FunctionName=other, Payload=b"{}")

    invokes = lookup(server, "EventName", "Invoke")
    names = [json.loads(e["CloudTrailEvent"])["requestParameters"]["FunctionName"]
             for e in invokes]  # fmt: skip
    assert names.count(watched) == 1
    assert other not in names
    record = json.loads(invokes[names.index(watched)]["CloudTrailEvent"])
    assert record["requestID"] == recorded["ResponseMetadata"]["RequestId"]
    assert record["managementEvent"] is False
    assert record["eventCategory"] == "Data"
    assert "4111" not in invokes[names.index(watched)]["CloudTrailEvent"]  # the payload

    def code(**kwargs: Any) -> str:
        with pytest.raises(ClientError) as exc:
            trail.put_event_selectors(**kwargs)
        return str(exc.value.response["Error"]["Code"])

    assert code(TrailName="another", EventSelectors=selectors) == "TrailNotFoundException"
    no_management = [{**selectors[0], "IncludeManagementEvents": False}]
    assert code(TrailName="stockade", EventSelectors=no_management) == (
        "InvalidEventSelectorsException"
    )
    trail.put_event_selectors(TrailName="stockade", EventSelectors=default["EventSelectors"])


def unique_function(server: RunningServer) -> str:
    name = f"selected-{uuid.uuid4().hex[:6]}"
    server.client("lambda").create_function(
        FunctionName=name, Runtime="python3.11", Handler="app.handler",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Code={"ZipFile": make_zip({"app.py": PYTHON_ECHO})},
    )  # fmt: skip
    return name
