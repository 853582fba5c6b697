"""Parameter names, selectors and ARNs as Parameter Store reads them (names.py): the rules of
"Requirements and constraints for parameter names" (Systems Manager user guide)."""

from __future__ import annotations

import pytest

from stockade.services.ssm.errors import ParameterNotFoundError
from stockade.services.ssm.names import (
    arn_named,
    canonical,
    checked_path,
    from_reference,
    selector,
)

ACCOUNT, REGION = "111122223333", "us-east-1"


def test_a_one_level_name_loses_its_slash_a_path_keeps_it() -> None:
    assert [canonical(n) for n in ("/a", "a", "/a/b")] == ["a", "a", "/a/b"]


def test_arns_name_parameters_of_their_own_account_only() -> None:
    arn = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/app/db"
    assert from_reference(arn, ACCOUNT, REGION) == "/app/db"
    assert from_reference(f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/flat", ACCOUNT, REGION) == (
        "flat"
    )
    with pytest.raises(ParameterNotFoundError):
        from_reference(arn.replace(ACCOUNT, "999999999999"), ACCOUNT, REGION)
    with pytest.raises(ParameterNotFoundError):
        from_reference(arn.replace(REGION, "eu-west-1"), ACCOUNT, REGION)


def test_the_arn_authorized_leaves_the_selector_out() -> None:
    own = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/app/db"
    assert arn_named("/app/db:3", ACCOUNT, REGION) == own
    assert arn_named(f"{own}:prod", ACCOUNT, REGION) == own
    assert arn_named("/flat", ACCOUNT, REGION) == own.replace("app/db", "flat")
    foreign = own.replace(ACCOUNT, "999999999999")
    assert arn_named(foreign, ACCOUNT, REGION) == foreign


def test_selectors() -> None:
    assert selector("/a/b:3", ACCOUNT, REGION).version == 3
    assert selector("/a/b:prod", ACCOUNT, REGION).label == "prod"
    plain = selector("/a/b", ACCOUNT, REGION)
    assert (plain.name, plain.version, plain.label) == ("/a/b", None, None)
    for bad in ("/a/b:1:2", "/a/b:"):
        with pytest.raises(ParameterNotFoundError):
            selector(bad, ACCOUNT, REGION)


def test_paths_end_with_a_slash() -> None:
    assert [checked_path(p) for p in ("/", "/a", "/a/b/")] == ["/", "/a/", "/a/b/"]
