"""STS through boto3 and the aws CLI: caller identity, AssumeRole and session credentials."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.integration.test_iam import LAMBDA_READ_ONLY, allow, document, error, new_user, unique
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration


def session_client(server: RunningServer, service: str, credentials: dict[str, Any]) -> Any:
    return boto3.client(
        service,
        endpoint_url=server.url,
        region_name=server.region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        verify=server.verify,
        config=Config(retries={"max_attempts": 1}),
    )


def trusted_role(server: RunningServer, principal_arn: str, **condition: Any) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": principal_arn},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    iam = server.client("iam")
    name = unique("role")
    arn: str = iam.create_role(RoleName=name, AssumeRolePolicyDocument=document(statement))["Role"][
        "Arn"
    ]
    iam.attach_role_policy(RoleName=name, PolicyArn=LAMBDA_READ_ONLY)
    return arn


def user_arn(server: RunningServer, user: str) -> str:
    return f"arn:aws:iam::{server.account_id}:user/{user}"


def test_get_caller_identity_names_the_admin(server: RunningServer) -> None:
    found = server.client("sts").get_caller_identity()
    assert found["Account"] == server.account_id
    assert found["Arn"] == user_arn(server, "stockade-admin")
    assert found["UserId"].startswith("AIDA")


def test_assume_role_gives_expiring_session_credentials(server: RunningServer) -> None:
    user, creds = new_user(server)
    role_arn = trusted_role(server, user_arn(server, user))
    before = datetime.now(UTC)
    assumed = server.client("sts", credentials=creds).assume_role(
        RoleArn=role_arn, RoleSessionName="work", DurationSeconds=900
    )
    credentials = assumed["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    expiry = credentials["Expiration"]
    assert before + timedelta(seconds=880) <= expiry <= before + timedelta(seconds=920)
    role_name = role_arn.rsplit("/", 1)[-1]
    session_arn = f"arn:aws:sts::{server.account_id}:assumed-role/{role_name}/work"
    assert assumed["AssumedRoleUser"]["Arn"] == session_arn

    me = session_client(server, "sts", credentials).get_caller_identity()
    assert me["Arn"] == session_arn
    assert me["UserId"].startswith("AROA")
    assert me["UserId"].endswith(":work")
    lam = session_client(server, "lambda", credentials)
    assert "Functions" in lam.list_functions()  # the role's policy allows reading
    with pytest.raises(ClientError) as denied:
        lam.delete_function(FunctionName="anything")
    assert error(denied)[1].startswith(f"User: {session_arn} is not authorized")


def test_a_tampered_or_missing_session_token_is_refused(server: RunningServer) -> None:
    user, creds = new_user(server)
    role_arn = trusted_role(server, user_arn(server, user))
    credentials = server.client("sts", credentials=creds).assume_role(
        RoleArn=role_arn, RoleSessionName="s1"
    )["Credentials"]
    token = credentials["SessionToken"]
    tampered = {**credentials, "SessionToken": token[:-2] + ("AA" if token[-2:] != "AA" else "BB")}
    with pytest.raises(ClientError) as refused:
        session_client(server, "sts", tampered).get_caller_identity()
    assert error(refused)[::2] == ("InvalidClientTokenId", 403)
    no_token = server.client(
        "sts", credentials=(credentials["AccessKeyId"], credentials["SecretAccessKey"])
    )
    with pytest.raises(ClientError) as missing:
        no_token.get_caller_identity()
    assert error(missing)[0] == "InvalidClientTokenId"


def test_a_session_policy_narrows_the_role(server: RunningServer) -> None:
    user, creds = new_user(server)
    role_arn = trusted_role(server, user_arn(server, user))
    credentials = server.client("sts", credentials=creds).assume_role(
        RoleArn=role_arn, RoleSessionName="narrow", Policy=document(allow("lambda:GetFunction"))
    )["Credentials"]
    with pytest.raises(ClientError) as denied:
        session_client(server, "lambda", credentials).list_functions()
    assert error(denied)[1].endswith(
        "because no session policy allows the lambda:ListFunctions action"
    )


def test_the_trust_policy_decides_who_may_assume(server: RunningServer) -> None:
    _user, creds = new_user(server, allow("sts:AssumeRole"))
    other, _ = new_user(server)
    role_arn = trusted_role(server, user_arn(server, other))
    with pytest.raises(ClientError) as denied:
        server.client("sts", credentials=creds).assume_role(RoleArn=role_arn, RoleSessionName="x1")
    code, message, status = error(denied)
    assert (code, status) == ("AccessDenied", 403)
    assert f"sts:AssumeRole on resource: {role_arn}" in message


def test_external_id_is_a_condition_key(server: RunningServer) -> None:
    user, creds = new_user(server)
    role_arn = trusted_role(
        server, user_arn(server, user), StringEquals={"sts:ExternalId": "secret-handshake"}
    )
    sts = server.client("sts", credentials=creds)
    with pytest.raises(ClientError):
        sts.assume_role(RoleArn=role_arn, RoleSessionName="x1", ExternalId="wrong-handshake")
    assert sts.assume_role(RoleArn=role_arn, RoleSessionName="x1", ExternalId="secret-handshake")


def test_duration_beyond_the_roles_maximum_is_refused(server: RunningServer) -> None:
    user, creds = new_user(server)
    role_arn = trusted_role(server, user_arn(server, user))
    with pytest.raises(ClientError) as refused:
        server.client("sts", credentials=creds).assume_role(
            RoleArn=role_arn, RoleSessionName="x1", DurationSeconds=7200
        )
    assert error(refused)[::2] == ("ValidationError", 400)


def test_the_aws_cli_speaks_iam_and_sts(server: RunningServer) -> None:
    def aws(*args: str) -> Any:
        done = subprocess.run(
            [sys.executable, "-m", "awscli", *args, "--output", "json"],
            env=server.cli_env(), capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else None

    assert aws("sts", "get-caller-identity")["Account"] == server.account_id
    name = unique("cli-user")
    assert aws("iam", "create-user", "--user-name", name)["User"]["UserName"] == name
    users = aws("iam", "list-users")["Users"]
    assert name in {u["UserName"] for u in users}
    aws("iam", "delete-user", "--user-name", name)


def test_a_role_deleted_and_created_again_does_not_revive_old_sessions(
    server: RunningServer,
) -> None:
    user, creds = new_user(server)
    trust = document(
        {
            "Effect": "Allow",
            "Principal": {"AWS": user_arn(server, user)},
            "Action": "sts:AssumeRole",
        }
    )
    iam = server.client("iam")
    name = unique("reborn")
    first_id = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["RoleId"]
    iam.attach_role_policy(RoleName=name, PolicyArn=LAMBDA_READ_ONLY)
    role_arn = f"arn:aws:iam::{server.account_id}:role/{name}"
    sts = server.client("sts", credentials=creds)
    old = sts.assume_role(RoleArn=role_arn, RoleSessionName="before")["Credentials"]
    old_sts, old_lambda = session_client(server, "sts", old), session_client(server, "lambda", old)
    assert old_sts.get_caller_identity()["UserId"] == f"{first_id}:before"
    assert "Functions" in old_lambda.list_functions()

    iam.detach_role_policy(RoleName=name, PolicyArn=LAMBDA_READ_ONLY)
    iam.delete_role(RoleName=name)
    second_id = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["RoleId"]
    iam.attach_role_policy(RoleName=name, PolicyArn=LAMBDA_READ_ONLY)
    assert second_id != first_id

    # The old session names a role that no longer exists: unknown credentials, in each
    # protocol's own words (query services and Lambda's REST-JSON).
    with pytest.raises(ClientError) as refused:
        old_sts.get_caller_identity()
    assert error(refused) == (
        "InvalidClientTokenId", "The security token included in the request is invalid.", 403
    )  # fmt: skip
    with pytest.raises(ClientError) as refused_lambda:
        old_lambda.list_functions()
    assert error(refused_lambda) == (
        "UnrecognizedClientException", "The security token included in the request is invalid.",
        403,
    )  # fmt: skip

    new = sts.assume_role(RoleArn=role_arn, RoleSessionName="after")["Credentials"]
    assert session_client(server, "sts", new).get_caller_identity()["UserId"] == (
        f"{second_id}:after"
    )
    assert "Functions" in session_client(server, "lambda", new).list_functions()
