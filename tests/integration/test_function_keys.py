"""Functions' environment variables under the key service: the function's KMSKeyArn (or the
account's aws/lambda key), Lambda's KMS errors while the key cannot be used and recovery once it
can; and the encryption helper flow (a pipeline encrypts, only the function's role decrypts)."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.test_execution_roles import LAMBDA_TRUST, create, make_role, unique
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration

SHOW_ENV = """
import os

def handler(event, context):
    return os.environ.get("SECRET_VALUE")
"""

DECRYPT_ENV = """
import base64, os
import boto3
from botocore.exceptions import ClientError

def handler(event, context):
    kms = boto3.client("kms")
    try:
        reply = kms.decrypt(
            CiphertextBlob=base64.b64decode(os.environ["ENCRYPTED"]),
            EncryptionContext={"LambdaFunctionName": os.environ["AWS_LAMBDA_FUNCTION_NAME"]},
        )
    except ClientError as e:
        return {"error": e.response["Error"]["Code"]}
    return {"plaintext": reply["Plaintext"].decode()}
"""

# Environments notice a key's new state within the 1 s cache of opened variables.
SETTLE_S = 1.3


def basic_role(server: RunningServer) -> str:
    return f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution"


def invoke(server: RunningServer, name: str) -> Any:
    reply = server.client("lambda").invoke(FunctionName=name, Payload=b"{}")
    assert "FunctionError" not in reply, reply["Payload"].read()
    return json.loads(reply["Payload"].read())


def invoke_error(server: RunningServer, name: str) -> tuple[str, int]:
    with pytest.raises(ClientError) as exc:
        server.client("lambda").invoke(FunctionName=name, Payload=b"{}")
    return exc.value.response["Error"]["Code"], exc.value.response["ResponseMetadata"][
        "HTTPStatusCode"
    ]


def test_a_customer_key_protects_the_variables_and_its_state_governs_invocations(
    server: RunningServer,
) -> None:
    kms, lam = server.client("kms"), server.client("lambda")
    key_arn = kms.create_key(Description="function env")["KeyMetadata"]["Arn"]
    name = unique("cmk")
    secret = f"canary-{uuid.uuid4().hex}"
    create(server, name, basic_role(server), SHOW_ENV, KMSKeyArn=key_arn,
           Environment={"Variables": {"SECRET_VALUE": secret}})  # fmt: skip
    shown = lam.get_function_configuration(FunctionName=name)
    assert shown["KMSKeyArn"] == key_arn
    assert shown["Environment"]["Variables"] == {"SECRET_VALUE": secret}
    assert invoke(server, name) == secret

    kms.disable_key(KeyId=key_arn)
    time.sleep(SETTLE_S)
    assert invoke_error(server, name) == ("KMSDisabledException", 502)
    error = lam.get_function_configuration(FunctionName=name)["Environment"]["Error"]
    assert error["ErrorCode"] == "KMSDisabledException"
    assert "Variables" not in lam.get_function_configuration(FunctionName=name)["Environment"]

    kms.enable_key(KeyId=key_arn)
    time.sleep(SETTLE_S)
    assert invoke(server, name) == secret

    kms.schedule_key_deletion(KeyId=key_arn, PendingWindowInDays=7)
    time.sleep(SETTLE_S)
    assert invoke_error(server, name) == ("KMSInvalidStateException", 502)
    kms.cancel_key_deletion(KeyId=key_arn)  # back to Disabled, as in AWS
    time.sleep(SETTLE_S)
    assert invoke_error(server, name) == ("KMSDisabledException", 502)
    kms.enable_key(KeyId=key_arn)
    time.sleep(SETTLE_S)
    assert invoke(server, name) == secret


def test_a_key_policy_that_denies_the_role_stops_the_function(server: RunningServer) -> None:
    kms = server.client("kms")
    key_arn = kms.create_key()["KeyMetadata"]["Arn"]
    name = unique("deny")
    create(server, name, basic_role(server), SHOW_ENV, KMSKeyArn=key_arn,
           Environment={"Variables": {"SECRET_VALUE": "v"}})  # fmt: skip
    assert invoke(server, name) == "v"
    policy = json.loads(kms.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"])
    policy["Statement"].append({
        "Effect": "Deny", "Principal": {"AWS": basic_role(server)}, "Action": "kms:Decrypt",
        "Resource": "*",
    })  # fmt: skip
    kms.put_key_policy(KeyId=key_arn, PolicyName="default", Policy=json.dumps(policy))
    time.sleep(SETTLE_S)
    assert invoke_error(server, name) == ("KMSAccessDeniedException", 502)


def test_keys_that_cannot_be_used_are_refused_when_configuring(server: RunningServer) -> None:
    kms = server.client("kms")
    disabled = kms.create_key()["KeyMetadata"]["Arn"]
    kms.disable_key(KeyId=disabled)
    missing = f"arn:aws:kms:{server.region}:{server.account_id}:key/{uuid.uuid4()}"
    for key_arn in (disabled, missing):
        with pytest.raises(ClientError) as exc:
            create(server, unique("bad"), basic_role(server), SHOW_ENV, KMSKeyArn=key_arn,
                   Environment={"Variables": {"NAME": "b"}})  # fmt: skip
        assert exc.value.response["Error"]["Code"] == "InvalidParameterValueException", (
            exc.value.response["Error"]
        )
        assert "KMS key" in exc.value.response["Error"]["Message"]


def test_without_a_key_the_accounts_aws_lambda_key_is_used(server: RunningServer) -> None:
    lam, kms = server.client("lambda"), server.client("kms")
    name = unique("default")
    create(server, name, basic_role(server), SHOW_ENV,
           Environment={"Variables": {"SECRET_VALUE": "plain-default"}})  # fmt: skip
    assert invoke(server, name) == "plain-default"
    aliases = {a["AliasName"] for a in kms.list_aliases()["Aliases"]}
    assert "alias/aws/lambda" in aliases
    assert "KMSKeyArn" not in lam.get_function_configuration(FunctionName=name)
    # Moving the variables to a customer key, and back, keeps them.
    key_arn = kms.create_key()["KeyMetadata"]["Arn"]
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    lam.update_function_configuration(FunctionName=name, KMSKeyArn=key_arn)
    assert lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"] == {
        "SECRET_VALUE": "plain-default"
    }
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    lam.update_function_configuration(FunctionName=name, KMSKeyArn="")
    shown = lam.get_function_configuration(FunctionName=name)
    assert "KMSKeyArn" not in shown
    assert shown["Environment"]["Variables"] == {"SECRET_VALUE": "plain-default"}


def test_the_pipeline_encrypts_and_only_the_functions_role_decrypts(
    server: RunningServer,
) -> None:
    kms, sts = server.client("kms"), server.client("sts")
    key_arn = kms.create_key(Description="helper")["KeyMetadata"]["Arn"]
    account_trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                       "Principal": {"AWS": f"arn:aws:iam::{server.account_id}:root"}}],
    }  # fmt: skip
    pipeline = make_role(server, account_trust, {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "kms:Encrypt", "Resource": key_arn}],
    })  # fmt: skip
    function_role = make_role(server, LAMBDA_TRUST, {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn},
                      {"Effect": "Allow", "Action": "logs:*", "Resource": "*"}],
    })  # fmt: skip
    session = sts.assume_role(RoleArn=pipeline, RoleSessionName="ci")["Credentials"]
    as_pipeline = server.client(
        "kms",
        credentials=(session["AccessKeyId"], session["SecretAccessKey"]),
        aws_session_token=session["SessionToken"],
    )
    name = unique("helper")
    context = {"LambdaFunctionName": name}
    blob = as_pipeline.encrypt(KeyId=key_arn, Plaintext=b"db-password-42",
                               EncryptionContext=context)["CiphertextBlob"]  # fmt: skip
    with pytest.raises(ClientError) as exc:
        as_pipeline.decrypt(CiphertextBlob=blob, EncryptionContext=context)
    assert exc.value.response["Error"]["Code"] == "AccessDeniedException"

    encrypted = base64.b64encode(blob).decode()
    create(server, name, function_role, DECRYPT_ENV,
           Environment={"Variables": {"ENCRYPTED": encrypted}})  # fmt: skip
    shown = server.client("lambda").get_function_configuration(FunctionName=name)
    assert shown["Environment"]["Variables"]["ENCRYPTED"] == encrypted  # stored as given
    assert invoke(server, name) == {"plaintext": "db-password-42"}

    # The same value in a function under another role stays sealed.
    other = unique("helper")
    create(server, other, basic_role(server), DECRYPT_ENV.replace(
        'os.environ["AWS_LAMBDA_FUNCTION_NAME"]', repr(name)),
        Environment={"Variables": {"ENCRYPTED": encrypted}})  # fmt: skip
    assert invoke(server, other) == {"error": "AccessDeniedException"}


def test_lambdas_use_of_the_key_is_audited(server: RunningServer) -> None:
    kms = server.client("kms")
    key_arn = kms.create_key()["KeyMetadata"]["Arn"]
    name = unique("audited-key")
    secret = f"canary-{uuid.uuid4().hex}"
    create(server, name, basic_role(server), SHOW_ENV, KMSKeyArn=key_arn,
           Environment={"Variables": {"SECRET_VALUE": secret}})  # fmt: skip
    assert invoke(server, name) == secret
    kms.disable_key(KeyId=key_arn)
    time.sleep(SETTLE_S)
    assert invoke_error(server, name)[0] == "KMSDisabledException"
    kms.enable_key(KeyId=key_arn)

    events = server.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": key_arn}]
    )["Events"]
    records = [json.loads(e["CloudTrailEvent"]) for e in events]
    on_behalf = [r for r in records if r["userIdentity"].get("invokedBy") == "lambda.amazonaws.com"]
    function_arn = f"arn:aws:lambda:{server.region}:{server.account_id}:function:{name}"
    for record in on_behalf:
        assert record["eventSource"] == "kms.amazonaws.com"
        assert record["requestParameters"]["EncryptionContext"] == {
            "aws:lambda:FunctionArn": function_arn
        }
        assert secret not in json.dumps(record)
    encrypts = [r for r in on_behalf if r["eventName"] == "Encrypt"]
    assert [r["userIdentity"]["type"] for r in encrypts] == ["IAMUser"]  # for the deployer
    assert "lambdaRequestID" in encrypts[0]["additionalEventData"]  # CreateFunction's request
    decrypts = [r for r in on_behalf if r["eventName"] == "Decrypt"]
    by_role = [r for r in decrypts if r["userIdentity"]["type"] == "AssumedRole"]
    assert {r.get("errorCode") for r in by_role} == {None, "DisabledException"}
    assert all(
        r["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"] == basic_role(server)
        for r in by_role
    )
