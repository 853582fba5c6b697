"""Internet gateways and route tables against a running server with boto3 (EC2's own
protocol: the XML answers carry `Main`, `Attachments`, route states as EC2 words them)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.support.server import RunningServer

pytestmark = pytest.mark.integration


def test_a_route_to_the_internet_with_boto3(server: RunningServer) -> None:
    ec2 = server.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.40.1.0/24")["Subnet"]["SubnetId"]
    gateway_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    table_id = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0",
                     GatewayId=gateway_id)  # fmt: skip
    association_id = ec2.associate_route_table(RouteTableId=table_id, SubnetId=subnet_id)[
        "AssociationId"
    ]
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
    by_id = {t["RouteTableId"]: t for t in tables["RouteTables"]}
    assert len(by_id) == 2
    [main] = [t for t in by_id.values() if t["Associations"][0]["Main"]]
    assert main["Routes"][0]["GatewayId"] == "local"
    routes = by_id[table_id]["Routes"]
    assert [(r["DestinationCidrBlock"], r["GatewayId"], r["State"]) for r in routes] == [
        ("10.40.0.0/16", "local", "active"),
        ("0.0.0.0/0", gateway_id, "active"),
    ]
    assert by_id[table_id]["Associations"][0]["SubnetId"] == subnet_id
    with pytest.raises(ClientError) as caught:
        ec2.delete_internet_gateway(InternetGatewayId=gateway_id)
    assert caught.value.response["Error"]["Code"] == "DependencyViolation"
    ec2.disassociate_route_table(AssociationId=association_id)
    ec2.delete_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0")
    ec2.delete_route_table(RouteTableId=table_id)
    ec2.detach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    ec2.delete_internet_gateway(InternetGatewayId=gateway_id)
    ec2.delete_subnet(SubnetId=subnet_id)
    ec2.delete_vpc(VpcId=vpc_id)
    assert vpc_id not in [t["VpcId"] for t in ec2.describe_route_tables()["RouteTables"]]
