"""Internet gateways through boto3's `ec2` client: shapes and EC2's error codes.

Facts: a gateway is attached to at most one VPC and a VPC has at most one gateway
(Resource.AlreadyAssociated); detaching one not attached is Gateway.NotAttached; an attached
gateway, and a VPC with one attached, cannot be deleted (DependencyViolation); unknown ids are
InvalidInternetGatewayID.NotFound; 5 gateways a region by default (EC2 API reference,
"AttachInternetGateway", "DeleteInternetGateway", "Error codes"; Amazon VPC quotas).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stockade.services.ec2 import quotas
from tests.support.inprocess import InProcessServer

IGW_ID = re.compile(r"igw-[0-9a-f]{17}")


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    # One server per test: an account holds at most 5 gateways and 5 VPCs.
    with InProcessServer(tmp_path_factory.mktemp("ec2-routes") / "data") as running:
        yield running


@pytest.fixture
def ec2(server: InProcessServer) -> Any:
    return server.client("ec2")


def error_of(caught: pytest.ExceptionInfo[ClientError]) -> tuple[int, str]:
    response = caught.value.response
    return int(response["ResponseMetadata"]["HTTPStatusCode"]), str(response["Error"]["Code"])


def new_vpc(ec2: Any, cidr: str = "10.0.0.0/16") -> str:
    return str(ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"])


def new_gateway(ec2: Any, **extra: Any) -> str:
    return str(ec2.create_internet_gateway(**extra)["InternetGateway"]["InternetGatewayId"])


def test_a_gateway_is_created_attached_detached_and_deleted(
    server: InProcessServer, ec2: Any
) -> None:
    made = ec2.create_internet_gateway(
        TagSpecifications=[
            {"ResourceType": "internet-gateway", "Tags": [{"Key": "Name", "Value": "edge"}]}
        ]
    )["InternetGateway"]
    gateway_id = made["InternetGatewayId"]
    assert IGW_ID.fullmatch(gateway_id)
    assert made["Attachments"] == []
    assert made["OwnerId"] == server.account_id
    assert made["Tags"] == [{"Key": "Name", "Value": "edge"}]
    vpc_id = new_vpc(ec2)
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    described = ec2.describe_internet_gateways(InternetGatewayIds=[gateway_id])
    assert described["InternetGateways"][0]["Attachments"] == [
        {"State": "available", "VpcId": vpc_id}
    ]
    by_vpc = ec2.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}]
    )["InternetGateways"]
    assert [g["InternetGatewayId"] for g in by_vpc] == [gateway_id]
    ec2.detach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    assert ec2.describe_internet_gateways()["InternetGateways"][0]["Attachments"] == []
    ec2.delete_internet_gateway(InternetGatewayId=gateway_id)
    assert ec2.describe_internet_gateways()["InternetGateways"] == []
    ec2.delete_vpc(VpcId=vpc_id)


def test_one_gateway_per_vpc_and_one_vpc_per_gateway(ec2: Any) -> None:
    first, second = new_gateway(ec2), new_gateway(ec2)
    vpc_id, other_vpc = new_vpc(ec2), new_vpc(ec2, "10.1.0.0/16")
    ec2.attach_internet_gateway(InternetGatewayId=first, VpcId=vpc_id)
    with pytest.raises(ClientError) as caught:
        ec2.attach_internet_gateway(InternetGatewayId=second, VpcId=vpc_id)
    assert error_of(caught) == (400, "Resource.AlreadyAssociated")
    with pytest.raises(ClientError) as caught:
        ec2.attach_internet_gateway(InternetGatewayId=first, VpcId=other_vpc)
    assert error_of(caught) == (400, "Resource.AlreadyAssociated")
    # Nothing was written by the refusals.
    attached = ec2.describe_internet_gateways(InternetGatewayIds=[second])["InternetGateways"]
    assert attached[0]["Attachments"] == []


def test_detaching_a_gateway_not_attached_is_refused(ec2: Any) -> None:
    gateway_id, vpc_id = new_gateway(ec2), new_vpc(ec2)
    with pytest.raises(ClientError) as caught:
        ec2.detach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    assert error_of(caught) == (400, "Gateway.NotAttached")


def test_an_attached_gateway_and_its_vpc_cannot_be_deleted(ec2: Any) -> None:
    gateway_id, vpc_id = new_gateway(ec2), new_vpc(ec2)
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    with pytest.raises(ClientError) as caught:
        ec2.delete_internet_gateway(InternetGatewayId=gateway_id)
    assert error_of(caught) == (400, "DependencyViolation")
    with pytest.raises(ClientError) as caught:
        ec2.delete_vpc(VpcId=vpc_id)
    assert error_of(caught) == (400, "DependencyViolation")
    assert len(ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]) == 1
    assert len(ec2.describe_internet_gateways()["InternetGateways"]) == 1


@pytest.mark.parametrize(
    "call",
    [
        lambda ec2: ec2.delete_internet_gateway(InternetGatewayId="igw-0123456789abcdef0"),
        lambda ec2: ec2.describe_internet_gateways(InternetGatewayIds=["igw-0123456789abcdef0"]),
        lambda ec2: ec2.attach_internet_gateway(
            InternetGatewayId="igw-0123456789abcdef0", VpcId=new_vpc(ec2)
        ),
    ],
)
def test_unknown_gateways_are_not_found(ec2: Any, call: Any) -> None:
    with pytest.raises(ClientError) as caught:
        call(ec2)
    assert error_of(caught) == (400, "InvalidInternetGatewayID.NotFound")


def test_attaching_to_an_unknown_vpc_is_not_found(ec2: Any) -> None:
    gateway_id = new_gateway(ec2)
    with pytest.raises(ClientError) as caught:
        ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId="vpc-0123456789abcdef0")
    assert error_of(caught) == (400, "InvalidVpcID.NotFound")


def test_gateways_per_account_are_limited(ec2: Any) -> None:
    made = [new_gateway(ec2) for _ in range(quotas.INTERNET_GATEWAYS_PER_REGION)]
    with pytest.raises(ClientError) as caught:
        new_gateway(ec2)
    assert error_of(caught) == (400, "InternetGatewayLimitExceeded")
    assert len(ec2.describe_internet_gateways()["InternetGateways"]) == len(made)
    ec2.delete_internet_gateway(InternetGatewayId=made[0])
    new_gateway(ec2)  # room again once one is deleted


def test_a_dry_run_creates_nothing(ec2: Any) -> None:
    with pytest.raises(ClientError) as caught:
        ec2.create_internet_gateway(DryRun=True)
    assert error_of(caught) == (412, "DryRunOperation")
    assert ec2.describe_internet_gateways()["InternetGateways"] == []
