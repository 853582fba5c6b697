"""Parameter Store's PutParameter, GetParameter, GetParameters and DeleteParameter(s) through
boto3's `ssm` client: types, Overwrite, versions, selectors, tiers, AllowedPattern, DataType,
Description and AWS's errors.

AWS's answers from the PutParameter / GetParameter API references, the user guide
("Requirements and constraints for parameter names", "Managing parameter tiers") and AWS's
exact messages as moto's AWS-verified tests record them (tests/test_ssm/test_ssm.py).
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
    with InProcessServer(tmp_path_factory.mktemp("ssm-parameters") / "data") as running:
        yield running


@pytest.fixture
def ssm(server: InProcessServer) -> Any:
    return server.client("ssm")


def test_a_string_is_put_and_read_with_its_arn_and_version(
    server: InProcessServer, ssm: Any
) -> None:
    name = fresh() + "/url"
    put = ssm.put_parameter(Name=name, Value="postgres://db", Type="String")
    assert (put["Version"], put["Tier"]) == (1, "Standard")
    got = ssm.get_parameter(Name=name)["Parameter"]
    arn = f"arn:aws:ssm:us-east-1:{server.account_id}:parameter{name}"
    assert (got["Name"], got["Value"], got["Type"], got["Version"]) == (
        name, "postgres://db", "String", 1,
    )  # fmt: skip
    assert (got["ARN"], got["DataType"]) == (arn, "text")
    assert ssm.get_parameter(Name=arn)["Parameter"]["Value"] == "postgres://db"


def test_a_one_level_name_with_a_slash_is_the_same_parameter(ssm: Any) -> None:
    bare = f"flat{fresh('')[1:]}"
    ssm.put_parameter(Name=f"/{bare}", Value="one", Type="String")
    got = ssm.get_parameter(Name=bare)["Parameter"]
    assert (got["Name"], got["Value"]) == (bare, "one")
    with pytest.raises(ClientError) as caught:
        ssm.put_parameter(Name=bare, Value="two", Type="String")
    assert error_of(caught)[0] == "ParameterAlreadyExists"


def test_a_string_list_keeps_its_commas(ssm: Any) -> None:
    name = fresh() + "/list"
    ssm.put_parameter(Name=name, Value="a,b,c", Type="StringList")
    got = ssm.get_parameter(Name=name)["Parameter"]
    assert (got["Type"], got["Value"]) == ("StringList", "a,b,c")


def test_putting_again_needs_overwrite_which_adds_a_version(ssm: Any) -> None:
    name = fresh() + "/v"
    ssm.put_parameter(Name=name, Value="1", Type="String", Description="first")
    with pytest.raises(ClientError) as caught:
        ssm.put_parameter(Name=name, Value="2", Type="String")
    assert error_of(caught) == (
        "ParameterAlreadyExists",
        "The parameter already exists. To overwrite this value, set the overwrite option in"
        " the request to true.",
    )
    assert ssm.put_parameter(Name=name, Value="2", Overwrite=True)["Version"] == 2
    got = ssm.get_parameter(Name=name)["Parameter"]
    assert (got["Value"], got["Version"], got["Type"]) == ("2", 2, "String")
    # The description carries over when an overwrite names none.
    described = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [name]}])[
        "Parameters"
    ]
    assert described[0]["Description"] == "first"


def test_a_type_is_needed_to_create(ssm: Any) -> None:
    with pytest.raises(ClientError) as caught:
        ssm.put_parameter(Name=fresh() + "/no-type", Value="x")
    assert error_of(caught) == (
        "ValidationException",
        "A parameter type is required when you create a parameter.",
    )


def test_selectors_name_a_version_or_a_label(ssm: Any) -> None:
    name = fresh() + "/sel"
    ssm.put_parameter(Name=name, Value="one", Type="String")
    ssm.put_parameter(Name=name, Value="two", Overwrite=True)
    ssm.label_parameter_version(Name=name, ParameterVersion=1, Labels=["stable"])
    first = ssm.get_parameter(Name=f"{name}:1")["Parameter"]
    assert (first["Value"], first["Version"], first["Selector"]) == ("one", 1, ":1")
    labelled = ssm.get_parameter(Name=f"{name}:stable")["Parameter"]
    assert (labelled["Value"], labelled["Selector"], labelled["Name"]) == ("one", ":stable", name)
    with pytest.raises(ClientError) as caught:
        ssm.get_parameter(Name=f"{name}:7")
    assert error_of(caught) == (
        "ParameterVersionNotFound",
        f"Systems Manager could not find version 7 of {name}. Verify the version and try again.",
    )
    with pytest.raises(ClientError) as caught:
        ssm.get_parameter(Name=f"{name}:nolabel")
    assert error_of(caught) == ("ParameterNotFound", f"Parameter {name}:nolabel not found.")
    with pytest.raises(ClientError) as caught:
        ssm.get_parameter(Name=f"{name}:1:2")
    assert error_of(caught) == ("ParameterNotFound", f"Parameter {name}:1:2 not found.")


def test_a_missing_parameter_is_not_found(ssm: Any) -> None:
    with pytest.raises(ClientError) as caught:
        ssm.get_parameter(Name="/nowhere/at-all")
    assert error_of(caught) == ("ParameterNotFound", "Parameter /nowhere/at-all not found.")
    # AWS's public parameters are not published here: answered as any missing name.
    public = "/aws/service/global-infrastructure/regions"
    with pytest.raises(ClientError) as caught:
        ssm.get_parameter(Name=public)
    assert error_of(caught) == ("ParameterNotFound", f"Parameter {public} not found.")


def test_get_parameters_answers_the_found_and_lists_the_rest(ssm: Any) -> None:
    base = fresh()
    ssm.put_parameter(Name=f"{base}/a", Value="A", Type="String")
    ssm.put_parameter(Name=f"{base}/b", Value="B", Type="String")
    got = ssm.get_parameters(Names=[f"{base}/a", f"{base}/b:1", f"{base}/c", f"{base}/a:9"])
    assert sorted((p["Name"], p["Value"]) for p in got["Parameters"]) == [
        (f"{base}/a", "A"), (f"{base}/b", "B"),
    ]  # fmt: skip
    assert sorted(got["InvalidParameters"]) == [f"{base}/a:9", f"{base}/c"]


def test_get_parameters_takes_at_most_ten_names(ssm: Any) -> None:
    client = ssm
    with pytest.raises(ClientError) as caught:
        client._make_api_call("GetParameters", {"Names": [f"/n{i}" for i in range(11)]})
    assert error_of(caught)[0] == "ValidationException"


def test_delete_parameter_and_delete_parameters(ssm: Any) -> None:
    base = fresh()
    for leaf in ("a", "b", "c"):
        ssm.put_parameter(Name=f"{base}/{leaf}", Value=leaf, Type="String")
    ssm.delete_parameter(Name=f"{base}/a")
    with pytest.raises(ClientError) as caught:
        ssm.delete_parameter(Name=f"{base}/a")
    assert error_of(caught) == ("ParameterNotFound", f"Parameter {base}/a not found.")
    deleted = ssm.delete_parameters(Names=[f"{base}/b", f"{base}/c", f"{base}/zz"])
    assert (deleted["DeletedParameters"], deleted["InvalidParameters"]) == (
        [f"{base}/b", f"{base}/c"], [f"{base}/zz"],
    )  # fmt: skip
    assert ssm.get_parameters(Names=[f"{base}/b"])["InvalidParameters"] == [f"{base}/b"]


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("aws-thing", "ValidationException",
         "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive)."),
        ("SSM_thing", "ValidationException",
         "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive)."),
        ("/ssm/a/b", "ValidationException",
         "Parameter name: can't be prefixed with \"ssm\" (case-insensitive). If formed as a"
         " path, it can consist of sub-paths divided by slash symbol; each sub-path can be"
         " formed as a mix of letters, numbers and the following 3 symbols .-_"),
        ("/aws/service/x", "AccessDeniedException",
         "No access to reserved parameter name: /aws/service/x."),
        ("/has space/x", "ValidationException",
         "Parameter name: can't be prefixed with \"ssm\" (case-insensitive). If formed as a"
         " path, it can consist of sub-paths divided by slash symbol; each sub-path can be"
         " formed as a mix of letters, numbers and the following 3 symbols .-_"),
    ],
)  # fmt: skip
def test_names_aws_refuses(ssm: Any, name: str, code: str, message: str) -> None:
    with pytest.raises(ClientError) as caught:
        ssm.put_parameter(Name=name, Value="x", Type="String")
    assert error_of(caught) == (code, message)


def test_a_path_must_start_with_a_slash_and_have_no_empty_level(ssm: Any) -> None:
    for name in ("a/b", "/a//b", "/a/b/"):
        with pytest.raises(ClientError) as caught:
            ssm.put_parameter(Name=name, Value="x", Type="String")
        code, message = error_of(caught)
        assert code == "ValidationException", name
        assert message.startswith("The parameter doesn't meet the parameter name requirements.")


def test_a_hierarchy_has_at_most_fifteen_levels(ssm: Any) -> None:
    fifteen = "/" + "/".join(f"l{i}" for i in range(15))
    assert ssm.put_parameter(Name=fifteen, Value="deep", Type="String")["Version"] == 1
    with pytest.raises(ClientError) as caught:
        ssm.put_parameter(Name=fifteen + "/l15", Value="deeper", Type="String")
    code, message = error_of(caught)
    assert code == "HierarchyLevelLimitExceededException"
    assert message.startswith("A hierarchy can have a maximum of 15 levels.")


def test_standard_holds_4_kb_advanced_8_kb(ssm: Any) -> None:
    base = fresh()
    assert ssm.put_parameter(Name=f"{base}/s", Value="x" * 4096, Type="String")["Tier"] == (
        "Standard"
    )
    with pytest.raises(ClientError) as caught:
        ssm.put_parameter(Name=f"{base}/big", Value="x" * 4097, Type="String")
    code, message = error_of(caught)
    assert code == "ValidationException"
    assert message.startswith(
        "Standard tier parameters support a maximum parameter value of 4096 characters."
    )
    advanced = ssm.put_parameter(
        Name=f"{base}/big", Value="x" * 8192, Type="String", Tier="Advanced"
    )
    assert advanced["Tier"] == "Advanced"
    with pytest.raises(ClientError) as caught:
        ssm.put_parameter(Name=f"{base}/huge", Value="x" * 8193, Type="String", Tier="Advanced")
    assert error_of(caught)[0] == "ValidationException"


def test_intelligent_tiering_picks_the_tier_the_value_needs(ssm: Any) -> None:
    base = fresh()
    small = ssm.put_parameter(
        Name=f"{base}/small", Value="x", Type="String", Tier="Intelligent-Tiering"
    )
    large = ssm.put_parameter(
        Name=f"{base}/large", Value="x" * 5000, Type="String", Tier="Intelligent-Tiering"
    )
    assert (small["Tier"], large["Tier"]) == ("Standard", "Advanced")


def test_an_advanced_parameter_never_goes_back_to_standard(ssm: Any) -> None:
    name = fresh() + "/adv"
    ssm.put_parameter(Name=name, Value="x", Type="String", Tier="Advanced")
    with pytest.raises(ClientError) as caught:
        ssm.put_parameter(Name=name, Value="y", Overwrite=True, Tier="Standard")
    code, message = error_of(caught)
    assert code == "ValidationException"
    assert "You can't downgrade a parameter from the advanced-parameter tier" in message
    # Without a tier an overwrite keeps it advanced.
    assert ssm.put_parameter(Name=name, Value="z", Overwrite=True)["Tier"] == "Advanced"


def test_allowed_pattern_is_checked_on_every_version(ssm: Any) -> None:
    name = fresh() + "/port"
    ssm.put_parameter(Name=name, Value="5432", Type="String", AllowedPattern=r"^\d+$")
    with pytest.raises(ClientError) as caught:
        ssm.put_parameter(Name=name, Value="not-a-port", Overwrite=True)
    assert error_of(caught) == (
        "ParameterPatternMismatchException",
        r"Parameter value, cannot be validated against allowedPattern: ^\d+$",
    )
    with pytest.raises(ClientError) as caught:
        ssm.put_parameter(Name=fresh() + "/bad", Value="x", Type="String", AllowedPattern="(")
    assert error_of(caught)[0] == "InvalidAllowedPatternException"
    assert ssm.get_parameter(Name=name)["Parameter"]["Value"] == "5432"


def test_only_the_text_data_type_is_served(ssm: Any) -> None:
    name = fresh() + "/ami"
    assert ssm.put_parameter(Name=name, Value="t", Type="String", DataType="text")["Version"] == 1
    with pytest.raises(ClientError) as caught:
        ssm.put_parameter(
            Name=fresh() + "/image", Value="ami-12345678", Type="String", DataType="aws:ec2:image"
        )
    assert error_of(caught) == (
        "ValidationException",
        "The following data type is not supported: aws:ec2:image (Data type names are all"
        " lowercase.)",
    )


def test_tags_cannot_go_with_overwrite(ssm: Any) -> None:
    name = fresh() + "/tagged"
    ssm.put_parameter(Name=name, Value="x", Type="String", Tags=[{"Key": "team", "Value": "a"}])
    with pytest.raises(ClientError) as caught:
        ssm.put_parameter(
            Name=name, Value="y", Overwrite=True, Tags=[{"Key": "team", "Value": "b"}]
        )
    code, message = error_of(caught)
    assert code == "ValidationException"
    assert message.startswith("Invalid request: tags and overwrite can't be used together.")
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"]
    assert tags == [{"Key": "team", "Value": "a"}]


def test_policies_are_refused_not_ignored(ssm: Any) -> None:
    name = fresh() + "/expiring"
    policy = '[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-01-01"}}]'
    with pytest.raises(ClientError) as caught:
        ssm.put_parameter(Name=name, Value="x", Type="String", Tier="Advanced", Policies=policy)
    assert error_of(caught)[0] == "InvalidPolicyTypeException"
    with pytest.raises(ClientError):
        ssm.get_parameter(Name=name)


def test_an_empty_value_is_refused(ssm: Any) -> None:
    with pytest.raises(ClientError) as caught:
        ssm.put_parameter(Name=fresh() + "/empty", Value="", Type="String")
    assert error_of(caught) == (
        "ValidationException",
        "1 validation error detected: Value '' at 'value' failed to satisfy constraint: Member"
        " must have length greater than or equal to 1.",
    )


def test_the_hundred_and_first_version_drops_the_oldest_unless_labelled(ssm: Any) -> None:
    name = fresh() + "/many"
    ssm.put_parameter(Name=name, Value="v1", Type="String")
    for i in range(2, 101):
        ssm.put_parameter(Name=name, Value=f"v{i}", Overwrite=True)
    ssm.put_parameter(Name=name, Value="v101", Overwrite=True)
    with pytest.raises(ClientError) as caught:
        ssm.get_parameter(Name=f"{name}:1")
    assert error_of(caught)[0] == "ParameterVersionNotFound"
    assert ssm.get_parameter(Name=f"{name}:2")["Parameter"]["Value"] == "v2"
    ssm.label_parameter_version(Name=name, ParameterVersion=2, Labels=["keep"])
    with pytest.raises(ClientError) as caught:
        ssm.put_parameter(Name=name, Value="v102", Overwrite=True)
    assert error_of(caught) == (
        "ParameterMaxVersionLimitExceeded",
        f"You attempted to create a new version of {name} by calling the PutParameter API with"
        " the overwrite flag. Version 2, the oldest version, can't be deleted because it has a"
        " label associated with it. Move the label to another version of the parameter, and"
        " try again.",
    )
    assert ssm.get_parameter(Name=name)["Parameter"]["Version"] == 101


def test_a_key_is_for_secure_strings_only(ssm: Any) -> None:
    with pytest.raises(ClientError) as caught:
        ssm.put_parameter(Name=fresh() + "/k", Value="x", Type="String", KeyId="alias/aws/ssm")
    assert error_of(caught)[0] == "ValidationException"
