"""Internet gateways and route tables through boto3's `ec2` client: shapes and EC2's codes.

Facts: a gateway is attached to at most one VPC (Resource.AlreadyAssociated) and a VPC has at
most one gateway (InvalidParameterValue); detaching one not attached is Gateway.NotAttached; an
attached gateway, and a VPC with one attached, cannot be deleted (DependencyViolation); unknown
ids are InvalidInternetGatewayID.NotFound; 5 gateways a region by default (EC2 API reference,
"AttachInternetGateway", "DeleteInternetGateway", "Error codes"; Amazon VPC quotas).
A VPC comes with a main route table holding the `local` route for its block; the main table
cannot be deleted alone; a route to an existing destination is RouteAlreadyExists; 200 tables a
VPC, 50 routes a table (EC2 API reference, "CreateRoute", "DeleteRouteTable"; VPC quotas).
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
RTB_ID = re.compile(r"rtb-[0-9a-f]{17}")


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
    # AWS's answer: "InvalidParameterValue: Network vpc-... already has an internet gateway
    # attached" (as recorded in Terraform users' public issues).
    assert error_of(caught) == (400, "InvalidParameterValue")
    assert "already has an internet gateway attached" in str(caught.value)
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


def tables_of(ec2: Any, vpc_id: str) -> list[dict[str, Any]]:
    filters = [{"Name": "vpc-id", "Values": [vpc_id]}]
    return list(ec2.describe_route_tables(Filters=filters)["RouteTables"])


def test_a_vpc_comes_with_its_main_route_table(ec2: Any) -> None:
    vpc_id = new_vpc(ec2, "10.2.0.0/16")
    [main] = tables_of(ec2, vpc_id)
    assert RTB_ID.fullmatch(main["RouteTableId"])
    assert main["Routes"] == [
        {"DestinationCidrBlock": "10.2.0.0/16", "GatewayId": "local",
         "Origin": "CreateRouteTable", "State": "active"}
    ]  # fmt: skip
    [association] = main["Associations"]
    assert association["Main"] is True
    assert association["RouteTableId"] == main["RouteTableId"]
    assert "SubnetId" not in association
    with pytest.raises(ClientError) as caught:
        ec2.delete_route_table(RouteTableId=main["RouteTableId"])
    assert error_of(caught) == (400, "DependencyViolation")
    ec2.delete_vpc(VpcId=vpc_id)  # the main table goes with its VPC
    assert ec2.describe_route_tables()["RouteTables"] == []


def test_routes_to_an_attached_gateway(ec2: Any) -> None:
    vpc_id, gateway_id = new_vpc(ec2), new_gateway(ec2)
    table_id = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    with pytest.raises(ClientError) as caught:  # not attached to the table's VPC yet
        ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0",
                         GatewayId=gateway_id)  # fmt: skip
    assert error_of(caught) == (400, "InvalidParameterValue")
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    answer = ec2.create_route(
        RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway_id
    )
    assert answer["Return"] is True
    with pytest.raises(ClientError) as caught:
        ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0",
                         GatewayId=gateway_id)  # fmt: skip
    assert error_of(caught) == (400, "RouteAlreadyExists")
    [table] = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"]
    assert table["Routes"][1] == {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": gateway_id,
                                  "Origin": "CreateRoute", "State": "active"}  # fmt: skip
    ec2.detach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    [table] = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"]
    assert table["Routes"][1]["State"] == "blackhole"
    ec2.delete_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0")
    with pytest.raises(ClientError) as caught:
        ec2.delete_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0")
    assert error_of(caught) == (400, "InvalidRoute.NotFound")
    with pytest.raises(ClientError) as caught:
        ec2.delete_route(RouteTableId=table_id, DestinationCidrBlock="10.0.0.0/16")
    assert error_of(caught) == (400, "InvalidParameterValue")  # the local route stays
    ec2.delete_route_table(RouteTableId=table_id)


@pytest.mark.parametrize(
    "target", [{"VpcPeeringConnectionId": "pcx-0123456789abcdef0"}, {"GatewayId": "vgw-01234567"}]
)
def test_other_route_targets_are_not_offered(ec2: Any, target: dict[str, str]) -> None:
    table_id = ec2.create_route_table(VpcId=new_vpc(ec2))["RouteTable"]["RouteTableId"]
    with pytest.raises(ClientError) as caught:
        ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", **target)
    assert error_of(caught) == (400, "UnsupportedOperation")


def test_subnets_are_associated_with_one_table(ec2: Any) -> None:
    vpc_id = new_vpc(ec2)
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    first = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    second = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    answer = ec2.associate_route_table(RouteTableId=first, SubnetId=subnet_id)
    assert answer["AssociationState"] == {"State": "associated"}
    with pytest.raises(ClientError) as caught:
        ec2.associate_route_table(RouteTableId=second, SubnetId=subnet_id)
    assert error_of(caught) == (400, "Resource.AlreadyAssociated")
    by_subnet = ec2.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}]
    )["RouteTables"]
    assert [t["RouteTableId"] for t in by_subnet] == [first]
    assert by_subnet[0]["Associations"][0]["SubnetId"] == subnet_id
    assert by_subnet[0]["Associations"][0]["Main"] is False
    with pytest.raises(ClientError) as caught:  # still associated
        ec2.delete_route_table(RouteTableId=first)
    assert error_of(caught) == (400, "DependencyViolation")
    with pytest.raises(ClientError) as caught:  # a VPC with a table besides its main one
        ec2.delete_vpc(VpcId=vpc_id)
    assert error_of(caught) == (400, "DependencyViolation")
    ec2.disassociate_route_table(AssociationId=answer["AssociationId"])
    with pytest.raises(ClientError) as caught:
        ec2.disassociate_route_table(AssociationId=answer["AssociationId"])
    assert error_of(caught) == (400, "InvalidAssociationID.NotFound")
    ec2.associate_route_table(RouteTableId=second, SubnetId=subnet_id)
    ec2.delete_subnet(SubnetId=subnet_id)  # its association goes with it
    ec2.delete_route_table(RouteTableId=second)
    ec2.delete_route_table(RouteTableId=first)
    ec2.delete_vpc(VpcId=vpc_id)


def test_a_subnet_of_another_vpc_is_refused(ec2: Any) -> None:
    other = new_vpc(ec2, "10.9.0.0/16")
    subnet_id = ec2.create_subnet(VpcId=other, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    table_id = ec2.create_route_table(VpcId=new_vpc(ec2))["RouteTable"]["RouteTableId"]
    with pytest.raises(ClientError) as caught:
        ec2.associate_route_table(RouteTableId=table_id, SubnetId=subnet_id)
    assert error_of(caught) == (400, "InvalidParameterValue")


UNKNOWN_TABLE = "rtb-0123456789abcdef0"


@pytest.mark.parametrize(
    "call",
    [
        lambda ec2: ec2.delete_route_table(RouteTableId=UNKNOWN_TABLE),
        lambda ec2: ec2.describe_route_tables(RouteTableIds=[UNKNOWN_TABLE]),
        lambda ec2: ec2.delete_route(RouteTableId=UNKNOWN_TABLE, DestinationCidrBlock="0.0.0.0/0"),
    ],
)
def test_unknown_route_tables_are_not_found(ec2: Any, call: Any) -> None:
    with pytest.raises(ClientError) as caught:
        call(ec2)
    assert error_of(caught) == (400, "InvalidRouteTableID.NotFound")


def test_routes_and_route_tables_are_limited(ec2: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Smaller quotas keep the test quick; the checks read them at call time.
    monkeypatch.setattr(quotas, "ROUTES_PER_TABLE", 2)
    monkeypatch.setattr(quotas, "ROUTE_TABLES_PER_VPC", 2)
    vpc_id, gateway_id = new_vpc(ec2), new_gateway(ec2)
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    table_id = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]  # 2 of 2
    with pytest.raises(ClientError) as caught:
        ec2.create_route_table(VpcId=vpc_id)
    assert error_of(caught) == (400, "RouteTableLimitExceeded")
    for cidr in ("0.0.0.0/1", "128.0.0.0/1"):
        ec2.create_route(RouteTableId=table_id, DestinationCidrBlock=cidr, GatewayId=gateway_id)
    with pytest.raises(ClientError) as caught:
        ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="1.0.0.0/8",
                         GatewayId=gateway_id)  # fmt: skip
    assert error_of(caught) == (400, "RouteLimitExceeded")


def test_gateways_and_route_tables_take_tags(ec2: Any) -> None:
    gateway_id = new_gateway(ec2)
    table_id = ec2.create_route_table(VpcId=new_vpc(ec2))["RouteTable"]["RouteTableId"]
    ec2.create_tags(Resources=[gateway_id, table_id], Tags=[{"Key": "team", "Value": "edge"}])
    [gateway] = ec2.describe_internet_gateways(Filters=[{"Name": "tag:team", "Values": ["edge"]}])[
        "InternetGateways"
    ]
    assert gateway["Tags"] == [{"Key": "team", "Value": "edge"}]
    [table] = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"]
    assert table["Tags"] == [{"Key": "team", "Value": "edge"}]
    described = ec2.describe_tags(Filters=[{"Name": "key", "Values": ["team"]}])["Tags"]
    assert {(t["ResourceId"], t["ResourceType"]) for t in described} == {
        (gateway_id, "internet-gateway"),
        (table_id, "route-table"),
    }
    ec2.delete_tags(Resources=[gateway_id, table_id])
    assert ec2.describe_tags(Filters=[{"Name": "key", "Values": ["team"]}])["Tags"] == []
