"""SecureString parameters under KMS keys through boto3's `ssm` and `kms` clients.

Facts ("How AWS Systems Manager Parameter Store uses AWS KMS"; the PutParameter and
GetParameter API references; errors as Parameter Store relays KMS's, e.g. "InvalidKeyId: Key
'arn:...' does not exist (Service: AWSKMS; Status Code: 400; Error Code: NotFoundException;
...)"): the value is encrypted under the parameter's key (default: the account's AWS managed
`aws/ssm` key) with the encryption context {"PARAMETER_ARN": <the parameter's ARN>}; without
WithDecryption the value is answered as its ciphertext; reading it decrypted needs kms:Decrypt
through Parameter Store as the caller (the `aws/ssm` key's policy allows every principal of the
account through Parameter Store; a customer key's policy decides for its own); a disabled key
or one pending deletion is InvalidKeyId; KMS's AccessDenied is Parameter Store's.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.control.ssm_support import error_of, fresh, user_with
from tests.support.inprocess import InProcessServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(tmp_path_factory.mktemp("ssm-secure") / "data") as running:
        yield running


@pytest.fixture
def ssm(server: InProcessServer) -> Any:
    return server.client("ssm")


@pytest.fixture
def kms(server: InProcessServer) -> Any:
    return server.client("kms")


def arn_of(server: InProcessServer, name: str) -> str:
    return f"arn:aws:ssm:us-east-1:{server.account_id}:parameter/{name.removeprefix('/')}"


def journal(server: InProcessServer) -> list[dict[str, Any]]:
    assert server.built is not None
    path: Path = server.built.settings.data_dir / "audit" / "journal.jsonl"
    lines = path.read_bytes().splitlines()
    return [json.loads(line.split(b"\t", 1)[1]) for line in lines if b"\t" in line]


def test_the_default_key_is_the_accounts_aws_ssm_key(
    server: InProcessServer, ssm: Any, kms: Any
) -> None:
    name = fresh() + "/default"
    ssm.put_parameter(Name=name, Value="default-key-value", Type="SecureString")
    aliases = {a["AliasName"]: a for a in kms.list_aliases()["Aliases"]}
    managed = kms.describe_key(KeyId="alias/aws/ssm")["KeyMetadata"]
    assert "alias/aws/ssm" in aliases
    assert managed["KeyManager"] == "AWS"
    described = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [name]}])
    assert described["Parameters"][0]["KeyId"] == "alias/aws/ssm"
    got = ssm.get_parameter(Name=name)["Parameter"]
    assert got["Value"] != "default-key-value"
    blob = base64.b64decode(got["Value"])
    # Not usable outside Parameter Store: the aws/ssm key allows it only through the service.
    with pytest.raises(ClientError) as caught:
        kms.decrypt(CiphertextBlob=blob, EncryptionContext={"PARAMETER_ARN": arn_of(server, name)})
    assert error_of(caught)[0] == "AccessDeniedException"
    opened = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
    assert (opened["Value"], opened["Type"]) == ("default-key-value", "SecureString")


def test_a_customer_key_encrypts_with_the_parameter_arn_as_context(
    server: InProcessServer, ssm: Any, kms: Any
) -> None:
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=f"alias/params-{key[:8]}", TargetKeyId=key)
    name = fresh() + "/customer"
    ssm.put_parameter(
        Name=name, Value="customer-key-value", Type="SecureString", KeyId=f"alias/params-{key[:8]}"
    )
    described = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [name]}])
    assert described["Parameters"][0]["KeyId"] == f"alias/params-{key[:8]}"
    blob = base64.b64decode(ssm.get_parameter(Name=name)["Parameter"]["Value"])
    # The administrator may use the key directly; the context is the parameter's ARN.
    direct = kms.decrypt(
        CiphertextBlob=blob, EncryptionContext={"PARAMETER_ARN": arn_of(server, name)}
    )
    assert (direct["Plaintext"], direct["KeyId"].endswith(key)) == (b"customer-key-value", True)
    with pytest.raises(ClientError) as caught:
        kms.decrypt(CiphertextBlob=blob, EncryptionContext={"PARAMETER_ARN": "other"})
    assert error_of(caught)[0] == "InvalidCiphertextException"
    # An overwrite without a KeyId stays under the parameter's key.
    ssm.put_parameter(Name=name, Value="second-value", Overwrite=True)
    blob = base64.b64decode(ssm.get_parameter(Name=name)["Parameter"]["Value"])
    assert (
        kms.decrypt(CiphertextBlob=blob, EncryptionContext={"PARAMETER_ARN": arn_of(server, name)})[
            "Plaintext"
        ]
        == b"second-value"
    )


def test_an_advanced_secure_string_of_8_kb(ssm: Any) -> None:
    name = fresh() + "/large"
    value = "s" * 8192
    put = ssm.put_parameter(Name=name, Value=value, Type="SecureString", Tier="Advanced")
    assert put["Tier"] == "Advanced"
    assert ssm.get_parameter(Name=name)["Parameter"]["Value"] != value
    assert ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"] == value


def test_a_key_that_does_not_exist_is_invalid_key_id(server: InProcessServer, ssm: Any) -> None:
    missing = "11111111-2222-3333-4444-555555555555"
    with pytest.raises(ClientError) as caught:
        ssm.put_parameter(Name=fresh() + "/nokey", Value="x", Type="SecureString", KeyId=missing)
    code, message = error_of(caught)
    assert code == "InvalidKeyId"
    assert message.startswith(
        f"Key 'arn:aws:kms:us-east-1:{server.account_id}:key/{missing}' does not exist"
        " (Service: AWSKMS; Status Code: 400; Error Code: NotFoundException; Request ID: "
    )


def test_a_key_disabled_midway_stops_decryption_until_enabled(ssm: Any, kms: Any) -> None:
    key = kms.create_key()["KeyMetadata"]
    name = fresh() + "/midway"
    ssm.put_parameter(Name=name, Value="midway-value", Type="SecureString", KeyId=key["KeyId"])
    assert ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"] == "midway-value"
    kms.disable_key(KeyId=key["KeyId"])
    with pytest.raises(ClientError) as caught:
        ssm.get_parameter(Name=name, WithDecryption=True)
    code, message = error_of(caught)
    assert code == "InvalidKeyId"
    assert message.startswith(f"{key['Arn']} is disabled. (Service: AWSKMS; Status Code: 400;"
                              " Error Code: DisabledException;")  # fmt: skip
    # The ciphertext is still answered, and a new version cannot be encrypted.
    assert ssm.get_parameter(Name=name)["Parameter"]["Value"] != "midway-value"
    with pytest.raises(ClientError) as caught:
        ssm.put_parameter(Name=name, Value="while-disabled", Overwrite=True)
    assert error_of(caught)[0] == "InvalidKeyId"
    with pytest.raises(ClientError) as caught:
        ssm.get_parameters_by_path(Path=name.rsplit("/", 1)[0], WithDecryption=True)
    assert error_of(caught)[0] == "InvalidKeyId"
    kms.enable_key(KeyId=key["KeyId"])
    got = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
    assert (got["Value"], got["Version"]) == ("midway-value", 1)


def test_a_key_pending_deletion_is_invalid_key_id(ssm: Any, kms: Any) -> None:
    key = kms.create_key()["KeyMetadata"]
    name = fresh() + "/pending"
    ssm.put_parameter(Name=name, Value="pending-value", Type="SecureString", KeyId=key["Arn"])
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    with pytest.raises(ClientError) as caught:
        ssm.get_parameter(Name=name, WithDecryption=True)
    code, message = error_of(caught)
    assert code == "InvalidKeyId"
    assert "Error Code: KMSInvalidStateException" in message
    kms.cancel_key_deletion(KeyId=key["KeyId"])
    kms.enable_key(KeyId=key["KeyId"])
    assert ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"] == (
        "pending-value"
    )


def test_decrypting_with_a_customer_key_needs_kms_decrypt(
    server: InProcessServer, kms: Any
) -> None:
    admin = server.client("ssm")
    key = kms.create_key()["KeyMetadata"]
    base = fresh()
    admin.put_parameter(
        Name=f"{base}/cmk", Value="cmk-value", Type="SecureString", KeyId=key["Arn"]
    )
    admin.put_parameter(Name=f"{base}/managed", Value="managed-value", Type="SecureString")
    reader = server.client("ssm", user_with(server, [
        {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*"},
    ]))  # fmt: skip
    # Under aws/ssm: ssm:GetParameter is enough (the managed key's policy allows the account).
    assert (
        reader.get_parameter(Name=f"{base}/managed", WithDecryption=True)["Parameter"]["Value"]
        == "managed-value"
    )
    # Under a customer key whose policy delegates to IAM: kms:Decrypt is needed too.
    assert reader.get_parameter(Name=f"{base}/cmk")["Parameter"]["Value"] != "cmk-value"
    with pytest.raises(ClientError) as caught:
        reader.get_parameter(Name=f"{base}/cmk", WithDecryption=True)
    code, message = error_of(caught)
    assert code == "AccessDeniedException"
    assert "kms:Decrypt" in message
    assert "(Service: AWSKMS;" in message
    decrypting = server.client("ssm", user_with(server, [
        {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*"},
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key["Arn"],
         "Condition": {"StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}}},
    ]))  # fmt: skip
    got = decrypting.get_parameter(Name=f"{base}/cmk", WithDecryption=True)["Parameter"]
    assert got["Value"] == "cmk-value"


def test_putting_with_a_customer_key_needs_kms_encrypt(server: InProcessServer, kms: Any) -> None:
    key = kms.create_key()["KeyMetadata"]
    name = fresh() + "/enc"
    writer = server.client("ssm", user_with(server, [
        {"Effect": "Allow", "Action": "ssm:PutParameter", "Resource": "*"},
    ]))  # fmt: skip
    with pytest.raises(ClientError) as caught:
        writer.put_parameter(Name=name, Value="x", Type="SecureString", KeyId=key["Arn"])
    code, message = error_of(caught)
    assert code == "AccessDeniedException"
    assert "kms:Encrypt" in message
    with pytest.raises(ClientError):
        server.client("ssm").get_parameter(Name=name)  # nothing was written
    # Under aws/ssm the same caller may put it.
    assert writer.put_parameter(Name=name, Value="x", Type="SecureString")["Version"] == 1


def test_a_key_policy_deny_wins(server: InProcessServer, ssm: Any, kms: Any) -> None:
    key = kms.create_key()["KeyMetadata"]
    name = fresh() + "/denied"
    ssm.put_parameter(Name=name, Value="deny-value", Type="SecureString", KeyId=key["KeyId"])
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
             "Principal": {"AWS": f"arn:aws:iam::{server.account_id}:root"},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "No reads through Parameter Store", "Effect": "Deny",
             "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*",
             "Condition": {"StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}}},
        ],
    }  # fmt: skip
    kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=json.dumps(policy))
    with pytest.raises(ClientError) as caught:
        ssm.get_parameter(Name=name, WithDecryption=True)
    assert error_of(caught)[0] == "AccessDeniedException"


def test_every_key_use_is_audited_and_no_value_is(server: InProcessServer, ssm: Any) -> None:
    name = fresh() + "/audited"
    canary = "audit-canary-value-7f3a"
    ssm.put_parameter(Name=name, Value=canary, Type="SecureString")
    ssm.get_parameter(Name=name, WithDecryption=True)
    ssm.get_parameters_by_path(Path=name.rsplit("/", 1)[0], WithDecryption=True)
    records = journal(server)
    text = json.dumps(records)
    assert canary not in text
    assert base64.b64encode(canary.encode()).decode()[:16] not in text
    context = {"PARAMETER_ARN": arn_of(server, name)}
    kms_uses = [
        (r["eventName"], r["userIdentity"].get("invokedBy"))
        for r in records
        if r["eventSource"] == "kms.amazonaws.com"
        and (r.get("requestParameters") or {}).get("EncryptionContext") == context
    ]
    assert kms_uses == [("Encrypt", "ssm.amazonaws.com"), ("Decrypt", "ssm.amazonaws.com"),
                        ("Decrypt", "ssm.amazonaws.com")]  # fmt: skip
    put = [r["requestParameters"] for r in records if r["eventName"] == "PutParameter"]
    assert {"Name": name, "Value": "HIDDEN_DUE_TO_SECURITY_REASONS", "Type": "SecureString"} in put
    got = [r for r in records if r["eventName"] == "GetParameter"]
    assert got
    assert got[-1]["eventSource"] == "ssm.amazonaws.com"
