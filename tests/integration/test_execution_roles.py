"""Execution roles: checked on CreateFunction, assumed for the function, and enforced on the
calls the function makes back to Stockade with them."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.packages import make_zip
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration

LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}  # fmt: skip

CALLER = """
import json, os
import boto3
from botocore.exceptions import ClientError

def handler(event, context):
    lam = boto3.client("lambda")
    out = {"key_prefix": os.environ["AWS_ACCESS_KEY_ID"][:4],
           "has_token": bool(os.environ.get("AWS_SESSION_TOKEN"))}
    for target in event["targets"]:
        try:
            reply = lam.invoke(FunctionName=target, Payload=b"{}")
            out[target] = json.loads(reply["Payload"].read())
        except ClientError as e:
            out[target] = e.response["Error"]["Code"]
    return out
"""


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def make_role(server: RunningServer, trust: dict[str, Any], policy: dict[str, Any] | None) -> str:
    iam = server.client("iam")
    name = unique("role")
    arn: str = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"][
        "Arn"
    ]
    if policy is not None:
        iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    return arn


def create(server: RunningServer, name: str, role: str, code: str, **extra: Any) -> None:
    lam = server.client("lambda")
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=role, Handler="app.handler",
                        Code={"ZipFile": make_zip({"app.py": code})}, Timeout=20,
                        **extra)  # fmt: skip


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


def test_role_must_exist_and_trust_lambda(server: RunningServer) -> None:
    lam = server.client("lambda")
    missing = f"arn:aws:iam::{server.account_id}:role/{unique('nope')}"
    untrusting = make_role(
        server,
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
            "Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        None,
    )  # fmt: skip
    for role in (missing, untrusting):
        with pytest.raises(ClientError) as exc:
            create(server, unique("fn"), role, "def handler(e, c):\n    return 1\n")
        assert error(exc) == (
            "InvalidParameterValueException",
            "The role defined for the function cannot be assumed by Lambda.",
        )
    with pytest.raises(ClientError):
        lam.get_function(FunctionName="never-created")


def test_passing_a_role_needs_iam_pass_role(server: RunningServer) -> None:
    iam = server.client("iam")
    user = unique("dev")
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="lambda-only", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "lambda:*", "Resource": "*"}],
    }))  # fmt: skip
    key = iam.create_access_key(UserName=user)["AccessKey"]
    lam = server.client("lambda", credentials=(key["AccessKeyId"], key["SecretAccessKey"]))
    role = make_role(server, LAMBDA_TRUST, None)
    with pytest.raises(ClientError) as exc:
        lam.create_function(FunctionName=unique("fn"), Runtime="python3.11", Role=role,
                            Handler="app.handler",
                            Code={"ZipFile": make_zip({"app.py": "x = 1\n"})})  # fmt: skip
    code, message = error(exc)
    assert code == "AccessDeniedException"
    assert f"is not authorized to perform: iam:PassRole on resource: {role}" in message


def test_function_role_credentials_allow_exactly_what_the_role_allows(
    server: RunningServer,
) -> None:
    target_b, target_c = unique("b"), unique("c")
    basic = f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution"
    for name in (target_b, target_c):
        create(server, name, basic, "def handler(e, c):\n    return 'hello from " + name + "'\n")
    b_arn = f"arn:aws:lambda:{server.region}:{server.account_id}:function:{target_b}"
    role = make_role(server, LAMBDA_TRUST, {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": b_arn}],
    })  # fmt: skip
    caller = unique("a")
    create(server, caller, role, CALLER)
    lam = server.client("lambda")
    reply = lam.invoke(
        FunctionName=caller, Payload=json.dumps({"targets": [target_b, target_c]}).encode()
    )
    body = json.loads(reply["Payload"].read())
    assert "FunctionError" not in reply, body
    assert body["key_prefix"] == "ASIA"
    assert body["has_token"] is True
    assert body[target_b] == f"hello from {target_b}"
    assert body[target_c] == "AccessDeniedException"


def test_basic_execution_role_cannot_call_the_api(server: RunningServer) -> None:
    name = unique("basic")
    basic = f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution"
    create(server, name, basic, CALLER)
    reply = server.client("lambda").invoke(
        FunctionName=name, Payload=json.dumps({"targets": [name]}).encode()
    )
    assert json.loads(reply["Payload"].read())[name] == "AccessDeniedException"


WHO_AM_I = """
import boto3
from botocore.exceptions import ClientError

def handler(event, context):
    try:
        return boto3.client("sts").get_caller_identity()["UserId"]
    except ClientError as e:
        return e.response["Error"]["Code"]
"""


def test_a_role_created_again_under_the_same_name_gets_fresh_sessions(
    server: RunningServer,
) -> None:
    iam, lam = server.client("iam"), server.client("lambda")
    role = make_role(server, LAMBDA_TRUST, None)
    role_name = role.rsplit("/", 1)[-1]
    first_id = iam.get_role(RoleName=role_name)["Role"]["RoleId"]
    name = unique("whoami")
    create(server, name, role, WHO_AM_I)
    reply = lam.invoke(FunctionName=name, Payload=b"{}")
    assert json.loads(reply["Payload"].read()) == f"{first_id}:{name}"

    iam.delete_role(RoleName=role_name)
    second_id = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(
        LAMBDA_TRUST))["Role"]["RoleId"]  # fmt: skip
    # As in AWS, a trivial configuration update replaces environments started with the old
    # role's credentials; the new ones must get a session of the new role, not a cached one.
    lam.update_function_configuration(FunctionName=name, Description="role re-created")
    reply = lam.invoke(FunctionName=name, Payload=b"{}")
    assert json.loads(reply["Payload"].read()) == f"{second_id}:{name}"
