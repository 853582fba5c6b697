"""ListSecrets (Filters with prefixes and negation, IncludePlannedDeletion, SortOrder, pages)
and GetRandomPassword (every option).

From the Secrets Manager API reference and "Find secrets in AWS Secrets Manager" (filter keys,
prefix matching, "!" negation), and GetRandomPassword's reference (32 characters by default,
the punctuation set, RequireEachIncludedType).
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stockade.clock import FakeClock
from tests.control.secrets_support import error_of, new_name
from tests.support.inprocess import InProcessServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    data = tmp_path_factory.mktemp("secrets-listing") / "data"
    with InProcessServer(data, clock=FakeClock(dt.datetime(2026, 6, 1, tzinfo=dt.UTC))) as s:
        yield s


@pytest.fixture
def sm(server: InProcessServer) -> Any:
    return server.client("secretsmanager")


def names(sm: Any, **kwargs: Any) -> list[str]:
    return [s["Name"] for s in sm.list_secrets(**kwargs)["SecretList"]]


def test_filters_match_by_prefix_and_may_be_negated(server: InProcessServer, sm: Any) -> None:
    base = new_name("list")
    sm.create_secret(Name=f"{base}/db", SecretString="v", Description="database password",
                     Tags=[{"Key": "team", "Value": "red"}])  # fmt: skip
    server.clock.advance(1)
    sm.create_secret(Name=f"{base}/api", SecretString="v", Tags=[{"Key": "env", "Value": "x"}])
    assert names(sm, Filters=[{"Key": "name", "Values": [base]}]) == [f"{base}/db", f"{base}/api"]
    named = {"Key": "name", "Values": [base]}
    assert names(sm, Filters=[named, {"Key": "tag-key", "Values": ["team"]}]) == [f"{base}/db"]
    assert names(sm, Filters=[named, {"Key": "tag-key", "Values": ["!team"]}]) == [f"{base}/api"]
    assert names(sm, Filters=[{"Key": "description", "Values": ["database"]}]) == [f"{base}/db"]
    assert names(sm, Filters=[{"Key": "all", "Values": ["red"]}]) == [f"{base}/db"]
    assert names(sm, Filters=[{"Key": "name", "Values": [base]}], SortOrder="desc") == [
        f"{base}/api",
        f"{base}/db",
    ]


def test_secrets_planned_for_deletion_are_listed_only_when_asked(sm: Any) -> None:
    name = new_name("planned")
    sm.create_secret(Name=name, SecretString="v")
    sm.delete_secret(SecretId=name, RecoveryWindowInDays=7)
    only = [{"Key": "name", "Values": [name]}]
    assert names(sm, Filters=only) == []
    listed = sm.list_secrets(Filters=only, IncludePlannedDeletion=True)["SecretList"]
    assert [s["Name"] for s in listed] == [name]
    assert "DeletedDate" in listed[0]


def test_pages_cover_every_secret_once(sm: Any) -> None:
    base = new_name("paged")
    made = {f"{base}-{i}" for i in range(5)}
    for name in sorted(made):
        sm.create_secret(Name=name, SecretString="v")
    seen: list[str] = []
    token = None
    for _ in range(10):
        page = sm.list_secrets(Filters=[{"Key": "name", "Values": [base]}], MaxResults=2,
                               **({"NextToken": token} if token else {}))  # fmt: skip
        seen += [s["Name"] for s in page["SecretList"]]
        token = page.get("NextToken")
        if token is None:
            break
    assert sorted(seen) == sorted(made)
    with pytest.raises(ClientError) as caught:
        sm.list_secrets(NextToken="garbage")
    assert error_of(caught)[0] == "InvalidNextTokenException"


def test_a_random_password_has_32_characters_of_every_type_by_default(sm: Any) -> None:
    password = sm.get_random_password()["RandomPassword"]
    assert len(password) == 32
    for group in (string.ascii_uppercase, string.ascii_lowercase, string.digits,
                  string.punctuation):  # fmt: skip
        assert any(c in group for c in password)
    assert " " not in password
    assert password != sm.get_random_password()["RandomPassword"]


def test_random_password_options_are_honoured(sm: Any) -> None:
    for _ in range(20):  # bounded: 20 draws of 64 characters
        password = sm.get_random_password(
            PasswordLength=64, ExcludePunctuation=True, ExcludeUppercase=True,
            ExcludeCharacters="abc012", IncludeSpace=True,
        )["RandomPassword"]  # fmt: skip
        assert len(password) == 64
        assert set(password) <= set(string.ascii_lowercase + string.digits + " ") - set("abc012")
        assert " " in password  # RequireEachIncludedType: the space too
    digits = sm.get_random_password(PasswordLength=5, ExcludeLowercase=True,
                                    ExcludeUppercase=True, ExcludePunctuation=True)  # fmt: skip
    assert digits["RandomPassword"].isdigit()


def test_impossible_passwords_are_refused(sm: Any) -> None:
    with pytest.raises(ClientError) as caught:
        sm.get_random_password(ExcludeLowercase=True, ExcludeUppercase=True,
                               ExcludeNumbers=True, ExcludePunctuation=True)  # fmt: skip
    assert error_of(caught)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as caught:
        sm.get_random_password(PasswordLength=3)  # four types required
    assert error_of(caught)[0] == "InvalidParameterException"
