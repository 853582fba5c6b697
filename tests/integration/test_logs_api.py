"""CloudWatch Logs over a running server: boto3, the `aws` CLI and `stockade logs`.

Function output is produced by real invocations; for exact paging cases, events are written
into the server's log database by a second `SqliteLogStore` while the server runs (SQLite WAL
lets two writers share the file), then read back only through the API.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stockade.store.logs import SqliteLogStore
from tests.integration.test_accounts import create_account
from tests.integration.test_iam import allow, error, new_user
from tests.support.packages import make_zip
from tests.support.server import REPO, RunningServer

pytestmark = pytest.mark.integration

STREAM_NAME = re.compile(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}")
PRINTER = make_zip(
    {"app.py": "def handler(event, context):\n    print('marker', event['m'])\n    return 1\n"}
)


def unique_name() -> str:
    return f"logs-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def seed(server: RunningServer) -> Iterator[Callable[[str, str, list[tuple[int, str]]], None]]:
    """Write events as the sandbox does, committed before the call returns."""
    store = SqliteLogStore(server.data_dir / "logs.db")

    def append(group: str, stream: str, events: list[tuple[int, str]]) -> None:
        store.append(server.account_id, group, stream, events)
        store.flush()

    yield append
    store.close()


def now_ms() -> int:
    return int(time.time() * 1000)


def until(check: Callable[[], Any], timeout_s: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def aws(server: RunningServer, *args: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "awscli", *args, "--output", "json"],
        env=server.cli_env(), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else None


def stockade_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}


def test_an_invocations_output_is_read_through_the_logs_api(server: RunningServer) -> None:
    lam, logs = server.client("lambda"), server.client("logs")
    name = unique_name()
    lam.create_function(FunctionName=name, Runtime="python3.11", Handler="app.handler",
                        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
                        Code={"ZipFile": PRINTER})  # fmt: skip
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    marker = uuid.uuid4().hex
    lam.invoke(FunctionName=name, Payload=json.dumps({"m": marker}).encode())
    group = f"/aws/lambda/{name}"

    def found() -> list[dict[str, Any]]:
        try:
            events: list[dict[str, Any]] = logs.filter_log_events(logGroupName=group)["events"]
        except ClientError:
            return []  # not delivered yet
        return events if any("REPORT RequestId" in e["message"] for e in events) else []

    events = until(found)
    messages = [e["message"] for e in events]
    assert any(m == f"marker {marker}" for m in messages)
    assert messages[0].startswith("START RequestId: ")
    assert messages[-1].startswith("REPORT RequestId: ")
    (stream,) = {e["logStreamName"] for e in events}
    assert STREAM_NAME.fullmatch(stream)
    (described,) = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert described["logStreamName"] == stream
    assert described["firstEventTimestamp"] <= described["lastEventTimestamp"]
    assert described["arn"].endswith(f":log-group:{group}:log-stream:{stream}")
    read = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)
    assert [e["message"] for e in read["events"]] == messages
    (listed,) = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert listed["arn"] == f"arn:aws:logs:{server.region}:{server.account_id}:log-group:{group}:*"
    assert listed["storedBytes"] >= sum(len(m) for m in messages)


def test_the_aws_cli_reads_and_filters_events(server: RunningServer, seed: Any) -> None:
    group, start = f"/app/{unique_name()}", now_ms()
    seed(group, "web", [(start, "GET /a 200"), (start + 1, "Task timed out after 3.00 seconds")])
    seed(group, "worker", [(start + 2, "ERROR Task failed"), (start + 3, "ok")])
    (listed,) = aws(server, "logs", "describe-log-groups", "--log-group-name-prefix", group)[
        "logGroups"
    ]
    assert listed["logGroupName"] == group
    read = aws(server, "logs", "get-log-events", "--log-group-name", group,
               "--log-stream-name", "web", "--start-from-head")  # fmt: skip
    assert [e["message"] for e in read["events"]] == [
        "GET /a 200",
        "Task timed out after 3.00 seconds",
    ]
    found = aws(server, "logs", "filter-log-events", "--log-group-name", group,
                "--filter-pattern", '"Task" ERROR')  # fmt: skip
    assert [(e["logStreamName"], e["message"]) for e in found["events"]] == [
        ("worker", "ERROR Task failed")
    ]
    phrase = aws(server, "logs", "filter-log-events", "--log-group-name", group,
                 "--filter-pattern", '"timed out"')  # fmt: skip
    assert [e["message"] for e in phrase["events"]] == ["Task timed out after 3.00 seconds"]


def test_get_log_events_pages_both_ways_like_cloudwatch(server: RunningServer, seed: Any) -> None:
    logs = server.client("logs")
    group, base = f"/app/{unique_name()}", now_ms()
    seed(group, "s", [(base + i, f"e{i}") for i in range(25)])
    seed(group, "other", [(base + 5, "not in s")])

    def page(**kw: Any) -> tuple[list[str], str, str]:
        got = logs.get_log_events(logGroupName=group, logStreamName="s", limit=10, **kw)
        names = [e["message"] for e in got["events"]]
        return names, got["nextForwardToken"], got["nextBackwardToken"]

    newest, forward, backward = page()  # startFromHead defaults to false: the newest events
    assert newest == [f"e{i}" for i in range(15, 25)]
    assert page(nextToken=forward)[0] == []
    assert page(nextToken=forward)[1] == forward  # the end: the same token comes back
    older, _, backward = page(nextToken=backward)
    assert older == [f"e{i}" for i in range(5, 15)]
    oldest, _, backward = page(nextToken=backward)
    assert oldest == [f"e{i}" for i in range(5)]
    assert page(nextToken=backward)[0] == []
    assert page(nextToken=backward)[2] == backward

    collected: list[str] = []
    token = None
    for _ in range(10):  # bounded: 25 events in pages of 10
        names, next_token, _ = page(startFromHead=True, **({"nextToken": token} if token else {}))
        if next_token == token:
            break
        collected += names
        token = next_token
    assert collected == [f"e{i}" for i in range(25)]
    window, _, _ = page(startFromHead=True, startTime=base + 3, endTime=base + 6)
    assert window == ["e3", "e4", "e5"]  # endTime is exclusive here


def test_filter_log_events_pages_and_narrows(server: RunningServer, seed: Any) -> None:
    logs = server.client("logs")
    group, base = f"/app/{unique_name()}", now_ms()
    for index, stream in enumerate(("2026/01/01/[1]a", "2026/01/01/[1]b", "2026/01/02/[1]c")):
        events = [(base + index + 3 * i, f"{stream[-1]}{i} level=INFO") for i in range(6)]
        seed(group, stream, events)
    seed(group, "2026/01/02/[1]c", [(base + 100, "c-last level=ERROR code=7")])

    pages = logs.get_paginator("filter_log_events").paginate(
        logGroupName=group, PaginationConfig={"PageSize": 4}
    )
    everything = [e for p in pages for e in p["events"]]
    assert len(everything) == 19
    assert [e["timestamp"] for e in everything] == sorted(e["timestamp"] for e in everything)
    assert len({e["eventId"] for e in everything}) == 19

    def messages(**kw: Any) -> list[str]:
        return [e["message"] for e in logs.filter_log_events(logGroupName=group, **kw)["events"]]

    assert messages(filterPattern="ERROR code") == ["c-last level=ERROR code=7"]
    assert messages(filterPattern='"level=ERROR"') == ["c-last level=ERROR code=7"]
    assert messages(filterPattern="error") == []  # terms are case-sensitive
    assert messages(logStreamNames=["2026/01/01/[1]b"], startTime=base + 4, endTime=base + 7) == [
        "b1 level=INFO",
        "b2 level=INFO",  # endTime is inclusive here
    ]
    assert len(messages(logStreamNamePrefix="2026/01/01/")) == 12
    assert messages(startFromHead=False, limit=2) == ["c-last level=ERROR code=7", "c5 level=INFO"]
    for refused in ("?ERROR ?WARN", "-INFO", '{ $.level = "ERROR" }', "[ip, user]", "%ERR%",
                    "level=ERROR", '"unclosed'):  # fmt: skip
        with pytest.raises(ClientError) as bad:
            logs.filter_log_events(logGroupName=group, filterPattern=refused)
        assert error(bad)[:1] == ("InvalidParameterException",), refused
        assert "filter pattern" in error(bad)[1]
    with pytest.raises(ClientError) as both:
        logs.filter_log_events(logGroupName=group, logStreamNames=["x"], logStreamNamePrefix="x")
    assert error(both)[0] == "InvalidParameterException"


def test_describe_log_streams_orders_and_pages(server: RunningServer, seed: Any) -> None:
    logs = server.client("logs")
    group, base = f"/app/{unique_name()}", now_ms()
    for index, stream in enumerate(("b", "c", "a", "d", "e")):
        seed(group, stream, [(base + index, "x")])
    pages = logs.get_paginator("describe_log_streams").paginate(
        logGroupName=group, PaginationConfig={"PageSize": 2}
    )
    assert [s["logStreamName"] for p in pages for s in p["logStreams"]] == list("abcde")
    latest = logs.get_paginator("describe_log_streams").paginate(
        logGroupName=group, orderBy="LastEventTime", descending=True,
        PaginationConfig={"PageSize": 2},
    )  # fmt: skip
    assert [s["logStreamName"] for p in latest for s in p["logStreams"]] == list("edacb")
    with pytest.raises(ClientError) as bad:
        logs.describe_log_streams(
            logGroupName=group, orderBy="LastEventTime", logStreamNamePrefix="a"
        )
    assert error(bad)[0] == "InvalidParameterException"
    groups = logs.get_paginator("describe_log_groups").paginate(
        logGroupNamePrefix="/app/", PaginationConfig={"PageSize": 1}
    )
    assert group in [g["logGroupName"] for p in groups for g in p["logGroups"]]


def test_missing_resources_and_bad_input_get_cloudwatch_errors(
    server: RunningServer, seed: Any
) -> None:
    logs, loose = server.client("logs"), server.client("logs", validate=False)
    group = f"/app/{unique_name()}"
    seed(group, "s", [(now_ms(), "x")])
    cases: list[tuple[Callable[..., Any], dict[str, Any], str, str]] = [
        (logs.get_log_events, {"logGroupName": "/app/none", "logStreamName": "s"},
         "ResourceNotFoundException", "The specified log group does not exist."),
        (logs.get_log_events, {"logGroupName": group, "logStreamName": "none"},
         "ResourceNotFoundException", "The specified log stream does not exist."),
        (logs.describe_log_streams, {"logGroupName": "/app/none"},
         "ResourceNotFoundException", "The specified log group does not exist."),
        (logs.filter_log_events, {"logGroupIdentifier": "/app/none"},
         "ResourceNotFoundException", "The specified log group does not exist."),
        (loose.describe_log_groups, {"limit": 100}, "InvalidParameterException",
         "1 validation error detected: Value '100' at 'limit' failed to satisfy constraint:"
         " Member must have value less than or equal to 50"),
        (loose.describe_log_groups, {"limit": "ten"}, "SerializationException",
         "Could not parse request: limit must be an integer."),
        (logs.describe_log_groups, {"nextToken": "garbage"}, "InvalidParameterException",
         "The specified nextToken is invalid."),
        (logs.get_log_events, {"logGroupName": group, "logStreamName": "s", "nextToken": "f/x"},
         "InvalidParameterException", "The specified nextToken is invalid."),
        (logs.filter_log_events, {"logGroupName": group, "logGroupIdentifier": group},
         "InvalidParameterException",
         "Exactly one of logGroupName or logGroupIdentifier must be specified."),
    ]  # fmt: skip
    for call, params, code, message in cases:
        with pytest.raises(ClientError) as failed:
            call(**params)
        assert error(failed) == (code, message, 400), params
    with pytest.raises(ClientError) as unimplemented:
        logs.put_retention_policy(logGroupName=group, retentionInDays=1)
    assert error(unimplemented)[0::2] == ("NotImplemented", 501)
    arn = f"arn:aws:logs:{server.region}:{server.account_id}:log-group:{group}"
    by_arn = logs.filter_log_events(logGroupIdentifier=arn)["events"]
    assert [e["message"] for e in by_arn] == ["x"]


def test_log_groups_are_created_and_deleted(server: RunningServer, seed: Any) -> None:
    logs = server.client("logs")
    group = f"/app/{unique_name()}"
    logs.create_log_group(logGroupName=group)
    (created,) = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert (created["storedBytes"], created["logGroupClass"]) == (0, "STANDARD")
    assert logs.describe_log_streams(logGroupName=group)["logStreams"] == []
    refused: list[tuple[dict[str, Any], str]] = [
        ({"logGroupName": group}, "ResourceAlreadyExistsException"),
        ({"logGroupName": "aws/mine"}, "InvalidParameterException"),
        ({"logGroupName": f"{group}-k", "kmsKeyId": "arn:aws:kms:x"}, "InvalidParameterException"),
        ({"logGroupName": f"{group}-t", "tags": {"a": "b"}}, "InvalidParameterException"),
    ]
    for params, code in refused:
        with pytest.raises(ClientError) as failed:
            logs.create_log_group(**params)
        assert error(failed)[0] == code, params
    seed(group, "s", [(now_ms(), "x")])
    logs.delete_log_group(logGroupName=group)
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []
    with pytest.raises(ClientError) as gone:
        logs.delete_log_group(logGroupName=group)
    assert error(gone)[0] == "ResourceNotFoundException"


def test_accounts_and_policies_fence_log_groups(server: RunningServer, seed: Any) -> None:
    mine, other = f"/app/{unique_name()}", f"/app/{unique_name()}"
    seed(mine, "s", [(now_ms(), "secret line")])
    seed(other, "s", [(now_ms(), "x")])

    tenant = create_account(server, f"tenant-{uuid.uuid4().hex[:6]}")
    theirs = server.client("logs", credentials=(tenant["AccessKeyId"], tenant["SecretAccessKey"]))
    assert theirs.describe_log_groups(logGroupNamePrefix=mine)["logGroups"] == []
    with pytest.raises(ClientError) as missing:
        theirs.filter_log_events(logGroupName=mine)
    assert error(missing)[0] == "ResourceNotFoundException"
    arn = f"arn:aws:logs:{server.region}:{server.account_id}:log-group:{mine}"
    with pytest.raises(ClientError) as cross:
        theirs.filter_log_events(logGroupIdentifier=arn)
    assert error(cross)[0::2] == ("AccessDeniedException", 403)

    resource = f"arn:aws:logs:{server.region}:{server.account_id}:log-group:{mine}:*"
    _, keys = new_user(server, allow(["logs:FilterLogEvents", "logs:GetLogEvents"], resource))
    reader = server.client("logs", credentials=keys)
    assert [e["message"] for e in reader.filter_log_events(logGroupName=mine)["events"]] == [
        "secret line"
    ]
    assert reader.get_log_events(logGroupName=mine, logStreamName="s")["events"]
    for call, params in (
        (reader.filter_log_events, {"logGroupName": other}),
        (reader.describe_log_groups, {}),
        (reader.describe_log_streams, {"logGroupName": mine}),
    ):
        with pytest.raises(ClientError) as denied:
            call(**params)
        code, message, status = error(denied)
        assert (code, status) == ("AccessDeniedException", 403)
        assert "is not authorized to perform: logs:" in message
    assert "secret line" not in server.log()


def test_stockade_logs_prints_and_follows(server: RunningServer, seed: Any) -> None:
    name = unique_name()
    group = f"/aws/lambda/{name}"
    seed(group, "s1", [(now_ms() - 5000, "before"), (now_ms() - 4000, "first")])
    command = [sys.executable, "-m", "stockade", "logs", name, "--data-dir", str(server.data_dir)]
    done = subprocess.run([*command, "--json"], capture_output=True, text=True, timeout=60,
                          check=False, cwd=REPO, env=stockade_env())  # fmt: skip
    assert done.returncode == 0, done.stderr
    printed = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(e["logStreamName"], e["message"]) for e in printed] == [
        ("s1", "before"),
        ("s1", "first"),
    ]
    missing = subprocess.run(
        [*command[:4], unique_name(), *command[5:]],
        capture_output=True, text=True, timeout=60, check=False, cwd=REPO, env=stockade_env(),
    )  # fmt: skip
    assert (missing.returncode, missing.stdout) == (0, "")
    assert "No log group" in missing.stderr

    lines: queue.Queue[str] = queue.Queue()
    with subprocess.Popen(
        [*command, "--follow"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO,
        env=stockade_env(),
    ) as follower:  # fmt: skip

        def read_lines() -> None:
            for line in follower.stdout or ():
                lines.put(line)

        reader = threading.Thread(target=read_lines)
        reader.start()
        try:
            seen = [lines.get(timeout=30), lines.get(timeout=30)]
            assert [line.split(" ", 1)[1].strip() for line in seen] == ["before", "first"]
            # A late delivery: timestamped before what was printed, in another stream.
            seed(group, "s2", [(now_ms() - 4500, "late"), (now_ms(), "new")])
            more = {lines.get(timeout=30).split(" ", 1)[1].strip() for _ in range(2)}
            assert more == {"late", "new"}
            time.sleep(2.5)  # two more polls print nothing twice
            assert lines.empty()
        finally:
            follower.send_signal(signal.SIGINT)
            try:
                follower.wait(30)
            except subprocess.TimeoutExpired:
                follower.kill()  # fails the test below instead of hanging the suite
                follower.wait(30)
            reader.join(30)
    assert follower.returncode == 0
