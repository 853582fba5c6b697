"""Secret rotation by a function: RotateSecret / CancelRotateSecret through boto3, the four steps
run by a function written as AWS's templates write them (tests/support/rotation_template.py,
calling back Secrets Manager with its execution role's credentials), schedules on a fake clock,
failures and retries, restarts.

AWS's answers: "No Lambda rotation function ARN is associated with this secret." and
AccessDeniedException "Secrets Manager cannot invoke the specified Lambda function. ..." from
LocalStack's AWS-recorded snapshots (test_secretsmanager.snapshot.json,
test_first_rotate_secret_with_missing_lambda_arn, test_rotate_secret_invalid_lambda_arn; AWS
answers the latter with status 400, Stockade with AccessDeniedException's common 403);
versions after a rotation (new AWSCURRENT, old AWSPREVIOUS) from
test_rotate_secret_with_lambda_success; the rules' limits from RotationRulesType.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stockade.clock import FakeClock
from stockade.sandbox.backends.fake import FakeBackend, FakeContext
from tests.control.secrets_support import allow, error_of, new_name, user_with
from tests.support.inprocess import InProcessServer
from tests.support.packages import PYTHON_ECHO
from tests.support.rotation_template import handle

START = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
HANDLER = "lambda_function.lambda_handler"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}  # fmt: skip
# The execution role's policy: what AWS's guide gives a rotation function's role
# ("Lambda rotation function execution role permissions for AWS Secrets Manager").
ROLE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Resource": "*", "Action": [
            "secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue",
            "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"]},
        {"Effect": "Allow", "Action": "secretsmanager:GetRandomPassword", "Resource": "*"},
    ],
}  # fmt: skip


class Rotator:
    """The template's code as a fake guest: every event it got, its calls made with the
    credentials its environment has (the execution role's)."""

    def __init__(self) -> None:
        self.server: InProcessServer | None = None
        self.events: list[dict[str, Any]] = []

    async def handler(self, event: bytes, context: FakeContext) -> bytes:
        body = json.loads(event)
        self.events.append(body)
        env = context.environment
        assert self.server is not None
        server = self.server

        def run() -> None:
            credentials = (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"],
                           env["AWS_SESSION_TOKEN"])  # fmt: skip
            handle(body, server.client("secretsmanager", credentials), env.get("FAIL_STEP"))

        await asyncio.to_thread(run)
        return b"null"


@pytest.fixture(scope="module")
def rotator() -> Rotator:
    return Rotator()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, rotator: Rotator) -> Iterator[InProcessServer]:
    data = tmp_path_factory.mktemp("secrets-rotation") / "data"
    backend = FakeBackend({HANDLER: rotator.handler})
    with InProcessServer(data, clock=FakeClock(START), sandbox=backend) as running:
        rotator.server = running
        runner(running).stop()  # the tests drive the rounds (settle), none runs behind them
        yield running


def runner(server: InProcessServer) -> Any:
    assert server.built is not None
    assert server.built.secrets is not None
    assert server.built.secrets.rotations is not None
    return server.built.secrets.rotations


@pytest.fixture
def sm(server: InProcessServer) -> Any:
    return server.client("secretsmanager")


def make_function(server: InProcessServer, *, allowed: bool = True, fail: str = "") -> str:
    iam, lam = server.client("iam"), server.client("lambda")
    role_name = f"rotation-{uuid.uuid4().hex[:8]}"
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.put_role_policy(RoleName=role_name, PolicyName="rotation",
                        PolicyDocument=json.dumps(ROLE_POLICY))  # fmt: skip
    name = f"rotator-{uuid.uuid4().hex[:8]}"
    arn = lam.create_function(
        FunctionName=name, Runtime="python3.11", Role=role["Role"]["Arn"], Handler=HANDLER,
        Code={"ZipFile": PYTHON_ECHO}, Timeout=30,
        Environment={"Variables": {"FAIL_STEP": fail}} if fail else {},
    )["FunctionArn"]  # fmt: skip
    if allowed:
        lam.add_permission(FunctionName=name, StatementId="secrets",
                           Action="lambda:InvokeFunction",
                           Principal="secretsmanager.amazonaws.com")  # fmt: skip
    return str(arn)


def settle(server: InProcessServer) -> int:
    """Run the due rotations now (and wait for any a background round started)."""
    rounds = runner(server)
    started = int(server.on_loop(rounds.run_due))
    deadline = time.monotonic() + 20
    while rounds.busy and time.monotonic() < deadline:
        time.sleep(0.02)
    return started


def service_events(server: InProcessServer, arn: str) -> list[dict[str, Any]]:
    assert server.built is not None
    assert server.built.trail is not None
    return [r for r in server.built.trail.journalled()
            if r["eventType"] == "AwsServiceEvent" and r["resources"][0]["ARN"] == arn]  # fmt: skip


def test_rotation_needs_a_function(sm: Any) -> None:
    name = new_name()
    sm.create_secret(Name=name, SecretString="v1")
    with pytest.raises(ClientError) as caught:
        sm.rotate_secret(SecretId=name, RotationRules={"AutomaticallyAfterDays": 1})
    assert error_of(caught) == (
        "InvalidRequestException",
        "No Lambda rotation function ARN is associated with this secret.",
    )
    assert "RotationEnabled" not in sm.describe_secret(SecretId=name)


def test_a_function_that_does_not_let_secrets_manager_in_is_refused_and_nothing_is_stored(
    server: InProcessServer, sm: Any
) -> None:
    name = new_name()
    sm.create_secret(Name=name, SecretString="v1")
    closed = make_function(server, allowed=False)
    missing = closed.rsplit(":", 1)[0] + ":no-such-function"
    for function in (closed, missing):
        with pytest.raises(ClientError) as caught:
            sm.rotate_secret(SecretId=name, RotationLambdaARN=function)
        assert error_of(caught) == (
            "AccessDeniedException",
            "Secrets Manager cannot invoke the specified Lambda function. Ensure that the"
            " function policy grants access to the principal secretsmanager.amazonaws.com.",
        )
    described = sm.describe_secret(SecretId=name)
    assert not {"RotationEnabled", "RotationLambdaARN", "RotationRules"} & set(described)


@pytest.mark.parametrize(
    ("rules", "fragment"),
    [
        ({"AutomaticallyAfterDays": 3, "ScheduleExpression": "rate(4 days)"}, "both"),
        ({"ScheduleExpression": "rate(2 hours)"}, "hours"),
        ({"ScheduleExpression": "rate(5 weeks)"}, "Invalid ScheduleExpression"),
        ({"ScheduleExpression": "cron(0 * * * ? *)"}, "four hours"),
        ({"ScheduleExpression": "cron(0,30 8 * * ? *)"}, "four hours"),
        ({"ScheduleExpression": "cron(0 8 * *)"}, "Invalid ScheduleExpression"),
        ({"ScheduleExpression": "rate(6 hours)", "Duration": "7h"}, "rotation window"),
        ({"ScheduleExpression": "cron(0 20 * * ? *)", "Duration": "5h"}, "next UTC day"),
        ({"AutomaticallyAfterDays": 3, "Duration": "25h"}, "Invalid Duration"),
    ],
)
def test_rules_that_aws_refuses_are_refused(
    server: InProcessServer, sm: Any, rules: dict[str, Any], fragment: str
) -> None:
    name = new_name()
    sm.create_secret(Name=name, SecretString="v1")
    function = make_function(server)
    with pytest.raises(ClientError) as caught:
        sm.rotate_secret(SecretId=name, RotationLambdaARN=function, RotationRules=rules)
    code, message = error_of(caught)
    assert code == "InvalidParameterException"
    assert fragment in message
    assert "RotationEnabled" not in sm.describe_secret(SecretId=name)


def test_days_outside_1_to_1000_are_refused_by_the_service_too(server: InProcessServer) -> None:
    """The model's range (1-1000), checked by the server as for any member: ValidationException."""
    sm = server.client("secretsmanager", validate=False)
    name = new_name()
    sm.create_secret(Name=name, SecretString="v1")
    function = make_function(server)
    for days in (0, 1001):
        with pytest.raises(ClientError) as caught:
            sm.rotate_secret(SecretId=name, RotationLambdaARN=function,
                             RotationRules={"AutomaticallyAfterDays": days})  # fmt: skip
        assert error_of(caught)[0] == "ValidationException"
    assert "RotationEnabled" not in sm.describe_secret(SecretId=name)


def test_a_rotation_runs_the_four_steps_and_moves_awscurrent(
    server: InProcessServer, sm: Any, rotator: Rotator
) -> None:
    name = new_name()
    first = sm.create_secret(Name=name, SecretString="original")
    function = make_function(server)
    started = sm.rotate_secret(SecretId=name, RotationLambdaARN=function,
                               RotationRules={"AutomaticallyAfterDays": 7})  # fmt: skip
    token = started["VersionId"]
    assert (started["ARN"], started["Name"]) == (first["ARN"], name)
    # Until createSecret fills it, the token's version is staged AWSPENDING with no value.
    assert sm.describe_secret(SecretId=name)["VersionIdsToStages"][token] == ["AWSPENDING"]
    with pytest.raises(ClientError) as caught:
        sm.get_secret_value(SecretId=name, VersionStage="AWSPENDING")
    assert error_of(caught)[0] == "ResourceNotFoundException"
    before = len(rotator.events)
    settle(server)
    steps = [e for e in rotator.events[before:] if e["SecretId"] == first["ARN"]]
    assert [e["Step"] for e in steps] == ["createSecret", "setSecret", "testSecret",
                                          "finishSecret"]  # fmt: skip
    assert all(set(e) == {"Step", "SecretId", "ClientRequestToken", "RotationToken"}
               and e["ClientRequestToken"] == token for e in steps)  # fmt: skip
    now = server.clock.now()
    described = sm.describe_secret(SecretId=name)
    assert described["VersionIdsToStages"] == {
        first["VersionId"]: ["AWSPREVIOUS"],
        token: ["AWSCURRENT"],
    }
    assert described["RotationEnabled"] is True
    assert described["RotationLambdaARN"] == function
    assert described["RotationRules"] == {"AutomaticallyAfterDays": 7}
    assert described["LastRotatedDate"] == now
    # The next window: the whole UTC day seven days on; NextRotationDate is its end.
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    assert described["NextRotationDate"] == midnight + dt.timedelta(days=8, seconds=-1)
    value = sm.get_secret_value(SecretId=name)
    assert value["VersionId"] == token
    assert value["SecretString"] != "original"
    events = [r["eventName"] for r in service_events(server, first["ARN"])]
    assert events == ["RotationStarted", "RotationSucceeded"]


def test_a_scheduled_rotation_runs_when_its_window_opens_and_only_once(
    server: InProcessServer, sm: Any
) -> None:
    name = new_name()
    first = sm.create_secret(Name=name, SecretString="original")
    function = make_function(server)
    sm.rotate_secret(SecretId=name, RotationLambdaARN=function, RotateImmediately=False,
                     RotationRules={"ScheduleExpression": "cron(0 16 * * ? *)",
                                    "Duration": "2h"})  # fmt: skip
    described = sm.describe_secret(SecretId=name)
    opens = server.clock.now().replace(hour=16, minute=0)
    if opens <= server.clock.now():
        opens += dt.timedelta(days=1)
    assert described["NextRotationDate"] == opens + dt.timedelta(hours=2)
    assert described["VersionIdsToStages"] == {first["VersionId"]: ["AWSCURRENT"]}
    server.clock.advance((opens - server.clock.now()).total_seconds() - 60)
    settle(server)
    assert sm.get_secret_value(SecretId=name)["VersionId"] == first["VersionId"]
    server.clock.advance(120)
    settle(server)
    rotated = sm.describe_secret(SecretId=name)
    assert rotated["LastRotatedDate"] == server.clock.now()
    assert rotated["NextRotationDate"] == opens + dt.timedelta(days=1, hours=2)
    current = sm.get_secret_value(SecretId=name)["VersionId"]
    assert current != first["VersionId"]
    settle(server)  # nothing due until the next window
    assert sm.get_secret_value(SecretId=name)["VersionId"] == current


def test_a_failing_step_leaves_awscurrent_reports_the_error_and_is_retried(
    server: InProcessServer, sm: Any
) -> None:
    name = new_name()
    first = sm.create_secret(Name=name, SecretString="original")
    broken = make_function(server, fail="testSecret")
    token = sm.rotate_secret(SecretId=name, RotationLambdaARN=broken)["VersionId"]
    settle(server)
    described = sm.describe_secret(SecretId=name)
    # AWSCURRENT unchanged; the new version, filled by createSecret, left AWSPENDING.
    assert described["VersionIdsToStages"] == {
        first["VersionId"]: ["AWSCURRENT"],
        token: ["AWSPENDING"],
    }
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "original"
    assert "LastRotatedDate" not in described
    failed = service_events(server, first["ARN"])[-1]
    assert failed["eventName"] == "RotationFailed"
    assert failed["userIdentity"] == {"accountId": server.account_id,
                                      "invokedBy": "secretsmanager.amazonaws.com"}  # fmt: skip
    assert failed["additionalEventData"]["RotationStep"] == "testSecret"
    assert failed["additionalEventData"]["FunctionError"] == "RuntimeError"
    # A new rotation waits for the unfinished one, which is reattempted.
    with pytest.raises(ClientError) as caught:
        sm.rotate_secret(SecretId=name)
    assert error_of(caught) == (
        "InvalidRequestException",
        "A previous rotation isn't complete. That rotation will be reattempted.",
    )
    server.client("lambda").update_function_configuration(
        FunctionName=broken, Environment={"Variables": {}}
    )
    settle(server)  # not yet: the retry waits an hour
    assert sm.get_secret_value(SecretId=name)["VersionId"] == first["VersionId"]
    server.clock.advance(3600)
    settle(server)
    assert sm.get_secret_value(SecretId=name)["VersionId"] == token
    assert service_events(server, first["ARN"])[-1]["eventName"] == "RotationSucceeded"


def test_a_rotation_failing_five_times_waits_until_rotate_secret_asks_again(
    server: InProcessServer, sm: Any
) -> None:
    name = new_name()
    first = sm.create_secret(Name=name, SecretString="original")
    broken = make_function(server, fail="setSecret")
    token = sm.rotate_secret(SecretId=name, RotationLambdaARN=broken)["VersionId"]

    def failed_steps() -> list[str]:
        return [r["additionalEventData"]["RotationStep"]
                for r in service_events(server, first["ARN"])
                if r["eventName"] == "RotationFailed"]  # fmt: skip

    settle(server)
    for attempt, hours in enumerate((1, 2, 4, 8), start=1):  # the retries' back-off
        server.clock.advance(hours * 3600 - 1)
        settle(server)
        assert len(failed_steps()) == attempt
        server.clock.advance(1)
        settle(server)
        assert len(failed_steps()) == attempt + 1
    assert failed_steps() == ["setSecret"] * 5
    server.clock.advance(30 * 86400)
    settle(server)
    assert len(failed_steps()) == 5  # no rules, so no window: given up
    assert sm.get_secret_value(SecretId=name)["VersionId"] == first["VersionId"]
    server.client("lambda").update_function_configuration(
        FunctionName=broken, Environment={"Variables": {}}
    )
    with pytest.raises(ClientError) as caught:
        sm.rotate_secret(SecretId=name)
    assert error_of(caught)[0] == "InvalidRequestException"  # "... will be reattempted."
    settle(server)  # and so it is, with its own version id
    assert sm.get_secret_value(SecretId=name)["VersionId"] == token


def test_cancel_turns_rotation_off_and_names_the_unfinished_version(
    server: InProcessServer, sm: Any
) -> None:
    name = new_name()
    sm.create_secret(Name=name, SecretString="original")
    function = make_function(server)
    token = sm.rotate_secret(SecretId=name, RotationLambdaARN=function,
                             RotationRules={"AutomaticallyAfterDays": 1})["VersionId"]  # fmt: skip
    cancelled = sm.cancel_rotate_secret(SecretId=name)
    assert cancelled["VersionId"] == token
    settle(server)  # the cancelled rotation does not run
    described = sm.describe_secret(SecretId=name)
    assert described["RotationEnabled"] is False
    assert "NextRotationDate" not in described
    assert described["RotationLambdaARN"] == function
    assert described["VersionIdsToStages"][token] == ["AWSPENDING"]
    # The caller cleans up the version, as the API reference says, and rotates again.
    sm.update_secret_version_stage(SecretId=name, VersionStage="AWSPENDING",
                                   RemoveFromVersionId=token)  # fmt: skip
    again = sm.rotate_secret(SecretId=name)["VersionId"]
    settle(server)
    assert sm.get_secret_value(SecretId=name)["VersionId"] == again


def test_the_caller_needs_lambda_invoke_function_on_the_rotation_function(
    server: InProcessServer, sm: Any
) -> None:
    name = new_name()
    made = sm.create_secret(Name=name, SecretString="original")
    function = make_function(server)
    only_secrets = user_with(server, allow(["secretsmanager:RotateSecret"], made["ARN"]))
    with pytest.raises(ClientError) as caught:
        server.client("secretsmanager", only_secrets).rotate_secret(
            SecretId=name, RotationLambdaARN=function
        )
    assert error_of(caught)[0] == "AccessDeniedException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    both = user_with(server, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "secretsmanager:RotateSecret", "Resource": made["ARN"]},
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": function},
    ]})  # fmt: skip
    rotated = server.client("secretsmanager", both).rotate_secret(
        SecretId=name, RotationLambdaARN=function
    )
    assert rotated["Name"] == name
    # Without RotationLambdaARN the stored function is the one the caller needs.
    settle(server)
    with pytest.raises(ClientError) as caught:
        server.client("secretsmanager", only_secrets).rotate_secret(SecretId=name)
    assert error_of(caught)[0] == "AccessDeniedException"


def test_a_due_rotation_and_one_not_run_yet_survive_a_restart(tmp_path: Path) -> None:
    rotator = Rotator()
    data = tmp_path / "data"
    clock = FakeClock(START)
    with InProcessServer(data, clock=clock, sandbox=FakeBackend({HANDLER: rotator.handler})) as one:
        rotator.server = one
        runner(one).stop()  # nothing runs before the restart
        sm = one.client("secretsmanager")
        function = make_function(one)
        scheduled, started = new_name(), new_name()
        first = sm.create_secret(Name=scheduled, SecretString="original")
        sm.rotate_secret(SecretId=scheduled, RotationLambdaARN=function, RotateImmediately=False,
                         RotationRules={"ScheduleExpression": "rate(1 days)"})  # fmt: skip
        described = sm.describe_secret(SecretId=scheduled)
        assert described["NextRotationDate"] == dt.datetime(2026, 3, 3, 23, 59, 59,
                                                            tzinfo=dt.UTC)  # fmt: skip
        sm.create_secret(Name=started, SecretString="original")
        token = sm.rotate_secret(SecretId=started, RotationLambdaARN=function)["VersionId"]
    clock.advance(86400)  # down while the window opened
    two = InProcessServer(data, clock=clock, sandbox=FakeBackend({HANDLER: rotator.handler}))
    with two:
        rotator.server = two
        settle(two)
        sm = two.client("secretsmanager")
        assert sm.get_secret_value(SecretId=scheduled)["VersionId"] != first["VersionId"]
        assert sm.describe_secret(SecretId=scheduled)["LastRotatedDate"] == clock.now()
        # The rotation RotateSecret started goes on with its own version id.
        assert sm.get_secret_value(SecretId=started)["VersionId"] == token
        assert settle(two) == 0  # each ran once


def test_two_rounds_at_once_never_rotate_one_secret_twice(
    server: InProcessServer, sm: Any, rotator: Rotator
) -> None:
    name = new_name()
    made = sm.create_secret(Name=name, SecretString="original")
    token = sm.rotate_secret(SecretId=name, RotationLambdaARN=make_function(server))["VersionId"]
    rounds = runner(server)

    async def both() -> list[int]:
        return list(await asyncio.gather(rounds.run_due(), rounds.run_due()))

    before = len(rotator.events)
    started = server.on_loop(both)
    assert min(started) == 0  # the second round found the secret already being rotated
    steps = [e["Step"] for e in rotator.events[before:] if e["SecretId"] == made["ARN"]]
    assert steps == ["createSecret", "setSecret", "testSecret", "finishSecret"]
    assert sm.get_secret_value(SecretId=name)["VersionId"] == token
