"""The EC2-compatible network API against a running server, with boto3 and the unmodified
AWS CLI (both speak EC2's own protocol: form requests, XML answers)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.integration.test_aws_cli import aws, aws_error
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration


def test_a_network_with_boto3(server: RunningServer) -> None:
    ec2 = server.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.20.1.0/24")["Subnet"]
    group_id = ec2.create_security_group(GroupName="app", Description="app servers", VpcId=vpc_id)[
        "GroupId"
    ]
    ec2.authorize_security_group_ingress(
        GroupId=group_id,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                        "IpRanges": [{"CidrIp": "10.20.0.0/16"}]}],
    )  # fmt: skip
    [group] = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    assert group["IpPermissions"][0]["FromPort"] == 443
    assert ec2.describe_subnets(SubnetIds=[subnet["SubnetId"]])["Subnets"][0]["VpcId"] == vpc_id
    with pytest.raises(ClientError) as caught:
        ec2.delete_vpc(VpcId=vpc_id)
    assert caught.value.response["Error"]["Code"] == "DependencyViolation"
    ec2.delete_security_group(GroupId=group_id)
    ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    ec2.delete_vpc(VpcId=vpc_id)
    assert vpc_id not in [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]


def test_a_network_with_the_aws_cli(server: RunningServer) -> None:
    created = aws(server, "ec2", "create-vpc", "--cidr-block", "10.30.0.0/16",
                  "--tag-specifications", "ResourceType=vpc,Tags=[{Key=Name,Value=cli}]",
                  endpoint=True)  # fmt: skip
    vpc_id = created["Vpc"]["VpcId"]
    assert created["Vpc"]["Tags"] == [{"Key": "Name", "Value": "cli"}]
    described = aws(server, "ec2", "describe-vpcs", "--filters", "Name=tag:Name,Values=cli",
                    endpoint=True)  # fmt: skip
    assert [v["VpcId"] for v in described["Vpcs"]] == [vpc_id]
    subnet = aws(server, "ec2", "create-subnet", "--vpc-id", vpc_id,
                 "--cidr-block", "10.30.0.0/24", endpoint=True)["Subnet"]  # fmt: skip
    stderr = aws_error(server, "ec2", "create-subnet", "--vpc-id", vpc_id, "--cidr-block",
                       "10.30.0.0/25", "--endpoint-url", server.url)  # fmt: skip
    assert "(InvalidSubnet.Conflict)" in stderr
    aws(server, "ec2", "delete-subnet", "--subnet-id", subnet["SubnetId"], endpoint=True)
    aws(server, "ec2", "delete-vpc", "--vpc-id", vpc_id, endpoint=True)
    stderr = aws_error(server, "ec2", "delete-vpc", "--vpc-id", vpc_id,
                       "--endpoint-url", server.url)  # fmt: skip
    assert "(InvalidVpcID.NotFound)" in stderr
    assert f"The vpc ID '{vpc_id}' does not exist" in stderr
