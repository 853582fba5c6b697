"""Elastic IPs, NAT gateways and interface VPC endpoints against a running server with boto3
(EC2's own protocol: the XML answers carry `natGatewayAddressSet`, `dnsEntrySet`,
`unsuccessful` items as EC2 words them). Everything made is deleted again: the server is
shared by the session."""

from __future__ import annotations

import pytest

from tests.support.server import RunningServer

pytestmark = pytest.mark.integration


def test_a_private_subnet_reaches_out_through_a_nat_gateway_with_boto3(
    server: RunningServer,
) -> None:
    ec2 = server.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.41.0.0/16")["Vpc"]["VpcId"]
    public = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.41.0.0/24")["Subnet"]["SubnetId"]
    private = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.41.1.0/24")["Subnet"]["SubnetId"]
    address = ec2.allocate_address(Domain="vpc")
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=address["AllocationId"])
    nat_id = nat["NatGateway"]["NatGatewayId"]
    assert nat["NatGateway"]["NatGatewayAddresses"][0]["PublicIp"] == address["PublicIp"]
    table_id = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0",
                     NatGatewayId=nat_id)  # fmt: skip
    association = ec2.associate_route_table(RouteTableId=table_id, SubnetId=private)
    routes = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]["Routes"]
    assert routes[1] == {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat_id,
                         "Origin": "CreateRoute", "State": "active"}  # fmt: skip
    ec2.delete_nat_gateway(NatGatewayId=nat_id)
    routes = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]["Routes"]
    assert routes[1]["State"] == "blackhole"
    states = ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"]
    assert [g["State"] for g in states] == ["deleted"]
    ec2.release_address(AllocationId=address["AllocationId"])
    ec2.disassociate_route_table(AssociationId=association["AssociationId"])
    ec2.delete_route_table(RouteTableId=table_id)
    ec2.delete_subnet(SubnetId=public)
    ec2.delete_subnet(SubnetId=private)
    ec2.delete_vpc(VpcId=vpc_id)


def test_an_interface_endpoint_to_lambda_with_boto3(server: RunningServer) -> None:
    ec2 = server.client("ec2")
    region = ec2.meta.region_name
    service = f"com.amazonaws.{region}.lambda"
    assert service in ec2.describe_vpc_endpoint_services()["ServiceNames"]
    vpc_id = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.42.1.0/24")["Subnet"]["SubnetId"]
    made = ec2.create_vpc_endpoint(
        VpcId=vpc_id, VpcEndpointType="Interface", ServiceName=service, SubnetIds=[subnet_id]
    )["VpcEndpoint"]
    assert made["State"] == "available"
    assert f"lambda.{region}.amazonaws.com" in [d["DnsName"] for d in made["DnsEntries"]]
    assert len(made["NetworkInterfaceIds"]) == 1
    described = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
        "VpcEndpoints"
    ]
    assert [e["VpcEndpointId"] for e in described] == [made["VpcEndpointId"]]
    missing = "vpce-0123456789abcdef0"
    answer = ec2.delete_vpc_endpoints(VpcEndpointIds=[made["VpcEndpointId"], missing])
    assert [(u["ResourceId"], u["Error"]["Code"]) for u in answer["Unsuccessful"]] == [
        (missing, "InvalidVpcEndpointId.NotFound")
    ]
    ec2.delete_subnet(SubnetId=subnet_id)
    ec2.delete_vpc(VpcId=vpc_id)
