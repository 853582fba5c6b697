"""Every Secrets Manager call is audited, and no value is ever in a record: SecretString,
SecretBinary and RandomPassword are replaced with CloudTrail's placeholder, as CloudTrail
redacts them ("Log AWS Secrets Manager events with AWS CloudTrail"); read-only calls record no
response at all (so GetSecretValue's value never reaches the trail)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest

from stockade.audit.events import HIDDEN
from stockade.kernel.audit_records import redact
from tests.support.inprocess import InProcessServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(tmp_path_factory.mktemp("secrets-audit") / "data") as running:
        yield running


def records(server: InProcessServer) -> list[dict[str, Any]]:
    assert server.built is not None
    path: Path = server.built.settings.data_dir / "audit" / "journal.jsonl"
    lines = path.read_bytes().splitlines()
    return [json.loads(line.split(b"\t", 1)[1]) for line in lines if b"\t" in line]


def test_every_sensitive_member_of_the_model_is_redacted() -> None:
    model = botocore.session.get_session().get_service_model("secretsmanager")
    put = model.operation_model("PutSecretValue").input_shape
    redacted = redact(put, {"SecretId": "s", "SecretString": "v", "SecretBinary": b"b",
                            "RotationToken": "r" * 36})  # fmt: skip
    assert redacted == {"SecretId": "s", "SecretString": HIDDEN, "SecretBinary": HIDDEN,
                        "RotationToken": HIDDEN}  # fmt: skip
    got = model.operation_model("GetSecretValue").output_shape
    assert redact(got, {"Name": "n", "SecretString": "v"}) == {"Name": "n", "SecretString": HIDDEN}
    batch = model.operation_model("BatchGetSecretValue").output_shape
    assert redact(batch, {"SecretValues": [{"SecretString": "v"}]}) == {
        "SecretValues": [{"SecretString": HIDDEN}]
    }
    password = model.operation_model("GetRandomPassword").output_shape
    assert redact(password, {"RandomPassword": "p"}) == {"RandomPassword": HIDDEN}


def test_calls_are_audited_with_their_values_hidden(server: InProcessServer) -> None:
    sm = server.client("secretsmanager")
    canary = f"canary-{uuid.uuid4().hex}"
    name = f"audited/{uuid.uuid4().hex[:8]}"
    sm.create_secret(Name=name, SecretString=canary)
    sm.put_secret_value(SecretId=name, SecretBinary=canary.encode())
    sm.update_secret(SecretId=name, SecretString=canary + "-2")
    sm.get_secret_value(SecretId=name)
    sm.batch_get_secret_value(SecretIdList=[name])
    password = sm.get_random_password()["RandomPassword"]
    mine = [r for r in records(server) if r["eventSource"] == "secretsmanager.amazonaws.com"]
    names = [r["eventName"] for r in mine]
    for operation in ("CreateSecret", "PutSecretValue", "UpdateSecret", "GetSecretValue",
                      "BatchGetSecretValue", "GetRandomPassword"):  # fmt: skip
        assert operation in names
    create = next(r for r in mine if r["eventName"] == "CreateSecret")
    assert create["requestParameters"]["SecretString"] == HIDDEN
    put = next(r for r in mine if r["eventName"] == "PutSecretValue")
    assert put["requestParameters"]["SecretBinary"] == HIDDEN
    read = next(r for r in mine if r["eventName"] == "GetSecretValue")
    assert read["readOnly"] is True
    assert read.get("responseElements") is None
    text = json.dumps(records(server))
    assert canary not in text
    assert password not in text


def test_each_change_of_a_secret_is_a_configuration_item_without_its_value(
    server: InProcessServer,
) -> None:
    sm = server.client("secretsmanager")
    canary = f"canary-{uuid.uuid4().hex}"
    name = f"recorded/{uuid.uuid4().hex[:8]}"
    arn = sm.create_secret(Name=name, SecretString=canary, Description="one")["ARN"]
    sm.put_secret_value(SecretId=name, SecretString=canary + "-2")  # metadata unchanged
    sm.tag_resource(SecretId=name, Tags=[{"Key": "team", "Value": "red"}])
    sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    assert server.built is not None
    with server.built.store.read() as tx:
        items = tx.configuration_items.history(
            server.account_id,  # type: ignore[arg-type]
            arn,
            "AWS::SecretsManager::Secret",
        )
    assert [i.status.value for i in items] == ["ResourceDiscovered", "OK", "ResourceDeleted"]
    assert [i.related_events[0].event_name for i in items] == [
        "CreateSecret",
        "TagResource",
        "DeleteSecret",
    ]
    assert items[0].configuration["description"] == "one"
    assert items[1].configuration["tags"] == [{"key": "team", "value": "red"}]
    assert all(canary not in i.configuration_json for i in items)
