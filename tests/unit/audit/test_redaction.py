"""Audit records are redacted by the service models' own `sensitive` marks, and blobs."""

from __future__ import annotations

import botocore.session

from stockade.audit.events import HIDDEN
from stockade.kernel.audit_records import is_data_event, is_read_only, redact

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


def test_filter_criteria_are_recorded_empty() -> None:
    """As CloudTrail records them since August 2024 (developer guide, invocation-eventfiltering:
    "Sample CloudTrail log entry for Create/Update/DeleteEventSourceMapping calls")."""
    criteria = {"Filters": [{"Pattern": '{"body": {"secret": ["s3cret"]}}'}]}
    params = {"FunctionName": "f", "EventSourceArn": "arn:aws:sqs:us-east-1:1:q",
              "FilterCriteria": criteria, "KMSKeyArn": "arn:aws:kms:us-east-1:1:key/k"}  # fmt: skip
    shown = redact(shape("lambda", "CreateEventSourceMapping"), params)
    assert shown["FilterCriteria"] == {}
    assert shown["KMSKeyArn"] == params["KMSKeyArn"]
    answer = redact(shape("lambda", "GetEventSourceMapping", output=True),
                    {"UUID": "u", "FilterCriteria": criteria})  # fmt: skip
    assert answer == {"UUID": "u", "FilterCriteria": {}}


def test_event_kinds() -> None:
    assert is_data_event("lambda", "Invoke")
    assert not is_data_event("lambda", "CreateFunction")
    assert is_read_only("logs", "FilterLogEvents")
    assert is_read_only("kms", "Decrypt")
    assert not is_read_only("lambda", "UpdateFunctionCode")


def test_notes_a_use_case_adds_become_additional_event_data() -> None:
    from datetime import UTC, datetime

    from stockade.kernel.audit_records import build_event

    model = SESSION.get_service_model("lambda").operation_model("CreateFunction")
    common = dict(service="lambda", operation=model, principal=None, fallback_account="1" * 12,
                  region="us-east-1", source_ip="127.0.0.1", user_agent="ua", request_id="r",
                  when=datetime.now(UTC), params={"FunctionName": "f"}, result=None,
                  error_code=None, error_message=None)  # fmt: skip
    noted = build_event(**common, additional={"codeSigning": "warning"}).record()
    assert noted["additionalEventData"] == {"codeSigning": "warning"}
    assert "additionalEventData" not in build_event(**common).record()
