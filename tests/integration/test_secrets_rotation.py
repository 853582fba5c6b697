"""Secret rotation over a running server: a rotation function written as AWS's templates write
them (tests/support/rotation_template.py, deployed as lambda_function.py with boto3 calling
back under its execution role) rotates a secret immediately and on schedule; a failing
testSecret leaves AWSCURRENT unchanged and is reported (CloudTrail's RotationFailed).

The schedule: RotateImmediately false with `rate(1 days)` set while the server runs two days in
the past (libfaketime, for that server and the CLI that calls it); the next window then opens
at a midnight already gone on the real clock, so the server started again on the real clock
rotates the secret with no request, as AWS rotates a secret whose window opened."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_signature_expiry import LIBFAKETIME
from tests.support.aws_cli import cli
from tests.support.packages import make_zip
from tests.support.server import REPO, RunningServer, start_server

pytestmark = pytest.mark.integration

TEMPLATE = (REPO / "tests" / "support" / "rotation_template.py").read_text()
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}  # fmt: skip
ROLE_POLICY = {  # the guide's policy for a rotation function's execution role
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Resource": "*", "Action": [
            "secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue",
            "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"]},
        {"Effect": "Allow", "Action": "secretsmanager:GetRandomPassword", "Resource": "*"},
    ],
}  # fmt: skip
TWO_DAYS_AGO = {
    "LD_PRELOAD": str(LIBFAKETIME),
    "FAKETIME": "-2d",
    "FAKETIME_DONT_FAKE_MONOTONIC": "1",  # timeouts and sleeps keep real time
}
WAIT_S = 90.0


def deploy(server: RunningServer, fail: str = "") -> str:
    iam, lam = server.client("iam"), server.client("lambda")
    role_name = f"rotation-{uuid.uuid4().hex[:8]}"
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.put_role_policy(RoleName=role_name, PolicyName="rotation",
                        PolicyDocument=json.dumps(ROLE_POLICY))  # fmt: skip
    name = f"rotator-{uuid.uuid4().hex[:8]}"
    lam.create_function(
        FunctionName=name, Runtime="python3.11", Role=role["Role"]["Arn"],
        Handler="lambda_function.lambda_handler", Timeout=30,
        Code={"ZipFile": make_zip({"lambda_function.py": TEMPLATE})},
        Environment={"Variables": {"FAIL_STEP": fail}},
    )  # fmt: skip
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    lam.add_permission(FunctionName=name, StatementId="secrets", Action="lambda:InvokeFunction",
                       Principal="secretsmanager.amazonaws.com")  # fmt: skip
    return str(lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"])


def until(check: Any, what: str) -> Any:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def current_version(sm: Any, name: str) -> str:
    return str(sm.get_secret_value(SecretId=name)["VersionId"])


def test_a_template_function_rotates_a_secret_under_its_execution_role(
    server: RunningServer,
) -> None:
    sm = server.client("secretsmanager")
    function = deploy(server)
    name = f"rotated/{uuid.uuid4().hex[:8]}"
    first = sm.create_secret(Name=name, SecretString="first-password")
    token = sm.rotate_secret(SecretId=name, RotationLambdaARN=function,
                             RotationRules={"AutomaticallyAfterDays": 30})["VersionId"]  # fmt: skip
    described = until(
        lambda: (found := sm.describe_secret(SecretId=name)).get("LastRotatedDate") and found,
        "the rotation to finish",
    )
    assert described["VersionIdsToStages"] == {
        first["VersionId"]: ["AWSPREVIOUS"],
        token: ["AWSCURRENT"],
    }
    assert described["RotationEnabled"] is True
    assert described["RotationRules"] == {"AutomaticallyAfterDays": 30}
    assert described["NextRotationDate"] > described["LastRotatedDate"]
    new = sm.get_secret_value(SecretId=name)["SecretString"]
    assert new != "first-password"
    assert len(new) == 32  # GetRandomPassword's default length
    previous = sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")
    assert previous["SecretString"] == "first-password"


def test_a_failing_test_secret_leaves_awscurrent_and_is_reported(server: RunningServer) -> None:
    sm, trail = server.client("secretsmanager"), server.client("cloudtrail")
    function = deploy(server, fail="testSecret")
    name = f"rotated/{uuid.uuid4().hex[:8]}"
    first = sm.create_secret(Name=name, SecretString="kept-password")
    token = sm.rotate_secret(SecretId=name, RotationLambdaARN=function)["VersionId"]

    def reported() -> list[dict[str, Any]]:
        events = trail.lookup_events(
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "RotationFailed"}]
        )["Events"]
        records = [json.loads(e["CloudTrailEvent"]) for e in events]
        return [r for r in records if r["additionalEventData"]["SecretId"] == first["ARN"]]

    [failed] = until(reported, "RotationFailed")
    assert failed["eventType"] == "AwsServiceEvent"
    assert failed["userIdentity"]["invokedBy"] == "secretsmanager.amazonaws.com"
    assert failed["additionalEventData"]["RotationStep"] == "testSecret"
    assert failed["additionalEventData"]["FunctionError"] == "RuntimeError"
    assert "kept-password" not in json.dumps(failed)
    assert current_version(sm, name) == first["VersionId"]
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "kept-password"
    stages = sm.describe_secret(SecretId=name)["VersionIdsToStages"]
    assert stages == {first["VersionId"]: ["AWSCURRENT"], token: ["AWSPENDING"]}
    with pytest.raises(sm.exceptions.InvalidRequestException):
        sm.rotate_secret(SecretId=name)
    # The error's message is in the function's own log group, where AWS's guide looks first.
    logs, group = server.client("logs"), f"/aws/lambda/{function.rsplit(':', 1)[-1]}"

    def logged() -> bool:
        events = logs.filter_log_events(logGroupName=group)["events"]
        return any("testSecret could not reach the service" in e["message"] for e in events)

    until(logged, "the function's error in its log group")


def in_the_past(server: RunningServer, *args: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "awscli", *args, "--output", "json"],
        env=server.cli_env() | TWO_DAYS_AGO, capture_output=True, text=True, timeout=120,
        check=False, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else None


def test_a_rotation_runs_on_schedule_once_its_window_opens(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    package = tmp_path / "rotation.zip"
    package.write_bytes(make_zip({"lambda_function.py": TEMPLATE}))
    name = f"scheduled/{uuid.uuid4().hex[:8]}"
    # Everything in the past goes through the CLI under the same faked clock (signatures and
    # the server's own certificate agree on the date). No function network: the network
    # tools' bounded waits do not work under a faked clock, and nothing runs in the past.
    past = start_server(data_dir, None, "--function-network", "none", env_extra=TWO_DAYS_AGO)
    try:
        role = in_the_past(
            past,
            "iam",
            "create-role",
            "--role-name",
            "rotation",
            "--assume-role-policy-document",
            json.dumps(TRUST),
        )["Role"]["Arn"]
        in_the_past(
            past,
            "iam",
            "put-role-policy",
            "--role-name",
            "rotation",
            "--policy-name",
            "rotation",
            "--policy-document",
            json.dumps(ROLE_POLICY),
        )
        function = in_the_past(
            past,
            "lambda",
            "create-function",
            "--function-name",
            "rotator",
            "--runtime",
            "python3.11",
            "--handler",
            "lambda_function.lambda_handler",
            "--role",
            role,
            "--timeout",
            "30",
            "--zip-file",
            f"fileb://{package}",
        )["FunctionArn"]
        in_the_past(
            past,
            "lambda",
            "add-permission",
            "--function-name",
            "rotator",
            "--statement-id",
            "secrets",
            "--action",
            "lambda:InvokeFunction",
            "--principal",
            "secretsmanager.amazonaws.com",
        )
        first = in_the_past(
            past, "secretsmanager", "create-secret", "--name", name, "--secret-string", "day-one"
        )
        in_the_past(
            past,
            "secretsmanager",
            "rotate-secret",
            "--secret-id",
            name,
            "--rotation-lambda-arn",
            function,
            "--no-rotate-immediately",
            "--rotation-rules",
            '{"ScheduleExpression": "rate(1 days)"}',
        )
        planned = in_the_past(past, "secretsmanager", "describe-secret", "--secret-id", name)
        assert planned["RotationEnabled"] is True
        assert "LastRotatedDate" not in planned
        assert planned["VersionIdsToStages"] == {first["VersionId"]: ["AWSCURRENT"]}
    finally:
        assert past.stop() == 0
    server = start_server(data_dir)  # the real clock: the window opened yesterday
    try:
        sm = server.client("secretsmanager")
        described = until(
            lambda: (found := sm.describe_secret(SecretId=name)).get("LastRotatedDate") and found,
            "the scheduled rotation",
        )
        assert current_version(sm, name) != first["VersionId"]
        assert described["LastRotatedDate"].timestamp() > time.time() - WAIT_S - 60
        assert described["NextRotationDate"] > described["LastRotatedDate"]
        assert sm.get_secret_value(SecretId=name)["SecretString"] != "day-one"
        previous = sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")
        assert previous["VersionId"] == first["VersionId"]
        # CancelRotateSecret through the CLI: rotation off, the function and rules kept.
        cancelled = cli(server, "secretsmanager", "cancel-rotate-secret", "--secret-id", name)
        assert cancelled["Name"] == name
        after = cli(server, "secretsmanager", "describe-secret", "--secret-id", name)
        assert after["RotationEnabled"] is False
        assert "NextRotationDate" not in after
        assert after["RotationLambdaARN"] == function
    finally:
        assert server.stop() == 0
