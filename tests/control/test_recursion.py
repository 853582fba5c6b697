"""Recursive loop detection in-process, on a fake clock: the Get/PutFunctionRecursionConfig
operations, the trace each invocation is given, and the hop count.

A request from an execution environment reaches the app with the host's record of the
invocation that environment runs (the edge puts it in the ASGI scope); `as_environment` makes
requests exactly so. The fake guests report the trace header the Runtime API handed them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stockade.api.http import CALLER_TRACE_SCOPE_KEY
from stockade.clock import FakeClock
from stockade.domain.arn import function_arn
from stockade.domain.trace import CallerTrace, Lineage, TraceContext, function_key
from stockade.sandbox.backends.fake import FakeBackend, FakeContext
from tests.support.inprocess import REGION, InProcessServer
from tests.support.packages import PYTHON_ECHO

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
ROOT = "1-69a4297c-0123456789abcdef01234567"


class Guests:
    """Fake function code: records the trace header of every run."""

    def __init__(self) -> None:
        self.traces: list[str | None] = []

    async def handler(self, event: bytes, context: FakeContext) -> bytes:
        self.traces.append(context.trace_id)
        return b'{"ran": true}'


@pytest.fixture
def guests() -> Guests:
    return Guests()


@pytest.fixture
def server(tmp_path: Path, guests: Guests) -> Iterator[InProcessServer]:
    backend = FakeBackend({"app.handler": guests.handler})
    with InProcessServer(tmp_path / "data", clock=FakeClock(NOW), sandbox=backend) as running:
        yield running


def create(server: InProcessServer, name: str, **extra: Any) -> str:
    server.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Handler="app.handler",
        Code={"ZipFile": PYTHON_ECHO},
        **extra,
    )
    return function_arn(REGION, server.account_id, name)


def at_hop(arn: str, hops: int, *others: tuple[str, int]) -> TraceContext:
    """The trace of the `hops`-th run of the function `arn` in a chain (as the host has it)."""
    counts = dict((function_key(other), n) for other, n in others)
    counts[function_key(arn)] = hops
    return TraceContext(ROOT, "00000000000000aa", False, Lineage(tuple(sorted(counts.items()))),
                        function_key(arn))  # fmt: skip


def as_environment(server: InProcessServer, trace: TraceContext | None) -> None:
    """Requests from now on come from an environment whose invocation has `trace`."""
    server.scope_extra[CALLER_TRACE_SCOPE_KEY] = CallerTrace(from_environment=True, trace=trace)


def fields(header: str | None) -> dict[str, str]:
    assert header is not None
    return dict(part.split("=", 1) for part in header.split(";"))


def stopped_log_lines(server: InProcessServer, group: str) -> list[str]:
    """The log group's recursion lines, once the log store has written any (it batches)."""
    logs = server.client("logs")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            events = logs.filter_log_events(
                logGroupName=group, filterPattern="RecursiveInvocationException"
            )["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        if events:
            return [str(event["message"]) for event in events]
        time.sleep(0.1)
    return []


def error_of(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = caught.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


# -- Get/PutFunctionRecursionConfig ---------------------------------------------------------------


def test_the_setting_defaults_to_terminate_and_put_changes_it(server: InProcessServer) -> None:
    arn = create(server, "f")
    lam = server.client("lambda")
    assert lam.get_function_recursion_config(FunctionName="f")["RecursiveLoop"] == "Terminate"
    put = lam.put_function_recursion_config(FunctionName=arn, RecursiveLoop="Allow")
    assert put["RecursiveLoop"] == "Allow"
    assert lam.get_function_recursion_config(FunctionName="f")["RecursiveLoop"] == "Allow"
    lam.put_function_recursion_config(FunctionName="f", RecursiveLoop="Terminate")
    assert lam.get_function_recursion_config(FunctionName=arn)["RecursiveLoop"] == "Terminate"


def test_a_missing_function_or_an_unknown_setting_is_refused(server: InProcessServer) -> None:
    lam = server.client("lambda", validate=False)
    with pytest.raises(ClientError) as missing:
        lam.get_function_recursion_config(FunctionName="nope")
    code, message = error_of(missing)
    assert code == "ResourceNotFoundException"
    assert message == f"Function not found: {function_arn(REGION, server.account_id, 'nope')}"
    create(server, "f")
    with pytest.raises(ClientError) as bad:
        lam.put_function_recursion_config(FunctionName="f", RecursiveLoop="Sometimes")
    assert error_of(bad)[0] == "ValidationException"
    assert "at 'recursiveLoop' failed to satisfy constraint" in error_of(bad)[1]
    assert (
        server.client("lambda").get_function_recursion_config(FunctionName="f")["RecursiveLoop"]
        == "Terminate"
    )


# -- the trace of an invocation -------------------------------------------------------------------


def test_an_invocation_gets_a_new_trace_made_on_the_servers_clock(
    server: InProcessServer, guests: Guests
) -> None:
    arn = create(server, "f")
    server.client("lambda").invoke(FunctionName="f")
    got = fields(guests.traces[-1])
    assert got["Root"].startswith(f"1-{int(NOW.timestamp()):08x}-")
    assert len(got["Root"]) == 35
    assert len(got["Parent"]) == 16
    assert got["Sampled"] == "0"
    assert got["Lineage"] == f"1:{function_key(arn)}:0"


def test_a_callers_trace_header_is_continued_but_its_lineage_is_not_believed(
    server: InProcessServer, guests: Guests
) -> None:
    arn = create(server, "f")
    lam = server.client("lambda")

    def stamp(request: Any, **_: Any) -> None:
        request.headers["X-Amzn-Trace-Id"] = (
            f"Root={ROOT};Parent=00000000000000bb;Sampled=1;Lineage=99:{function_key(arn)}:0"
        )

    lam.meta.events.register("before-sign.lambda.Invoke", stamp)
    lam.invoke(FunctionName="f")
    got = fields(guests.traces[-1])
    assert (got["Root"], got["Sampled"]) == (ROOT, "1")
    assert got["Parent"] != "00000000000000bb"  # this invocation's own segment
    assert got["Lineage"] == f"1:{function_key(arn)}:0"


# -- hop counting ---------------------------------------------------------------------------------


def test_the_sixteenth_run_may_invoke_no_further_and_the_caller_is_told(
    server: InProcessServer, guests: Guests
) -> None:
    arn = create(server, "f")
    lam = server.client("lambda")
    as_environment(server, at_hop(arn, 15))
    lam.invoke(FunctionName="f")  # the 16th run
    assert fields(guests.traces[-1])["Root"] == ROOT
    assert fields(guests.traces[-1])["Lineage"] == f"16:{function_key(arn)}:0"

    as_environment(server, at_hop(arn, 16))
    with pytest.raises(ClientError) as stopped:
        lam.invoke(FunctionName="f")  # would be the 17th
    assert stopped.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error_of(stopped) == (
        "RecursiveInvocationException",
        "Lambda has detected your function being invoked in a recursive loop with other AWS"
        " resources and stopped your function's invocation.",
    )
    assert len(guests.traces) == 1  # it did not run

    server.scope_extra.clear()
    stopped_lines = stopped_log_lines(server, "/aws/lambda/f")
    assert len(stopped_lines) == 1
    assert ROOT in stopped_lines[0]
    assert "ran 16 times" in stopped_lines[0]


def test_the_guests_own_header_cannot_restart_the_count(
    server: InProcessServer, guests: Guests
) -> None:
    arn = create(server, "f")
    lam = server.client("lambda")

    def fresh(request: Any, **_: Any) -> None:
        request.headers["X-Amzn-Trace-Id"] = "Root=1-00000000-000000000000000000000000;Sampled=0"

    lam.meta.events.register("before-sign.lambda.Invoke", fresh)
    as_environment(server, at_hop(arn, 16))
    with pytest.raises(ClientError) as stopped:
        lam.invoke(FunctionName="f")
    assert error_of(stopped)[0] == "RecursiveInvocationException"
    # An environment with no invocation yet starts a chain of its own, header or not.
    as_environment(server, None)
    lam.invoke(FunctionName="f")
    got = fields(guests.traces[-1])
    assert got["Root"] != "1-00000000-000000000000000000000000"
    assert got["Lineage"] == f"1:{function_key(arn)}:0"


def test_allow_lets_the_chain_run_and_hops_count_per_function(
    server: InProcessServer, guests: Guests
) -> None:
    f = create(server, "f")
    g = create(server, "g")
    lam = server.client("lambda")
    as_environment(server, at_hop(f, 16))
    lam.invoke(FunctionName="g")  # g has not run in this chain yet
    assert fields(guests.traces[-1])["Lineage"] == f"1:{function_key(g)}:0"

    lam.put_function_recursion_config(FunctionName="f", RecursiveLoop="Allow")
    lam.invoke(FunctionName="f")
    assert fields(guests.traces[-1])["Lineage"] == f"17:{function_key(f)}:0"

    as_environment(server, at_hop(g, 3, (f, 17)))  # g, called by f's 17th run
    lam.invoke(FunctionName="f")
    assert fields(guests.traces[-1])["Lineage"] == f"18:{function_key(f)}:0"


def test_a_queued_event_past_the_limit_goes_to_the_dead_letter_queue_unrun(
    server: InProcessServer, guests: Guests
) -> None:
    sqs = server.client("sqs")
    url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    dlq = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    arn = create(server, "f", DeadLetterConfig={"TargetArn": dlq})
    lam = server.client("lambda")
    as_environment(server, at_hop(arn, 16))
    accepted = lam.invoke(FunctionName="f", InvocationType="Event", Payload=b'{"n": 17}')
    assert accepted["StatusCode"] == 202  # accepted; stopped when it would run
    server.scope_extra.clear()

    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + 20
    while not got and time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"]).get("Messages", [])
        if not got:
            time.sleep(0.1)
    assert len(got) == 1
    assert json.loads(got[0]["Body"]) == {"n": 17}
    attributes = got[0]["MessageAttributes"]
    assert attributes["ErrorCode"]["StringValue"] == "RecursiveInvocationException"
    assert attributes["RequestID"]["StringValue"] == accepted["ResponseMetadata"]["RequestId"]
    assert guests.traces == []  # never ran


# -- SQS: what a sent message keeps as its AWSTraceHeader -----------------------------------------


def test_a_message_keeps_its_senders_trace_and_a_functions_cannot_be_forged(
    server: InProcessServer,
) -> None:
    arn = create(server, "f")
    sqs = server.client("sqs")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    given = f"Root={ROOT};Sampled=0"
    forged = "Root=1-00000000-000000000000000000000000;Sampled=0;Lineage=0:00000000:0"

    def send(trace_header: str | None) -> None:
        extra: dict[str, Any] = {}
        if trace_header is not None:
            extra["MessageSystemAttributes"] = {
                "AWSTraceHeader": {"DataType": "String", "StringValue": trace_header}
            }
        sqs.send_message(QueueUrl=url, MessageBody="m", **extra)

    def received() -> str | None:
        got = sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["AWSTraceHeader"])
        message = got["Messages"][0]
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        header: str | None = message.get("Attributes", {}).get("AWSTraceHeader")
        return header

    send(given)  # a client's own value is kept
    assert received() == given
    send(None)
    assert received() is None

    sender = at_hop(arn, 3)
    as_environment(server, sender)  # a function's message carries its invocation's trace
    send(forged)
    server.scope_extra.clear()
    assert received() == sender.header()
    as_environment(server, sender)
    send(None)
    server.scope_extra.clear()
    assert received() == sender.header()
