"""Secrets Manager secrets through boto3's `secretsmanager` client: create, describe, update,
list, delete with a recovery window, restore, and the sweep that removes them for good.

AWS's answers from the Secrets Manager API reference and AWS-recorded snapshots (LocalStack's
tests/aws/services/secretsmanager/test_secretsmanager.snapshot.json): error codes and messages
("Secrets Manager can't find the specified secret.", "You can't perform this operation on the
secret because it was marked for deletion.", ...), ARNs ending in "-" and six characters,
VersionIdsToStages in DescribeSecret and SecretVersionsToStages in ListSecrets.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stockade.clock import FakeClock
from tests.control.secrets_support import error_of, new_name
from tests.support.inprocess import InProcessServer

START = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
DAY = 86400.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    data = tmp_path_factory.mktemp("secrets-lifecycle") / "data"
    with InProcessServer(data, clock=FakeClock(START)) as running:
        yield running


@pytest.fixture
def sm(server: InProcessServer) -> Any:
    return server.client("secretsmanager")


def test_a_secret_is_created_with_an_arn_named_after_it_and_read_back(
    server: InProcessServer, sm: Any
) -> None:
    name = new_name()
    made = sm.create_secret(Name=name, SecretString="s3cret", Description="the db")
    pattern = (
        rf"arn:aws:secretsmanager:us-east-1:{server.account_id}:secret:{name}-[A-Za-z0-9]{{6}}"
    )
    assert re.fullmatch(pattern, made["ARN"])
    assert made["Name"] == name
    got = sm.get_secret_value(SecretId=name)
    assert (got["SecretString"], got["VersionId"]) == ("s3cret", made["VersionId"])
    assert got["VersionStages"] == ["AWSCURRENT"]
    described = sm.describe_secret(SecretId=name)
    assert described["Description"] == "the db"
    assert described["VersionIdsToStages"] == {made["VersionId"]: ["AWSCURRENT"]}
    assert "KmsKeyId" not in described  # the default key is not shown


def test_a_secret_id_may_be_its_name_its_arn_or_its_partial_arn(sm: Any) -> None:
    name = new_name()
    arn = sm.create_secret(Name=name, SecretString="v")["ARN"]
    for secret_id in (name, arn, arn[:-7]):
        assert sm.describe_secret(SecretId=secret_id)["ARN"] == arn
    with pytest.raises(ClientError) as caught:
        sm.describe_secret(SecretId=arn[:-1] + ("x" if arn[-1] != "x" else "y"))
    assert error_of(caught) == (
        "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret.",
    )


def test_a_binary_secret_is_answered_as_binary(sm: Any) -> None:
    name = new_name()
    sm.create_secret(Name=name, SecretBinary=b"\x00\x01\xfe\xff")
    got = sm.get_secret_value(SecretId=name)
    assert got["SecretBinary"] == b"\x00\x01\xfe\xff"
    assert "SecretString" not in got


def test_both_kinds_of_value_at_once_are_refused(sm: Any) -> None:
    with pytest.raises(ClientError) as caught:
        sm.create_secret(Name=new_name(), SecretString="a", SecretBinary=b"b")
    assert error_of(caught)[0] == "InvalidParameterException"


def test_a_value_of_65536_bytes_is_kept_and_one_byte_more_refused(sm: Any) -> None:
    name = new_name()
    sm.create_secret(Name=name, SecretString="x" * 65536)  # the quota: 65,536 bytes
    assert len(sm.get_secret_value(SecretId=name)["SecretString"]) == 65536
    with pytest.raises(ClientError) as caught:
        sm.put_secret_value(SecretId=name, SecretString="é" * 32769)  # 65,538 bytes
    assert error_of(caught)[0] == "InvalidParameterException"


def test_an_invalid_name_is_refused_with_aws_message(sm: Any) -> None:
    with pytest.raises(ClientError) as caught:
        sm.create_secret(Name="Inv Name", SecretString="v")
    assert error_of(caught) == (
        "ValidationException",
        "Invalid name. Must be a valid name containing alphanumeric characters, or any of the"
        " following: -/_+=.@!",
    )


def test_a_second_secret_of_the_same_name_is_refused(sm: Any) -> None:
    name = new_name()
    sm.create_secret(Name=name, SecretString="one")
    with pytest.raises(ClientError) as caught:
        sm.create_secret(Name=name, SecretString="two")
    assert error_of(caught) == (
        "ResourceExistsException",
        f"The operation failed because the secret {name} already exists.",
    )


def test_a_retried_create_with_the_same_token_and_value_is_the_same_secret(sm: Any) -> None:
    name, token = new_name(), "a" * 32
    first = sm.create_secret(Name=name, SecretString="v", ClientRequestToken=token)
    again = sm.create_secret(Name=name, SecretString="v", ClientRequestToken=token)
    assert (again["ARN"], again["VersionId"]) == (first["ARN"], token)
    with pytest.raises(ClientError) as caught:
        sm.create_secret(Name=name, SecretString="other", ClientRequestToken=token)
    assert error_of(caught)[0] == "ResourceExistsException"


def test_a_secret_without_a_value_has_no_current_version(sm: Any) -> None:
    name = new_name()
    made = sm.create_secret(Name=name)
    assert "VersionId" not in made
    with pytest.raises(ClientError) as caught:
        sm.get_secret_value(SecretId=name)
    assert error_of(caught) == (
        "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
    )


def test_update_changes_the_description_and_adds_a_current_version(sm: Any) -> None:
    name = new_name()
    first = sm.create_secret(Name=name, SecretString="one")["VersionId"]
    updated = sm.update_secret(SecretId=name, Description="new", SecretString="two")
    described = sm.describe_secret(SecretId=name)
    assert described["Description"] == "new"
    assert described["VersionIdsToStages"] == {
        first: ["AWSPREVIOUS"],
        updated["VersionId"]: ["AWSCURRENT"],
    }
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "two"
    only_description = sm.update_secret(SecretId=name, Description="newer")
    assert "VersionId" not in only_description


def test_deletion_waits_for_its_recovery_window_and_restore_undoes_it(
    server: InProcessServer, sm: Any
) -> None:
    name = new_name()
    sm.create_secret(Name=name, SecretString="keep me")
    deleted = sm.delete_secret(SecretId=name, RecoveryWindowInDays=7)
    assert deleted["DeletionDate"] == server.clock.now() + dt.timedelta(days=7)
    assert sm.describe_secret(SecretId=name)["DeletedDate"] == deleted["DeletionDate"]
    uses: list[tuple[str, dict[str, Any]]] = [
        ("get_secret_value", {}),
        ("put_secret_value", {"SecretString": "x"}),
        ("tag_resource", {"Tags": [{"Key": "k", "Value": "v"}]}),
    ]
    for method, extra in uses:
        with pytest.raises(ClientError) as caught:
            getattr(sm, method)(SecretId=name, **extra)
        assert error_of(caught) == (
            "InvalidRequestException",
            "You can't perform this operation on the secret because it was marked for deletion.",
        )
    with pytest.raises(ClientError) as caught:
        sm.create_secret(Name=name, SecretString="again")
    assert error_of(caught) == (
        "InvalidRequestException",
        "You can't create this secret because a secret with this name is already scheduled"
        " for deletion.",
    )
    server.clock.advance(6 * DAY)
    sm.restore_secret(SecretId=name)
    assert "DeletedDate" not in sm.describe_secret(SecretId=name)
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "keep me"


def test_a_secret_is_gone_once_its_window_passes_and_the_sweep_removes_it(
    server: InProcessServer, sm: Any
) -> None:
    name = new_name()
    sm.create_secret(Name=name, SecretString="short-lived")
    sm.delete_secret(SecretId=name, RecoveryWindowInDays=7)
    server.clock.advance(7 * DAY + 1)
    with pytest.raises(ClientError) as caught:
        sm.restore_secret(SecretId=name)
    assert error_of(caught)[0] == "ResourceNotFoundException"
    assert server.built is not None
    assert server.built.secrets is not None
    assert server.built.secrets.maintain(server.clock.now()) >= 1
    with server.built.store.read() as tx:
        assert tx.secrets.get(server.account_id, name) is None  # type: ignore[arg-type]
    sm.create_secret(Name=name, SecretString="a new one")  # the name is free again


def test_a_forced_deletion_is_immediate_and_may_not_be_combined_with_a_window(sm: Any) -> None:
    name = new_name()
    sm.create_secret(Name=name, SecretString="v")
    with pytest.raises(ClientError) as caught:
        sm.delete_secret(SecretId=name, RecoveryWindowInDays=7, ForceDeleteWithoutRecovery=True)
    assert error_of(caught) == (
        "InvalidParameterException",
        "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
    )
    sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    with pytest.raises(ClientError) as caught:
        sm.describe_secret(SecretId=name)
    assert error_of(caught)[0] == "ResourceNotFoundException"


@pytest.mark.parametrize("days", [6, 31])
def test_a_recovery_window_outside_7_to_30_days_is_refused(sm: Any, days: int) -> None:
    name = new_name()
    sm.create_secret(Name=name, SecretString="v")
    with pytest.raises(ClientError) as caught:
        sm.delete_secret(SecretId=name, RecoveryWindowInDays=days)
    assert error_of(caught)[0] == "InvalidParameterException"


def test_the_default_recovery_window_is_30_days(server: InProcessServer, sm: Any) -> None:
    name = new_name()
    sm.create_secret(Name=name, SecretString="v")
    deleted = sm.delete_secret(SecretId=name)
    assert deleted["DeletionDate"] == server.clock.now() + dt.timedelta(days=30)


def test_the_sweep_survives_a_restart(tmp_path: Any) -> None:
    clock = FakeClock(START)
    with InProcessServer(tmp_path / "data", clock=clock) as first:
        sm = first.client("secretsmanager")
        sm.create_secret(Name="doomed", SecretString="v")
        sm.delete_secret(SecretId="doomed", RecoveryWindowInDays=7)
    clock.advance(8 * DAY)
    with InProcessServer(tmp_path / "data", clock=clock) as second:
        assert second.built is not None
        assert second.built.secrets is not None
        # The sweep that runs at start removed it (or finds it due now).
        second.built.secrets.maintain(clock.now())
        with second.built.store.read() as tx:
            assert tx.secrets.get(second.account_id, "doomed") is None  # type: ignore[arg-type]
