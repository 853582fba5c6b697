"""Secrets Manager over a running server: boto3 and the `aws` CLI through every operation, and
a canary value that never reaches the data dir, the server's log or the audit trail in
plaintext (nor base64)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.test_encryption_at_rest import encodings, scan
from tests.support.server import RunningServer, running_server

pytestmark = pytest.mark.integration


def aws(server: RunningServer, *args: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "awscli", *args, "--output", "json"],
        env=server.cli_env(), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else None


def aws_error(server: RunningServer, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "awscli", *args, "--output", "json"],
        env=server.cli_env(), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    return done.stderr


def test_boto3_through_a_secrets_life(server: RunningServer) -> None:
    sm, kms = server.client("secretsmanager"), server.client("kms")
    name = f"it/{uuid.uuid4().hex[:8]}"
    key = kms.create_key()["KeyMetadata"]["Arn"]
    made = sm.create_secret(Name=name, SecretString='{"user":"app","password":"p1"}',
                            KmsKeyId=key, Tags=[{"Key": "team", "Value": "red"}])  # fmt: skip
    assert json.loads(sm.get_secret_value(SecretId=made["ARN"])["SecretString"])["user"] == "app"
    pending = sm.put_secret_value(SecretId=name, SecretString="p2", VersionStages=["AWSPENDING"])
    sm.update_secret_version_stage(SecretId=name, VersionStage="AWSCURRENT",
                                   MoveToVersionId=pending["VersionId"],
                                   RemoveFromVersionId=made["VersionId"])  # fmt: skip
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "p2"
    assert sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")["SecretString"] != "p2"
    kms.disable_key(KeyId=key)
    with pytest.raises(ClientError) as caught:
        sm.get_secret_value(SecretId=name)
    assert caught.value.response["Error"]["Code"] == "DecryptionFailure"
    kms.enable_key(KeyId=key)
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "p2"
    sm.delete_secret(SecretId=name, RecoveryWindowInDays=7)
    sm.restore_secret(SecretId=name)
    listed = sm.list_secrets(Filters=[{"Key": "tag-value", "Values": ["red"]}])["SecretList"]
    assert name in [s["Name"] for s in listed]
    sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    with pytest.raises(ClientError) as caught:
        sm.describe_secret(SecretId=name)
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_the_aws_cli_through_a_secrets_life(server: RunningServer) -> None:
    name = f"cli/{uuid.uuid4().hex[:8]}"
    made = aws(server, "secretsmanager", "create-secret", "--name", name,
               "--secret-string", "from-the-cli", "--description", "cli")  # fmt: skip
    got = aws(server, "secretsmanager", "get-secret-value", "--secret-id", name)
    assert (got["SecretString"], got["ARN"]) == ("from-the-cli", made["ARN"])
    aws(server, "secretsmanager", "put-secret-value", "--secret-id", name,
        "--secret-string", "second")  # fmt: skip
    versions = aws(server, "secretsmanager", "list-secret-version-ids", "--secret-id", name)
    assert sorted(s for v in versions["Versions"] for s in v["VersionStages"]) == [
        "AWSCURRENT",
        "AWSPREVIOUS",
    ]
    aws(server, "secretsmanager", "tag-resource", "--secret-id", name,
        "--tags", "Key=env,Value=test")  # fmt: skip
    described = aws(server, "secretsmanager", "describe-secret", "--secret-id", name)
    assert described["Tags"] == [{"Key": "env", "Value": "test"}]
    password = aws(server, "secretsmanager", "get-random-password", "--password-length", "20",
                   "--exclude-punctuation")["RandomPassword"]  # fmt: skip
    assert len(password) == 20
    assert password.isalnum()
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "secretsmanager:GetSecretValue",
        "Resource": "*"}]})  # fmt: skip
    refused = aws_error(server, "secretsmanager", "put-resource-policy", "--secret-id", name,
                        "--resource-policy", policy, "--block-public-policy")  # fmt: skip
    assert "PublicPolicyException" in refused
    deleted = aws(server, "secretsmanager", "delete-secret", "--secret-id", name,
                  "--recovery-window-in-days", "7")  # fmt: skip
    assert "DeletionDate" in deleted
    refused = aws_error(server, "secretsmanager", "get-secret-value", "--secret-id", name)
    assert "InvalidRequestException" in refused
    aws(server, "secretsmanager", "restore-secret", "--secret-id", name)
    got = aws(server, "secretsmanager", "get-secret-value", "--secret-id", name)
    assert got["SecretString"] == "second"


def test_no_secret_value_reaches_the_data_dir_the_log_or_the_trail(tmp_path: Path) -> None:
    canaries = {kind: f"canary-{kind}-{uuid.uuid4().hex}" for kind in ("string", "binary")}
    data_dir = tmp_path / "data"
    with running_server(data_dir) as server:
        sm = server.client("secretsmanager")
        sm.create_secret(Name="canary", SecretString=canaries["string"])
        sm.put_secret_value(SecretId="canary", SecretBinary=canaries["binary"].encode())
        assert sm.get_secret_value(SecretId="canary")["SecretBinary"] == (
            canaries["binary"].encode()
        )
        got = sm.get_secret_value(SecretId="canary", VersionStage="AWSPREVIOUS")
        assert got["SecretString"] == canaries["string"]
        time.sleep(1.0)  # let background writers flush
        assert scan(data_dir, canaries) == {}
        log = server.log_path.read_bytes()
        for canary in canaries.values():
            assert not any(form in log for form in encodings(canary.encode()))
    assert scan(data_dir, canaries) == {}  # after a clean shutdown too (sealed trail files)
