"""Audit records are redacted by the service models' own `sensitive` marks, and blobs."""

from __future__ import annotations

import botocore.session

from stockade.api.audit_records import is_data_event, is_read_only, redact
from stockade.audit.events import HIDDEN

SESSION = botocore.session.get_session()


def shape(service: str, operation: str, output: bool = False):  # type: ignore[no-untyped-def]
    model = SESSION.get_service_model(service).operation_model(operation)
    return model.output_shape if output else model.input_shape


def test_environment_values_and_zip_files_are_hidden() -> None:
    params = {
        "FunctionName": "f",
        "Code": {"ZipFile": b"PK..."},
        "Environment": {"Variables": {"DB_PASSWORD": "s3cret"}},
        "Layers": ["arn:aws:lambda:us-east-1:123456789012:layer:l:1"],
    }
    shown = redact(shape("lambda", "CreateFunction"), params)
    assert shown["FunctionName"] == "f"
    assert shown["Code"]["ZipFile"] == HIDDEN
    assert "s3cret" not in repr(shown)
    assert shown["Layers"] == params["Layers"]


def test_secret_keys_and_plaintexts_are_hidden() -> None:
    key = {"AccessKey": {"UserName": "u", "AccessKeyId": "AKIA", "Status": "Active",
                         "SecretAccessKey": "abc"}}  # fmt: skip
    assert (
        redact(shape("iam", "CreateAccessKey", output=True), key)["AccessKey"]["SecretAccessKey"]
        == HIDDEN
    )
    encrypt = redact(shape("kms", "Encrypt"), {"KeyId": "k", "Plaintext": b"pw"})
    assert encrypt == {"KeyId": "k", "Plaintext": HIDDEN}
    assumed = {"Credentials": {"AccessKeyId": "ASIA", "SecretAccessKey": "s", "SessionToken": "t",
                               "Expiration": "2026-01-01T00:00:00Z"}}  # fmt: skip
    credentials = redact(shape("sts", "AssumeRole", output=True), assumed)["Credentials"]
    assert credentials["SecretAccessKey"] == HIDDEN
    assert credentials["SessionToken"] == HIDDEN


def test_event_kinds() -> None:
    assert is_data_event("lambda", "Invoke")
    assert not is_data_event("lambda", "CreateFunction")
    assert is_read_only("logs", "FilterLogEvents")
    assert is_read_only("kms", "Decrypt")
    assert not is_read_only("lambda", "UpdateFunctionCode")
