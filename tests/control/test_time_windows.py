"""Windows of time, checked in-process on a fake clock: nothing here waits for them to pass.

The real composition runs in this process (tests/support/inprocess.py); boto3 requests are
signed at the fake clock's time and handed to the ASGI app, so moving the clock moves the whole
server's notion of now: credentials expire, deletion windows close, signatures go stale.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.support.inprocess import InProcessServer


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InProcessServer]:
    with InProcessServer(tmp_path / "data") as running:
        yield running


def code_of(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = caught.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def test_a_role_session_works_until_it_expires_and_not_a_second_longer(
    server: InProcessServer,
) -> None:
    role = f"arn:aws:iam::{server.account_id}:role/operator"
    server.client("iam").create_role(
        RoleName="operator",
        AssumeRolePolicyDocument=(
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
            f'{{"AWS":"arn:aws:iam::{server.account_id}:root"}},"Action":"sts:AssumeRole"}}]}}'
        ),
    )
    issued = server.client("sts").assume_role(
        RoleArn=role, RoleSessionName="ops", DurationSeconds=900
    )["Credentials"]
    session = (issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"])
    server.clock.advance(899)
    assert (
        server.client("sts", session)
        .get_caller_identity()["Arn"]
        .endswith("assumed-role/operator/ops")
    )
    server.clock.advance(2)
    with pytest.raises(ClientError) as expired:
        server.client("sts", session).get_caller_identity()
    assert code_of(expired) == (
        "ExpiredToken",
        "The security token included in the request is expired",
    )


def test_a_key_scheduled_for_deletion_is_gone_once_its_window_closes(
    server: InProcessServer,
) -> None:
    kms = server.client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    scheduled = kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    assert scheduled["DeletionDate"] == server.clock.now() + timedelta(days=7)
    server.clock.advance(7 * 86400 - 1)
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    with pytest.raises(ClientError) as pending:
        kms.encrypt(KeyId=key, Plaintext=b"x")
    assert code_of(pending)[0] == "KMSInvalidStateException"
    server.clock.advance(1)
    with pytest.raises(ClientError) as gone:
        kms.describe_key(KeyId=key)
    assert code_of(gone)[0] == "NotFoundException"


def test_a_request_signed_more_than_five_minutes_ago_is_refused(
    server: InProcessServer,
) -> None:
    lam = server.client("lambda")
    assert lam.list_functions()["Functions"] == []

    server.in_flight.append(lambda: server.clock.advance(5 * 60 + 1))
    with pytest.raises(ClientError) as stale:
        lam.list_functions()
    code, message = code_of(stale)
    assert code == "InvalidSignatureException"
    assert message.startswith("Signature expired")


def test_event_history_looks_back_as_far_as_its_retention(server: InProcessServer) -> None:
    server.client("lambda").list_functions()
    trail = server.client("cloudtrail")

    def seen() -> list[str]:
        events = trail.lookup_events(
            LookupAttributes=[
                {"AttributeKey": "EventName", "AttributeValue": "ListFunctions20150331"}
            ]
        )["Events"]
        return [event["EventName"] for event in events]

    assert seen() == ["ListFunctions20150331"]
    server.clock.advance(89 * 86400)
    assert seen() == ["ListFunctions20150331"]
    server.clock.advance(2 * 86400)
    assert seen() == []
