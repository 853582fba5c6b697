"""CreateTags, DeleteTags and DescribeTags over VPCs, subnets and security groups.

Facts (EC2 API reference, DeleteTags and DescribeTags; EC2 user guide, "Tag restrictions"):
a tag given with a value is deleted only where the value matches; DeleteTags without tags
removes them all; keys starting with `aws:` are reserved; 50 tags a resource.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.inprocess import InProcessServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(tmp_path_factory.mktemp("ec2-tags") / "data") as running:
        yield running


@pytest.fixture(scope="module")
def ec2(server: InProcessServer) -> Any:
    return server.client("ec2")


def error_of(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = caught.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def tags_of(ec2: Any, resource_id: str) -> dict[str, str]:
    found = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [resource_id]}])
    return {t["Key"]: t["Value"] for t in found["Tags"]}


def test_tags_are_added_replaced_and_removed(ec2: Any) -> None:
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    ec2.create_tags(
        Resources=[vpc_id, subnet_id],
        Tags=[{"Key": "team", "Value": "a"}, {"Key": "env", "Value": "dev"}],
    )
    assert tags_of(ec2, vpc_id) == {"team": "a", "env": "dev"}
    assert ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]["Tags"] == [
        {"Key": "team", "Value": "a"}, {"Key": "env", "Value": "dev"}
    ]  # fmt: skip
    ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "team", "Value": "b"}])
    assert tags_of(ec2, vpc_id) == {"team": "b", "env": "dev"}
    ec2.delete_tags(Resources=[vpc_id], Tags=[{"Key": "team", "Value": "not-b"}])
    assert tags_of(ec2, vpc_id) == {"team": "b", "env": "dev"}  # the value did not match
    ec2.delete_tags(Resources=[vpc_id], Tags=[{"Key": "team"}])
    assert tags_of(ec2, vpc_id) == {"env": "dev"}
    ec2.delete_tags(Resources=[subnet_id])
    assert tags_of(ec2, subnet_id) == {}
    described = ec2.describe_tags(Filters=[{"Name": "resource-type", "Values": ["vpc"]}])
    assert {(t["ResourceId"], t["Key"]) for t in described["Tags"]} == {(vpc_id, "env")}
    ec2.delete_subnet(SubnetId=subnet_id)
    ec2.delete_vpc(VpcId=vpc_id)


def test_tags_ec2_refuses_change_nothing(ec2: Any) -> None:
    vpc_id = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "kept", "Value": "yes"}])
    with pytest.raises(ClientError) as caught:
        ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "aws:owner", "Value": "x"}])
    assert error_of(caught) == (
        "InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use"
    )  # fmt: skip
    many = [{"Key": f"k{i}", "Value": "v"} for i in range(50)]
    with pytest.raises(ClientError) as caught:
        ec2.create_tags(Resources=[vpc_id], Tags=many)
    assert error_of(caught)[0] == "TagLimitExceeded"
    with pytest.raises(ClientError) as caught:
        ec2.create_tags(Resources=[vpc_id, "vpc-0123456789abcdef0"], Tags=[{"Key": "a"}])
    assert error_of(caught) == (
        "InvalidVpcID.NotFound", "The vpc ID 'vpc-0123456789abcdef0' does not exist"
    )  # fmt: skip
    with pytest.raises(ClientError) as caught:
        ec2.create_tags(Resources=["i-0123456789abcdef0"], Tags=[{"Key": "a"}])
    assert error_of(caught) == ("InvalidID", "The ID 'i-0123456789abcdef0' is not valid")
    assert tags_of(ec2, vpc_id) == {"kept": "yes"}
    ec2.delete_vpc(VpcId=vpc_id)


def test_a_tag_specification_for_another_kind_is_refused(ec2: Any) -> None:
    with pytest.raises(ClientError) as caught:
        ec2.create_vpc(
            CidrBlock="10.2.0.0/16",
            TagSpecifications=[{"ResourceType": "subnet", "Tags": [{"Key": "a", "Value": "b"}]}],
        )
    assert error_of(caught) == (
        "InvalidParameterValue",
        "'subnet' is not a valid taggable resource type for this operation.",
    )
