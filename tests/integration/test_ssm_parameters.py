"""Parameter Store against a real server: boto3, the unmodified AWS CLI, and the plaintext
canary (no SecureString value on disk, in the server's log or in the audit trail, raw or
base64, while running and after a clean shutdown).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.integration.test_aws_cli import aws, aws_error
from tests.integration.test_encryption_at_rest import scan
from tests.integration.test_execution_roles import LAMBDA_TRUST, create, make_role, unique
from tests.support.server import RunningServer, running_server

pytestmark = pytest.mark.integration


def test_parameters_with_boto3(server: RunningServer) -> None:
    ssm, kms = server.client("ssm"), server.client("kms")
    base = f"/it/{uuid.uuid4().hex[:8]}"
    key = kms.create_key()["KeyMetadata"]
    ssm.put_parameter(Name=f"{base}/plain", Value="one", Type="String")
    ssm.put_parameter(Name=f"{base}/plain", Value="two", Overwrite=True)
    ssm.put_parameter(Name=f"{base}/secret", Value="s3cret", Type="SecureString",
                      KeyId=key["KeyId"])  # fmt: skip
    ssm.label_parameter_version(Name=f"{base}/plain", ParameterVersion=1, Labels=["first"])
    assert ssm.get_parameter(Name=f"{base}/plain:first")["Parameter"]["Value"] == "one"
    found = ssm.get_parameters_by_path(Path=base, WithDecryption=True)["Parameters"]
    assert {p["Name"]: p["Value"] for p in found} == {
        f"{base}/plain": "two", f"{base}/secret": "s3cret",
    }  # fmt: skip
    # The key disabled mid-way: the value stays encrypted until the key is enabled again.
    kms.disable_key(KeyId=key["KeyId"])
    with pytest.raises(ClientError) as caught:
        ssm.get_parameter(Name=f"{base}/secret", WithDecryption=True)
    assert caught.value.response["Error"]["Code"] == "InvalidKeyId"
    kms.enable_key(KeyId=key["KeyId"])
    assert (
        ssm.get_parameter(Name=f"{base}/secret", WithDecryption=True)["Parameter"]["Value"]
        == "s3cret"
    )
    history = ssm.get_parameter_history(Name=f"{base}/plain")["Parameters"]
    assert [(p["Version"], p["Labels"]) for p in history] == [(1, ["first"]), (2, [])]
    deleted = ssm.delete_parameters(Names=[f"{base}/plain", f"{base}/secret"])
    assert sorted(deleted["DeletedParameters"]) == [f"{base}/plain", f"{base}/secret"]


def test_parameters_with_the_aws_cli(server: RunningServer) -> None:
    base = f"/cli/{uuid.uuid4().hex[:8]}"
    put = aws(server, "ssm", "put-parameter", "--name", f"{base}/db/password",
              "--value", "cli-secret", "--type", "SecureString", endpoint=True)  # fmt: skip
    assert put == {"Version": 1, "Tier": "Standard"}
    aws(server, "ssm", "put-parameter", "--name", f"{base}/db/host", "--value", "db.local",
        "--type", "String", "--tags", "Key=team,Value=data", endpoint=True)  # fmt: skip
    got = aws(server, "ssm", "get-parameter", "--name", f"{base}/db/password",
              "--with-decryption", endpoint=True)  # fmt: skip
    assert got["Parameter"]["Value"] == "cli-secret"
    hidden = aws(server, "ssm", "get-parameter", "--name", f"{base}/db/password", endpoint=True)
    assert hidden["Parameter"]["Value"] != "cli-secret"
    # The CLI pages GetParametersByPath itself (MaxResults 1: one page per parameter).
    by_path = aws(server, "ssm", "get-parameters-by-path", "--path", base, "--recursive",
                  "--page-size", "1", endpoint=True)  # fmt: skip
    assert sorted(p["Name"] for p in by_path["Parameters"]) == [
        f"{base}/db/host", f"{base}/db/password",
    ]  # fmt: skip
    described = aws(server, "ssm", "describe-parameters", "--parameter-filters",
                    f"Key=Path,Option=Recursive,Values={base}", endpoint=True)  # fmt: skip
    assert {p["Name"]: p["Type"] for p in described["Parameters"]} == {
        f"{base}/db/host": "String", f"{base}/db/password": "SecureString",
    }  # fmt: skip
    tags = aws(server, "ssm", "list-tags-for-resource", "--resource-type", "Parameter",
               "--resource-id", f"{base}/db/host", endpoint=True)  # fmt: skip
    assert tags["TagList"] == [{"Key": "team", "Value": "data"}]
    stderr = aws_error(server, "ssm", "get-parameter", "--name", f"{base}/nothing",
                       "--endpoint-url", server.url)  # fmt: skip
    assert "ParameterNotFound" in stderr
    aws(server, "ssm", "delete-parameter", "--name", f"{base}/db/host", endpoint=True)
    stderr = aws_error(server, "ssm", "delete-parameter", "--name", f"{base}/db/host",
                       "--endpoint-url", server.url)  # fmt: skip
    assert "ParameterNotFound" in stderr


READER = """
import boto3
from botocore.exceptions import ClientError

def handler(event, context):
    ssm = boto3.client("ssm")
    try:
        got = ssm.get_parameter(Name=event["name"], WithDecryption=True)
        return {"value": got["Parameter"]["Value"]}
    except ClientError as e:
        return {"error": e.response["Error"]["Code"]}
"""


def test_a_function_reads_a_secure_string_under_its_execution_role(server: RunningServer) -> None:
    ssm, lam = server.client("ssm"), server.client("lambda")
    name = f"/fn/{uuid.uuid4().hex[:8]}/db-password"
    ssm.put_parameter(Name=name, Value="from-inside", Type="SecureString")
    arn = f"arn:aws:ssm:{server.region}:{server.account_id}:parameter{name}"
    allowed = make_role(server, LAMBDA_TRUST, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": arn}]})  # fmt: skip
    bare = make_role(server, LAMBDA_TRUST, None)
    answers = {}
    for label, role in (("allowed", allowed), ("bare", bare)):
        function = unique(f"reader-{label}")
        create(server, function, role, READER)
        lam.get_waiter("function_active_v2").wait(FunctionName=function)
        reply = lam.invoke(FunctionName=function, Payload=json.dumps({"name": name}))
        answers[label] = json.loads(reply["Payload"].read())
    # Under aws/ssm the role needs ssm:GetParameter only; without it: denied.
    assert answers == {"allowed": {"value": "from-inside"},
                       "bare": {"error": "AccessDeniedException"}}  # fmt: skip


def test_no_secure_string_reaches_disk_logs_or_audit(tmp_path: Path) -> None:
    canaries = {kind: f"ssm-canary-{kind}-{uuid.uuid4().hex}" for kind in
                ("standard", "advanced", "older", "customer")}  # fmt: skip
    canaries["advanced"] = canaries["advanced"] + "x" * 5000  # an 8 KB-tier value
    data_dir = tmp_path / "data"
    with running_server(data_dir) as server:
        ssm, kms = server.client("ssm"), server.client("kms")
        key = kms.create_key()["KeyMetadata"]["KeyId"]
        ssm.put_parameter(Name="/canary/older", Value=canaries["older"], Type="SecureString")
        ssm.put_parameter(Name="/canary/older", Value="newer", Overwrite=True)
        ssm.put_parameter(Name="/canary/standard", Value=canaries["standard"],
                          Type="SecureString")  # fmt: skip
        ssm.put_parameter(Name="/canary/advanced", Value=canaries["advanced"],
                          Type="SecureString", Tier="Advanced")  # fmt: skip
        ssm.put_parameter(Name="/canary/customer", Value=canaries["customer"],
                          Type="SecureString", KeyId=key)  # fmt: skip
        # Read back every way there is (each read is audited, as CloudTrail does).
        found = ssm.get_parameters_by_path(Path="/canary", WithDecryption=True)["Parameters"]
        assert {p["Value"] for p in found} >= {canaries["standard"], canaries["customer"]}
        history = ssm.get_parameter_history(Name="/canary/older", WithDecryption=True)
        assert history["Parameters"][0]["Value"] == canaries["older"]
        got = ssm.get_parameters(Names=["/canary/advanced"], WithDecryption=True)
        assert got["Parameters"][0]["Value"] == canaries["advanced"]
        log_path = server.log_path
        assert scan(data_dir, canaries) == {}
    assert scan(data_dir, canaries) == {}
    log = log_path.read_bytes()
    assert not [kind for kind, canary in canaries.items() if canary.encode()[:40] in log]
