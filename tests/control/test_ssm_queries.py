"""GetParametersByPath and DescribeParameters through boto3's `ssm` client: one level or
recursive, ParameterFilters and the older Filters, MaxResults and NextToken pages, and AWS's
errors for filters (InvalidFilterKey, InvalidFilterOption, InvalidFilterValue, messages as
moto's AWS-verified tests record them) and for tokens (InvalidNextToken).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.control.ssm_support import error_of, fresh
from tests.support.inprocess import InProcessServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(tmp_path_factory.mktemp("ssm-queries") / "data") as running:
        yield running


@pytest.fixture
def ssm(server: InProcessServer) -> Any:
    return server.client("ssm")


@pytest.fixture
def tree(ssm: Any) -> str:
    """<base>/a, <base>/b (SecureString), <base>/sub/c, <base>/sub/deep/d (tagged)."""
    base = fresh("/app")
    ssm.put_parameter(Name=f"{base}/a", Value="A", Type="String")
    ssm.put_parameter(Name=f"{base}/b", Value="B-secret", Type="SecureString")
    ssm.put_parameter(Name=f"{base}/sub/c", Value="C", Type="StringList")
    ssm.put_parameter(Name=f"{base}/sub/deep/d", Value="D", Type="String",
                      Tags=[{"Key": "env", "Value": "prod"}])  # fmt: skip
    return base


def names(parameters: list[dict[str, Any]]) -> list[str]:
    return sorted(p["Name"] for p in parameters)


def every_page(call: Any, key: str = "Parameters", **kwargs: Any) -> tuple[list[Any], int]:
    """Every item over every page (at most 50 pages), and how many pages it took."""
    found: list[Any] = []
    token = None
    for pages in range(1, 51):
        answer = call(**kwargs, **({"NextToken": token} if token else {}))
        found.extend(answer[key])
        token = answer.get("NextToken")
        if not token:
            return found, pages
    raise AssertionError("more than 50 pages")


def test_one_level_by_default_every_level_when_recursive(ssm: Any, tree: str) -> None:
    one = ssm.get_parameters_by_path(Path=tree)["Parameters"]
    assert names(one) == [f"{tree}/a", f"{tree}/b"]
    every = ssm.get_parameters_by_path(Path=f"{tree}/", Recursive=True)["Parameters"]
    assert names(every) == [f"{tree}/a", f"{tree}/b", f"{tree}/sub/c", f"{tree}/sub/deep/d"]


def test_a_secure_string_is_ciphertext_unless_decrypted(ssm: Any, tree: str) -> None:
    plain = {p["Name"]: p["Value"] for p in ssm.get_parameters_by_path(Path=tree)["Parameters"]}
    assert plain[f"{tree}/a"] == "A"
    assert plain[f"{tree}/b"] not in ("B-secret", "")
    decrypted = ssm.get_parameters_by_path(Path=tree, WithDecryption=True)["Parameters"]
    assert {p["Name"]: p["Value"] for p in decrypted}[f"{tree}/b"] == "B-secret"


def test_by_path_filters_by_type_and_tag(ssm: Any, tree: str) -> None:
    secure = ssm.get_parameters_by_path(
        Path=tree, Recursive=True,
        ParameterFilters=[{"Key": "Type", "Values": ["SecureString"]}],
    )["Parameters"]  # fmt: skip
    assert names(secure) == [f"{tree}/b"]
    tagged = ssm.get_parameters_by_path(
        Path=tree, Recursive=True, ParameterFilters=[{"Key": "tag:env", "Values": ["prod"]}]
    )["Parameters"]
    assert names(tagged) == [f"{tree}/sub/deep/d"]


def test_by_path_pages(ssm: Any) -> None:
    base = fresh("/paged")
    for i in range(7):
        ssm.put_parameter(Name=f"{base}/p{i}", Value=str(i), Type="String")
    found, pages = every_page(ssm.get_parameters_by_path, Path=base, MaxResults=3)
    assert names(found) == [f"{base}/p{i}" for i in range(7)]
    assert pages == 3


def test_by_path_refuses_keys_it_does_not_take(ssm: Any, tree: str) -> None:
    for key in ("Name", "Path", "Tier"):
        with pytest.raises(ClientError) as caught:
            ssm.get_parameters_by_path(Path=tree, ParameterFilters=[{"Key": key, "Values": ["x"]}])
        code, message = error_of(caught)
        assert code == "InvalidFilterKey"
        assert message.startswith(f"The following filter key is not valid: {key}.")


def test_by_path_refuses_a_reserved_or_malformed_path(ssm: Any) -> None:
    for path in ("/aws/service", "no-slash", "/a//b"):
        with pytest.raises(ClientError) as caught:
            ssm.get_parameters_by_path(Path=path)
        assert error_of(caught)[0] == "ValidationException", path


def test_a_foreign_token_is_invalid(ssm: Any, tree: str) -> None:
    with pytest.raises(ClientError) as caught:
        ssm.get_parameters_by_path(Path=tree, NextToken="not-a-token")
    assert error_of(caught) == ("InvalidNextToken", "The specified token isn't valid.")
    with pytest.raises(ClientError) as caught:
        ssm.describe_parameters(NextToken="bm90IGpzb24=")
    assert error_of(caught)[0] == "InvalidNextToken"


def test_describe_filters_by_name_path_type_and_tier(ssm: Any, tree: str) -> None:
    def described(filters: list[dict[str, Any]]) -> list[str]:
        found, _ = every_page(ssm.describe_parameters, ParameterFilters=filters, MaxResults=50)
        return names(found)

    assert described([{"Key": "Name", "Values": [f"{tree}/a"]}]) == [f"{tree}/a"]
    assert described([{"Key": "Name", "Option": "BeginsWith", "Values": [f"{tree}/sub"]}]) == [
        f"{tree}/sub/c", f"{tree}/sub/deep/d",
    ]  # fmt: skip
    assert described([{"Key": "Path", "Values": [f"{tree}/sub"]}]) == [f"{tree}/sub/c"]
    assert described(
        [{"Key": "Path", "Option": "Recursive", "Values": [f"{tree}/sub"]},
         {"Key": "Type", "Values": ["String"]}]
    ) == [f"{tree}/sub/deep/d"]  # fmt: skip
    assert described(
        [{"Key": "Path", "Option": "Recursive", "Values": [tree]},
         {"Key": "Type", "Values": ["SecureString"]}, {"Key": "KeyId", "Values": ["alias/aws/ssm"]}]
    ) == [f"{tree}/b"]  # fmt: skip
    assert described(
        [{"Key": "Path", "Option": "Recursive", "Values": [tree]},
         {"Key": "Tier", "Values": ["Standard"]}]
    ) == [f"{tree}/a", f"{tree}/b", f"{tree}/sub/c", f"{tree}/sub/deep/d"]  # fmt: skip


def test_describe_answers_metadata_and_never_a_value(ssm: Any, tree: str) -> None:
    found = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [f"{tree}/b"]}])
    (only,) = found["Parameters"]
    assert "Value" not in only
    assert (only["Type"], only["KeyId"], only["Tier"], only["Version"]) == (
        "SecureString", "alias/aws/ssm", "Standard", 1,
    )  # fmt: skip
    assert only["LastModifiedUser"].endswith(":user/stockade-admin")


def test_describe_takes_the_older_filters_but_not_both(ssm: Any, tree: str) -> None:
    found, _ = every_page(
        ssm.describe_parameters,
        Filters=[{"Key": "Name", "Values": [f"{tree}/sub"]}, {"Key": "Type", "Values": ["String"]}],
        MaxResults=50,
    )
    assert names(found) == [f"{tree}/sub/deep/d"]
    with pytest.raises(ClientError) as caught:
        ssm.describe_parameters(
            Filters=[{"Key": "Name", "Values": [tree]}],
            ParameterFilters=[{"Key": "Name", "Values": [tree]}],
        )
    assert error_of(caught) == (
        "ValidationException",
        "You can use either Filters or ParameterFilters in a single request.",
    )


@pytest.mark.parametrize(
    ("filters", "code", "message"),
    [
        ([{"Key": "Label", "Values": ["x"]}], "InvalidFilterKey",
         "The following filter key is not valid: Label. Valid filter keys include: [Path, Name,"
         " Type, KeyId, Tier, DataType]."),
        ([{"Key": "Type", "Values": ["Number"]}], "InvalidFilterOption",
         "The following filter value is not valid: Number. Valid values include: [String,"
         " StringList, SecureString]."),
        ([{"Key": "Path", "Option": "Deep", "Values": ["/a"]}], "InvalidFilterOption",
         "The following filter option is not valid: Deep. Valid options include: [Recursive,"
         " OneLevel]."),
        ([{"Key": "Type", "Option": "Contains", "Values": ["String"]}], "InvalidFilterOption",
         "The following filter option is not valid: Contains. Valid options include:"
         " [BeginsWith, Equals]."),
        ([{"Key": "Name"}], "InvalidFilterValue",
         "The following filter values are missing : null for filter key Name."),
        ([{"Key": "Name", "Values": ["a"]}, {"Key": "Name", "Values": ["b"]}], "InvalidFilterKey",
         "The following filter is duplicated in the request: Name. A request can contain only"
         " one occurrence of a specific filter."),
    ],
)  # fmt: skip
def test_describe_filter_errors(
    ssm: Any, filters: list[dict[str, Any]], code: str, message: str
) -> None:
    with pytest.raises(ClientError) as caught:
        ssm.describe_parameters(ParameterFilters=filters)
    assert error_of(caught) == (code, message)


def test_describe_pages_through_everything(ssm: Any) -> None:
    base = fresh("/many")
    for i in range(12):
        ssm.put_parameter(Name=f"{base}/m{i:02d}", Value="x", Type="String")
    filters = [{"Key": "Path", "Values": [base]}]
    found, pages = every_page(ssm.describe_parameters, ParameterFilters=filters, MaxResults=5)
    assert names(found) == [f"{base}/m{i:02d}" for i in range(12)]
    assert pages == 3


def test_describe_shared_finds_nothing_shared(ssm: Any, tree: str) -> None:
    # No parameter of another account is shared with this one (RAM is not served).
    assert ssm.describe_parameters(Shared=True)["Parameters"] == []
    assert ssm.describe_parameters(MaxResults=50)["Parameters"] != []
