"""KMS through boto3 and the AWS CLI: envelope encryption bound to its context."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.support.server import RunningServer

pytestmark = pytest.mark.integration


def test_encrypt_decrypt_context_disable_and_rotation(server: RunningServer) -> None:
    kms = server.client("kms")
    key = kms.create_key(Description="test key")["KeyMetadata"]
    assert key["KeyState"] == "Enabled"
    kms.create_alias(AliasName="alias/test-key", TargetKeyId=key["KeyId"])
    blob = kms.encrypt(KeyId="alias/test-key", Plaintext=b"top secret",
                       EncryptionContext={"purpose": "test"})["CiphertextBlob"]  # fmt: skip
    assert b"top secret" not in blob
    plain = kms.decrypt(CiphertextBlob=blob, EncryptionContext={"purpose": "test"})
    assert plain["Plaintext"] == b"top secret"
    with pytest.raises(ClientError) as exc:
        kms.decrypt(CiphertextBlob=blob, EncryptionContext={"purpose": "other"})
    assert exc.value.response["Error"]["Code"] == "InvalidCiphertextException"
    tampered = bytearray(blob)
    tampered[-1] ^= 1
    with pytest.raises(ClientError) as exc:
        kms.decrypt(CiphertextBlob=bytes(tampered), EncryptionContext={"purpose": "test"})
    assert exc.value.response["Error"]["Code"] == "InvalidCiphertextException"
    kms.disable_key(KeyId=key["KeyId"])
    with pytest.raises(ClientError) as exc:
        kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")
    assert exc.value.response["Error"]["Code"] == "DisabledException"
    kms.enable_key(KeyId=key["KeyId"])
    kms.rotate_key_on_demand(KeyId=key["KeyId"])
    again = kms.decrypt(CiphertextBlob=blob, EncryptionContext={"purpose": "test"})
    assert again["Plaintext"] == b"top secret"  # old ciphertexts survive rotation
    data_key = kms.generate_data_key(KeyId=key["KeyId"], KeySpec="AES_256")
    assert len(data_key["Plaintext"]) == 32
    assert (
        kms.decrypt(CiphertextBlob=data_key["CiphertextBlob"])["Plaintext"] == data_key["Plaintext"]
    )


def test_aws_cli_round_trip(server: RunningServer, tmp_path: Path) -> None:
    key_id = server.client("kms").create_key()["KeyMetadata"]["KeyId"]
    plain = tmp_path / "plain.txt"
    plain.write_bytes(b"from the cli")

    def aws(*args: str) -> dict[str, str]:
        done = subprocess.run(
            [sys.executable, "-m", "awscli", *args, "--output", "json"],
            env=server.cli_env(), capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        result: dict[str, str] = json.loads(done.stdout)
        return result

    encrypted = aws("kms", "encrypt", "--key-id", key_id, "--plaintext", f"fileb://{plain}")
    blob = tmp_path / "blob"
    blob.write_bytes(base64.b64decode(encrypted["CiphertextBlob"]))
    decrypted = aws("kms", "decrypt", "--ciphertext-blob", f"fileb://{blob}")
    assert base64.b64decode(decrypted["Plaintext"]) == b"from the cli"
