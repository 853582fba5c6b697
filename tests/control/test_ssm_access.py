"""Who may use which parameter: `ssm:<Action>` on the parameter's ARN, decided by the kernel
(Service Authorization Reference for Systems Manager: resource `parameter`
arn:aws:ssm:<region>:<account>:parameter/<name without its leading slash>; GetParametersByPath
on the path; DescribeParameters on `*`; tagging on create needs ssm:AddTagsToResource).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError

from tests.control.ssm_support import error_of, fresh, user_with
from tests.support.inprocess import InProcessServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(tmp_path_factory.mktemp("ssm-access") / "data") as running:
        yield running


@pytest.fixture(scope="module")
def base(server: InProcessServer) -> str:
    """<base>/team-a/x, <base>/team-a/deep/y, <base>/team-b/z."""
    ssm = server.client("ssm")
    root = fresh("/acc")
    for name in ("team-a/x", "team-a/deep/y", "team-b/z"):
        ssm.put_parameter(Name=f"{root}/{name}", Value=name, Type="String")
    return root


def arn(server: InProcessServer, name: str) -> str:
    return f"arn:aws:ssm:us-east-1:{server.account_id}:parameter/{name.removeprefix('/')}"


def denied(caught: pytest.ExceptionInfo[ClientError], action: str, resource: str) -> None:
    code, message = error_of(caught)
    assert code == "AccessDeniedException"
    assert f"is not authorized to perform: {action} on resource: {resource}" in message


def test_a_reader_of_one_subtree(server: InProcessServer, base: str) -> None:
    reader = server.client("ssm", user_with(server, [
        {"Effect": "Allow", "Action": ["ssm:GetParameter", "ssm:GetParameters"],
         "Resource": arn(server, f"{base}/team-a/*")},
    ]))  # fmt: skip
    assert reader.get_parameter(Name=f"{base}/team-a/x")["Parameter"]["Value"] == "team-a/x"
    assert reader.get_parameter(Name=f"{base}/team-a/x:1")["Parameter"]["Version"] == 1
    with pytest.raises(ClientError) as caught:
        reader.get_parameter(Name=f"{base}/team-b/z")
    denied(caught, "ssm:GetParameter", arn(server, f"{base}/team-b/z"))
    # GetParameters needs every name it is given.
    got = reader.get_parameters(Names=[f"{base}/team-a/x", f"{base}/team-a/deep/y"])
    assert len(got["Parameters"]) == 2
    with pytest.raises(ClientError) as caught:
        reader.get_parameters(Names=[f"{base}/team-a/x", f"{base}/team-b/z"])
    denied(caught, "ssm:GetParameters", arn(server, f"{base}/team-b/z"))
    # A missing parameter the caller may not read is denied, not "not found".
    with pytest.raises(ClientError) as caught:
        reader.get_parameter(Name=f"{base}/team-c/none")
    assert error_of(caught)[0] == "AccessDeniedException"


def test_by_path_is_authorized_on_the_path(server: InProcessServer, base: str) -> None:
    walker = server.client("ssm", user_with(server, [
        {"Effect": "Allow", "Action": "ssm:GetParametersByPath",
         "Resource": arn(server, f"{base}/team-a")},
    ]))  # fmt: skip
    found = walker.get_parameters_by_path(Path=f"{base}/team-a", Recursive=True)["Parameters"]
    assert sorted(p["Name"] for p in found) == [f"{base}/team-a/deep/y", f"{base}/team-a/x"]
    with pytest.raises(ClientError) as caught:
        walker.get_parameters_by_path(Path=f"{base}/team-b")
    denied(caught, "ssm:GetParametersByPath", arn(server, f"{base}/team-b"))
    with pytest.raises(ClientError) as caught:
        walker.get_parameter(Name=f"{base}/team-a/x")
    denied(caught, "ssm:GetParameter", arn(server, f"{base}/team-a/x"))


def test_describe_is_authorized_on_everything(server: InProcessServer, base: str) -> None:
    allowed = server.client("ssm", user_with(server, [
        {"Effect": "Allow", "Action": "ssm:DescribeParameters", "Resource": "*"},
    ]))  # fmt: skip
    found = allowed.describe_parameters(
        ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": [base]}]
    )["Parameters"]
    assert len(found) == 3
    assert all("Value" not in p for p in found)
    not_star = server.client("ssm", user_with(server, [
        {"Effect": "Allow", "Action": "ssm:DescribeParameters",
         "Resource": arn(server, f"{base}/*")},
    ]))  # fmt: skip
    with pytest.raises(ClientError) as caught:
        not_star.describe_parameters()
    denied(caught, "ssm:DescribeParameters", "*")


def test_writers_and_taggers(server: InProcessServer, base: str) -> None:
    writer = server.client("ssm", user_with(server, [
        {"Effect": "Allow", "Action": ["ssm:PutParameter", "ssm:DeleteParameter"],
         "Resource": arn(server, f"{base}/w/*")},
    ]))  # fmt: skip
    assert writer.put_parameter(Name=f"{base}/w/one", Value="1", Type="String")["Version"] == 1
    with pytest.raises(ClientError) as caught:
        writer.put_parameter(
            Name=f"{base}/w/two", Value="2", Type="String", Tags=[{"Key": "k", "Value": "v"}]
        )
    denied(caught, "ssm:AddTagsToResource", arn(server, f"{base}/w/two"))
    with pytest.raises(ClientError) as caught:
        writer.put_parameter(Name=f"{base}/elsewhere", Value="1", Type="String")
    denied(caught, "ssm:PutParameter", arn(server, f"{base}/elsewhere"))
    with pytest.raises(ClientError) as caught:
        writer.delete_parameters(Names=[f"{base}/w/one"])
    denied(caught, "ssm:DeleteParameters", arn(server, f"{base}/w/one"))
    writer.delete_parameter(Name=f"{base}/w/one")
    with pytest.raises(ClientError) as caught:
        writer.label_parameter_version(Name=f"{base}/team-a/x", Labels=["l"])
    denied(caught, "ssm:LabelParameterVersion", arn(server, f"{base}/team-a/x"))
    with pytest.raises(ClientError) as caught:
        writer.list_tags_for_resource(ResourceType="Parameter", ResourceId=f"{base}/team-a/x")
    denied(caught, "ssm:ListTagsForResource", arn(server, f"{base}/team-a/x"))


def test_another_accounts_arn_is_denied_even_to_the_administrator(
    server: InProcessServer, base: str
) -> None:
    # Parameters are not shared across accounts here: no resource policy lets a caller in, so
    # an ARN of another account is denied before any handler looks (and a handler looks only
    # in the caller's own account).
    admin = server.client("ssm")
    own = f"{base}/team-a/x"
    foreign = arn(server, own).replace(server.account_id, "123456789012")
    assert foreign != arn(server, own)
    with pytest.raises(ClientError) as caught:
        admin.get_parameter(Name=foreign)
    denied(caught, "ssm:GetParameter", foreign)
    with pytest.raises(ClientError) as caught:
        admin.get_parameters(Names=[own, foreign])
    denied(caught, "ssm:GetParameters", foreign)
    with pytest.raises(ClientError) as caught:
        admin.delete_parameter(Name=foreign)
    denied(caught, "ssm:DeleteParameter", foreign)
    assert admin.get_parameter(Name=arn(server, own))["Parameter"]["Value"] == "team-a/x"
