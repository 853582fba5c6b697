"""The KMS record of a key use a service makes for its caller (Parameter Store decrypting a
SecureString) is on disk when the caller gets its answer, journalled just before the
request's own record (held for the kernel's audit step: one wait for the disk per request),
allowed or denied."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.control.ssm_support import fresh, user_with
from tests.support.inprocess import InProcessServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(tmp_path_factory.mktemp("held") / "data") as running:
        yield running


def journal(server: InProcessServer) -> list[dict[str, Any]]:
    """What is on disk now, in journal order."""
    assert server.built is not None
    path: Path = server.built.settings.data_dir / "audit" / "journal.jsonl"
    lines = path.read_bytes().splitlines()
    return [json.loads(line.split(b"\t", 1)[1]) for line in lines if b"\t" in line]


def last_two(server: InProcessServer) -> list[tuple[str, str, str | None]]:
    return [(r["eventSource"], r["eventName"], r.get("errorCode")) for r in journal(server)[-2:]]


def test_a_decrypting_read_is_answered_with_both_records_on_disk(server: InProcessServer) -> None:
    ssm, kms = server.client("ssm"), server.client("kms")
    key = kms.create_key()["KeyMetadata"]["Arn"]
    name = fresh() + "/held"
    ssm.put_parameter(Name=name, Value="held-value", Type="SecureString", KeyId=key)
    assert last_two(server) == [("kms.amazonaws.com", "Encrypt", None),
                                ("ssm.amazonaws.com", "PutParameter", None)]  # fmt: skip
    got = ssm.get_parameter(Name=name, WithDecryption=True)
    assert got["Parameter"]["Value"] == "held-value"
    assert last_two(server) == [("kms.amazonaws.com", "Decrypt", None),
                                ("ssm.amazonaws.com", "GetParameter", None)]  # fmt: skip
    decrypt, request = journal(server)[-2:]
    assert decrypt["userIdentity"]["invokedBy"] == "ssm.amazonaws.com"
    assert decrypt["userIdentity"]["arn"] == request["userIdentity"]["arn"]


def test_a_denied_use_is_recorded_before_the_denied_request(server: InProcessServer) -> None:
    ssm, kms = server.client("ssm"), server.client("kms")
    key = kms.create_key()["KeyMetadata"]["Arn"]
    name = fresh() + "/denied"
    ssm.put_parameter(Name=name, Value="denied-value", Type="SecureString", KeyId=key)
    caller = server.client("ssm", user_with(server, [
        {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*"}]))  # fmt: skip
    with pytest.raises(ClientError) as caught:
        caller.get_parameter(Name=name, WithDecryption=True)
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"
    assert last_two(server) == [
        ("kms.amazonaws.com", "Decrypt", "AccessDeniedException"),
        ("ssm.amazonaws.com", "GetParameter", "AccessDeniedException"),
    ]
    assert "denied-value" not in json.dumps(journal(server))
