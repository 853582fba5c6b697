"""A function in a VPC against a running server with boto3: Lambda's JSON answer carries the
VpcConfig, EC2's XML answer the function's interface (groupSet, privateIpAddressesSet, ...)."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from tests.support.packages import PYTHON_ECHO
from tests.support.server import RunningServer

pytestmark = pytest.mark.integration

VPC_ACCESS = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def test_a_function_in_a_vpc_with_boto3(server: RunningServer) -> None:
    ec2, lam, iam = server.client("ec2"), server.client("lambda"), server.client("iam")
    vpc = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.60.3.0/24")["Subnet"]
    group = ec2.create_security_group(GroupName="fn", Description="fn", VpcId=vpc)["GroupId"]
    role_name = f"vpc-{uuid.uuid4().hex[:8]}"
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.attach_role_policy(RoleName=role_name, PolicyArn=VPC_ACCESS)
    name = f"in-vpc-{uuid.uuid4().hex[:8]}"
    wanted = {"SubnetIds": [subnet["SubnetId"]], "SecurityGroupIds": [group]}
    lam.create_function(
        FunctionName=name, Runtime="python3.11", Role=role["Role"]["Arn"],
        Handler="app.handler", Code={"ZipFile": PYTHON_ECHO}, VpcConfig=wanted,
    )  # fmt: skip
    try:
        shown = lam.get_function(FunctionName=name)["Configuration"]["VpcConfig"]
        assert shown == {**wanted, "VpcId": vpc, "Ipv6AllowedForDualStack": False}
        [interface] = ec2.describe_network_interfaces(
            Filters=[{"Name": "subnet-id", "Values": [subnet["SubnetId"]]}]
        )["NetworkInterfaces"]
        assert interface["InterfaceType"] == "lambda"
        assert interface["Description"].startswith(f"AWS Lambda VPC ENI-{name}-")
        assert interface["Groups"] == [{"GroupId": group, "GroupName": "fn"}]
        assert interface["PrivateIpAddresses"][0]["Primary"] is True
        assert (
            interface["PrivateIpAddresses"][0]["PrivateIpAddress"]
            == (interface["PrivateIpAddress"])
        )
        assert interface["RequesterManaged"] is False
        assert interface["SourceDestCheck"] is True
        assert interface["Status"] == "in-use"
        assert interface["VpcId"] == vpc
        with pytest.raises(ClientError) as caught:
            ec2.delete_security_group(GroupId=group)
        assert caught.value.response["Error"]["Code"] == "DependencyViolation"
    finally:
        lam.delete_function(FunctionName=name)
    assert (
        ec2.describe_network_interfaces(Filters=[{"Name": "vpc-id", "Values": [vpc]}])[
            "NetworkInterfaces"
        ]
        == []
    )
    ec2.delete_security_group(GroupId=group)
    ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    ec2.delete_vpc(VpcId=vpc)
