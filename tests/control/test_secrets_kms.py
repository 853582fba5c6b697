"""Secret values under KMS keys: the account's `aws/secretsmanager` key by default (created on
first use), a customer key named by KmsKeyId, the caller's KMS permissions, a key disabled or
scheduled for deletion mid-way, and KMS's audit records of each use.

From "How AWS Secrets Manager uses AWS KMS" (Secrets Manager User Guide): envelope encryption
with GenerateDataKey on each new version and Decrypt on each read, through Secrets Manager
(kms:ViaService), with the encryption context {"SecretARN", "SecretVersionId"}; the
DecryptionFailure and EncryptionFailure errors from the API reference.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stockade.clock import FakeClock
from tests.control.secrets_support import allow, error_of, new_name, user_with
from tests.support.inprocess import InProcessServer

START = dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    data = tmp_path_factory.mktemp("secrets-kms") / "data"
    with InProcessServer(data, clock=FakeClock(START)) as running:
        yield running


@pytest.fixture
def sm(server: InProcessServer) -> Any:
    return server.client("secretsmanager")


@pytest.fixture
def kms(server: InProcessServer) -> Any:
    return server.client("kms")


def journal(server: InProcessServer) -> list[dict[str, Any]]:
    assert server.built is not None
    path: Path = server.built.settings.data_dir / "audit" / "journal.jsonl"
    lines = path.read_bytes().splitlines()
    return [json.loads(line.split(b"\t", 1)[1]) for line in lines if b"\t" in line]


def test_the_default_key_is_aws_secretsmanager_created_on_first_use(sm: Any, kms: Any) -> None:
    sm.create_secret(Name=new_name(), SecretString="v")
    aliases = {a["AliasName"]: a for a in kms.list_aliases()["Aliases"]}
    key_id = aliases["alias/aws/secretsmanager"]["TargetKeyId"]
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyManager"] == "AWS"


def test_each_use_is_a_kms_record_with_the_secret_arn_and_version_as_context(
    server: InProcessServer, sm: Any
) -> None:
    name = new_name()
    made = sm.create_secret(Name=name, SecretString="audited-value")
    sm.get_secret_value(SecretId=name)
    context = {"SecretARN": made["ARN"], "SecretVersionId": made["VersionId"]}
    kms_uses = [
        r for r in journal(server)
        if r["eventSource"] == "kms.amazonaws.com"
        and r["requestParameters"].get("EncryptionContext") == context
    ]  # fmt: skip
    assert [r["eventName"] for r in kms_uses] == ["GenerateDataKey", "Decrypt"]
    assert {r["userIdentity"]["invokedBy"] for r in kms_uses} == {"secretsmanager.amazonaws.com"}


def test_a_customer_key_disabled_mid_way_fails_reads_until_enabled_again(sm: Any, kms: Any) -> None:
    key = kms.create_key()["KeyMetadata"]["Arn"]
    name = new_name()
    sm.create_secret(Name=name, SecretString="under my key", KmsKeyId=key)
    assert sm.describe_secret(SecretId=name)["KmsKeyId"] == key
    kms.disable_key(KeyId=key)
    with pytest.raises(ClientError) as caught:
        sm.get_secret_value(SecretId=name)
    code, message = error_of(caught)
    assert code == "DecryptionFailure"
    assert "DisabledException" in message
    assert "under my key" not in message
    with pytest.raises(ClientError) as caught:
        sm.put_secret_value(SecretId=name, SecretString="new")
    assert error_of(caught)[0] == "EncryptionFailure"
    kms.enable_key(KeyId=key)
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "under my key"


def test_a_key_pending_deletion_fails_reads_with_its_kms_state(sm: Any, kms: Any) -> None:
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=f"alias/{key[:8]}", TargetKeyId=key)
    name = new_name()
    sm.create_secret(Name=name, SecretString="v", KmsKeyId=f"alias/{key[:8]}")
    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    with pytest.raises(ClientError) as caught:
        sm.get_secret_value(SecretId=name)
    assert error_of(caught)[0] == "DecryptionFailure"
    assert "KMSInvalidStateException" in error_of(caught)[1]
    kms.cancel_key_deletion(KeyId=key)
    kms.enable_key(KeyId=key)
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "v"


def test_a_key_that_does_not_exist_fails_creation(sm: Any) -> None:
    with pytest.raises(ClientError) as caught:
        sm.create_secret(Name=new_name(), SecretString="v",
                         KmsKeyId="11111111-2222-3333-4444-555555555555")  # fmt: skip
    assert error_of(caught)[0] == "EncryptionFailure"


def test_a_caller_needs_kms_decrypt_for_a_customer_key_but_not_for_the_default_one(
    server: InProcessServer, sm: Any, kms: Any
) -> None:
    key = kms.create_key()["KeyMetadata"]["Arn"]
    own, default = new_name(), new_name()
    sm.create_secret(Name=own, SecretString="customer-keyed", KmsKeyId=key)
    sm.create_secret(Name=default, SecretString="default-keyed")
    reader = server.client("secretsmanager", user_with(
        server, allow(["secretsmanager:GetSecretValue"])
    ))  # fmt: skip
    assert reader.get_secret_value(SecretId=default)["SecretString"] == "default-keyed"
    with pytest.raises(ClientError) as caught:
        reader.get_secret_value(SecretId=own)
    assert error_of(caught) == ("AccessDeniedException", "Access to KMS is not allowed")
    decrypter = server.client("secretsmanager", user_with(server, {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"},
            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key,
             "Condition": {"StringEquals": {
                 "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}},
        ],
    }))  # fmt: skip
    assert decrypter.get_secret_value(SecretId=own)["SecretString"] == "customer-keyed"


def test_putting_a_value_needs_generate_data_key_on_a_customer_key(
    server: InProcessServer, sm: Any, kms: Any
) -> None:
    key = kms.create_key()["KeyMetadata"]["Arn"]
    name = new_name()
    sm.create_secret(Name=name, SecretString="v", KmsKeyId=key)
    writer = server.client("secretsmanager", user_with(
        server, allow(["secretsmanager:PutSecretValue"])
    ))  # fmt: skip
    with pytest.raises(ClientError) as caught:
        writer.put_secret_value(SecretId=name, SecretString="w")
    assert error_of(caught)[0] == "AccessDeniedException"
    allowed = server.client("secretsmanager", user_with(
        server, allow(["secretsmanager:PutSecretValue", "kms:GenerateDataKey"])
    ))  # fmt: skip
    allowed.put_secret_value(SecretId=name, SecretString="w")
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "w"


def test_a_new_key_given_to_update_seals_the_versions_after_it(sm: Any, kms: Any) -> None:
    name = new_name()
    sm.create_secret(Name=name, SecretString="before")
    key = kms.create_key()["KeyMetadata"]["Arn"]
    sm.update_secret(SecretId=name, KmsKeyId=key, SecretString="after")
    kms.disable_key(KeyId=key)
    with pytest.raises(ClientError) as caught:
        sm.get_secret_value(SecretId=name)
    assert error_of(caught)[0] == "DecryptionFailure"
    assert sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")["SecretString"] == (
        "before"
    )
    kms.enable_key(KeyId=key)


def test_a_new_key_reseals_the_labelled_versions_and_keeps_them_under_the_old_one(
    sm: Any, kms: Any
) -> None:
    # "Change the encryption key" (Secrets Manager User Guide): AWSCURRENT, AWSPENDING and
    # AWSPREVIOUS are re-encrypted under the new key, and stay decryptable with the old one;
    # versions without a label are not re-encrypted.
    old, new = (kms.create_key()["KeyMetadata"]["Arn"] for _ in range(2))
    name = new_name()
    first = sm.create_secret(Name=name, KmsKeyId=old, SecretString="v1")["VersionId"]
    sm.put_secret_value(SecretId=name, SecretString="v2")
    sm.put_secret_value(SecretId=name, SecretString="v3")  # v1 now has no label
    sm.update_secret(SecretId=name, KmsKeyId=new)
    assert sm.describe_secret(SecretId=name)["KmsKeyId"] == new
    kms.disable_key(KeyId=old)
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "v3"
    assert sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")["SecretString"] == "v2"
    with pytest.raises(ClientError) as caught:  # unlabelled: still under the old key alone
        sm.get_secret_value(SecretId=name, VersionId=first)
    assert error_of(caught)[0] == "DecryptionFailure"
    kms.enable_key(KeyId=old)
    kms.disable_key(KeyId=new)
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "v3"  # the copy under the old
    kms.enable_key(KeyId=new)
