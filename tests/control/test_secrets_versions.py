"""Versions and staging labels: PutSecretValue, GetSecretValue by VersionId / VersionStage,
UpdateSecretVersionStage, ListSecretVersionIds (IncludeDeprecated), ClientRequestToken
idempotency and the pruning of deprecated versions past 100.

AWS's rules from the Secrets Manager User Guide ("Secret versions": one label on one version,
AWSCURRENT's old version becomes AWSPREVIOUS, versions without labels are deprecated and removed
past 100 versions unless created less than 24 hours ago) and its API reference.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stockade.clock import FakeClock
from tests.control.secrets_support import error_of, new_name
from tests.support.inprocess import InProcessServer

START = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    data = tmp_path_factory.mktemp("secrets-versions") / "data"
    with InProcessServer(data, clock=FakeClock(START)) as running:
        yield running


@pytest.fixture
def sm(server: InProcessServer) -> Any:
    return server.client("secretsmanager")


def stages_of(sm: Any, name: str) -> dict[str, list[str]]:
    return dict(sm.describe_secret(SecretId=name)["VersionIdsToStages"])


def test_each_put_moves_current_and_previous(sm: Any) -> None:
    name = new_name()
    one = sm.create_secret(Name=name, SecretString="1")["VersionId"]
    two = sm.put_secret_value(SecretId=name, SecretString="2")
    assert two["VersionStages"] == ["AWSCURRENT"]
    three = sm.put_secret_value(SecretId=name, SecretString="3")["VersionId"]
    assert stages_of(sm, name) == {two["VersionId"]: ["AWSPREVIOUS"], three: ["AWSCURRENT"]}
    assert sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")["SecretString"] == "2"
    assert sm.get_secret_value(SecretId=name, VersionId=one)["SecretString"] == "1"
    versions = sm.list_secret_version_ids(SecretId=name)["Versions"]
    assert {v["VersionId"] for v in versions} == {two["VersionId"], three}
    deprecated = sm.list_secret_version_ids(SecretId=name, IncludeDeprecated=True)["Versions"]
    assert {v["VersionId"] for v in deprecated} == {one, two["VersionId"], three}
    assert next(v for v in deprecated if v["VersionId"] == one).get("VersionStages") is None


def test_a_pending_version_leaves_current_alone(sm: Any) -> None:
    name = new_name()
    current = sm.create_secret(Name=name, SecretString="live")["VersionId"]
    pending = sm.put_secret_value(SecretId=name, SecretString="next", VersionStages=["AWSPENDING"])[
        "VersionId"
    ]
    assert stages_of(sm, name) == {current: ["AWSCURRENT"], pending: ["AWSPENDING"]}
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "live"
    assert sm.get_secret_value(SecretId=name, VersionStage="AWSPENDING")["SecretString"] == "next"


def test_the_same_token_and_value_is_the_same_version_and_another_value_is_refused(
    sm: Any,
) -> None:
    name = new_name()
    sm.create_secret(Name=name, SecretString="1")
    token = "t" * 40
    first = sm.put_secret_value(SecretId=name, SecretString="2", ClientRequestToken=token)
    again = sm.put_secret_value(SecretId=name, SecretString="2", ClientRequestToken=token)
    assert again["VersionId"] == first["VersionId"] == token
    assert len(sm.list_secret_version_ids(SecretId=name, IncludeDeprecated=True)["Versions"]) == 2
    with pytest.raises(ClientError) as caught:
        sm.put_secret_value(SecretId=name, SecretString="3", ClientRequestToken=token)
    assert error_of(caught) == (
        "ResourceExistsException",
        "You can't modify an existing version, you can only create a new version.",
    )


def test_a_put_without_a_value_is_refused(sm: Any) -> None:
    name = new_name()
    sm.create_secret(Name=name, SecretString="1")
    with pytest.raises(ClientError) as caught:
        sm.put_secret_value(SecretId=name)
    assert error_of(caught)[0] == "InvalidRequestException"


def test_version_id_and_stage_must_agree(sm: Any) -> None:
    name = new_name()
    version = sm.create_secret(Name=name, SecretString="1")["VersionId"]
    with pytest.raises(ClientError) as caught:
        sm.get_secret_value(SecretId=name, VersionId=version, VersionStage="AWSPREVIOUS")
    assert error_of(caught) == (
        "InvalidRequestException",
        "You provided a VersionStage that is not associated to the provided VersionId.",
    )
    with pytest.raises(ClientError) as caught:
        sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")
    assert error_of(caught) == (
        "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS",
    )
    missing = "0" * 32
    with pytest.raises(ClientError) as caught:
        sm.get_secret_value(SecretId=name, VersionId=missing)
    assert error_of(caught)[0] == "ResourceNotFoundException"


def test_moving_current_needs_its_old_version_named_and_makes_it_previous(sm: Any) -> None:
    name = new_name()
    one = sm.create_secret(Name=name, SecretString="1")["VersionId"]
    two = sm.put_secret_value(SecretId=name, SecretString="2",
                              VersionStages=["AWSPENDING"])["VersionId"]  # fmt: skip
    with pytest.raises(ClientError) as caught:
        sm.update_secret_version_stage(
            SecretId=name, VersionStage="AWSCURRENT", MoveToVersionId=two
        )
    assert error_of(caught)[0] == "InvalidParameterException"
    assert one in error_of(caught)[1]
    sm.update_secret_version_stage(
        SecretId=name, VersionStage="AWSCURRENT", MoveToVersionId=two, RemoveFromVersionId=one
    )
    assert stages_of(sm, name) == {one: ["AWSPREVIOUS"], two: ["AWSPENDING", "AWSCURRENT"]}
    sm.update_secret_version_stage(SecretId=name, VersionStage="AWSPENDING",
                                   RemoveFromVersionId=two)  # fmt: skip
    assert stages_of(sm, name) == {one: ["AWSPREVIOUS"], two: ["AWSCURRENT"]}
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "2"


def test_current_cannot_be_removed_outright(sm: Any) -> None:
    name = new_name()
    one = sm.create_secret(Name=name, SecretString="1")["VersionId"]
    with pytest.raises(ClientError) as caught:
        sm.update_secret_version_stage(SecretId=name, VersionStage="AWSCURRENT",
                                       RemoveFromVersionId=one)  # fmt: skip
    assert error_of(caught)[0] == "InvalidParameterException"


def test_a_custom_label_moves_between_versions(sm: Any) -> None:
    name = new_name()
    one = sm.create_secret(Name=name, SecretString="1")["VersionId"]
    two = sm.put_secret_value(SecretId=name, SecretString="2",
                              VersionStages=["blue"])["VersionId"]  # fmt: skip
    sm.update_secret_version_stage(SecretId=name, VersionStage="blue", MoveToVersionId=one,
                                   RemoveFromVersionId=two)  # fmt: skip
    assert stages_of(sm, name) == {one: ["AWSCURRENT", "blue"]}
    assert sm.get_secret_value(SecretId=name, VersionStage="blue")["SecretString"] == "1"


def test_deprecated_versions_past_100_are_pruned_once_a_day_old(
    server: InProcessServer, sm: Any
) -> None:
    name = new_name()
    first = sm.create_secret(Name=name, SecretString="0")["VersionId"]
    for i in range(1, 101):
        sm.put_secret_value(SecretId=name, SecretString=str(i))
    every = sm.list_secret_version_ids(SecretId=name, IncludeDeprecated=True, MaxResults=100)
    assert len(every["Versions"]) == 100
    assert "NextToken" in every
    server.clock.advance(86400 + 1)
    sm.put_secret_value(SecretId=name, SecretString="last")
    ids: list[str] = []
    token = None
    for _ in range(5):
        page = sm.list_secret_version_ids(
            SecretId=name,
            IncludeDeprecated=True,
            MaxResults=50,
            **({"NextToken": token} if token else {}),
        )
        ids += [v["VersionId"] for v in page["Versions"]]
        token = page.get("NextToken")
        if token is None:
            break
    assert len(ids) == 100
    assert first not in ids  # the oldest deprecated version went first
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "last"
