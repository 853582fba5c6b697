"""InvokeWithResponseStream in-process: authorized as lambda:InvokeFunction (the Lambda API
reference says the operation "requires permission for the lambda:InvokeFunction action"),
refused before anything runs, and a handler that does not stream answered in one chunk."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from stockade.sandbox.backends.fake import FakeBackend, FakeContext
from tests.support.inprocess import InProcessServer
from tests.support.packages import PYTHON_ECHO

RUNS: list[str] = []


async def echo(event: bytes, context: FakeContext) -> bytes:
    RUNS.append(context.request_id)
    return b'{"echo": ' + event + b"}"


BIG = b'"' + b"x" * 5_000_000 + b'"'


async def big(event: bytes, context: FakeContext) -> bytes:
    return BIG


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    backend = FakeBackend({"app.handler": echo, "app.big": big})
    with InProcessServer(tmp_path_factory.mktemp("stream") / "data", sandbox=backend) as running:
        yield running


@pytest.fixture(scope="module")
def function(server: InProcessServer) -> str:
    lam = server.client("lambda")
    name = f"s-{uuid.uuid4().hex[:8]}"
    lam.create_function(FunctionName=name, Runtime="python3.11", Handler="app.handler",
                        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
                        Code={"ZipFile": PYTHON_ECHO})  # fmt: skip
    return name


def user(server: InProcessServer, policy: dict[str, object] | None) -> tuple[str, str]:
    iam = server.client("iam")
    name = f"u-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    if policy is not None:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def allow(action: str, resource: str) -> dict[str, object]:
    return {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}  # fmt: skip


def test_a_handler_that_does_not_stream_answers_in_one_chunk(
    server: InProcessServer, function: str
) -> None:
    reply = server.client("lambda").invoke_with_response_stream(
        FunctionName=function, Payload=b'{"a": 1}'
    )
    assert reply["StatusCode"] == 200
    assert reply["ExecutedVersion"] == "$LATEST"
    events = list(reply["EventStream"])
    assert events == [{"PayloadChunk": {"Payload": b'{"echo": {"a": 1}}'}}, {"InvokeComplete": {}}]


def test_without_lambda_invoke_function_it_is_refused_before_anything_runs(
    server: InProcessServer, function: str
) -> None:
    arn = server.client("lambda").get_function(FunctionName=function)["Configuration"][
        "FunctionArn"
    ]
    nobody = server.client("lambda", user(server, None))
    before = len(RUNS)
    with pytest.raises(ClientError) as denied:
        nobody.invoke_with_response_stream(FunctionName=function, Payload=b"{}")
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "lambda:InvokeFunction" in denied.value.response["Error"]["Message"]
    assert len(RUNS) == before

    # Another action on the function does not do; lambda:InvokeFunction does.
    other = server.client("lambda", user(server, allow("lambda:GetFunction", arn)))
    with pytest.raises(ClientError) as still_denied:
        other.invoke_with_response_stream(FunctionName=function, Payload=b"{}")
    assert still_denied.value.response["Error"]["Code"] == "AccessDeniedException"
    invoker = server.client("lambda", user(server, allow("lambda:InvokeFunction", arn)))
    events = list(invoker.invoke_with_response_stream(FunctionName=function)["EventStream"])
    assert events[0] == {"PayloadChunk": {"Payload": b'{"echo": {}}'}}
    assert len(RUNS) == before + 1


def test_dry_run_checks_access_and_runs_nothing(server: InProcessServer, function: str) -> None:
    before = len(RUNS)
    lam = server.client("lambda")
    assert (
        lam.invoke_with_response_stream(FunctionName=function, InvocationType="DryRun")[
            "StatusCode"
        ]
        == 204
    )
    assert len(RUNS) == before


def test_an_unknown_invocation_type_is_a_validation_error(
    server: InProcessServer, function: str
) -> None:
    lam = server.client("lambda", validate=False)
    with pytest.raises(ClientError) as refused:
        lam.invoke_with_response_stream(FunctionName=function, InvocationType="Event")
    assert refused.value.response["Error"]["Code"] == "ValidationException"


def test_a_whole_5_mb_payload_is_one_chunk(server: InProcessServer) -> None:
    lam = server.client("lambda")
    name = f"s-{uuid.uuid4().hex[:8]}"
    lam.create_function(FunctionName=name, Runtime="python3.11", Handler="app.big",
                        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
                        Code={"ZipFile": PYTHON_ECHO})  # fmt: skip
    events = list(lam.invoke_with_response_stream(FunctionName=name)["EventStream"])
    assert events == [{"PayloadChunk": {"Payload": BIG}}, {"InvokeComplete": {}}]
