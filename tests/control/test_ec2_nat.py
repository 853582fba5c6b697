"""Elastic IPs and NAT gateways through boto3's `ec2` client: shapes, states and EC2's codes.

Facts: AllocateAddress answers AllocationId (eipalloc-), PublicIp and Domain `vpc`; an unknown
allocation is InvalidAllocationID.NotFound; releasing an address in use is
InvalidIPAddress.InUse (EC2 API reference, "AllocateAddress", "ReleaseAddress"); 5 Elastic IPs a
region (AddressLimitExceeded; EC2 user guide, "Elastic IP address quota"). CreateNatGateway
answers the gateway `pending`; a public gateway needs an Elastic IP, a private one none;
DeleteNatGateway answers its id and the gateway is listed `deleted` for a while; an unknown
gateway is InvalidNatGatewayID.NotFound; 5 NAT gateways an availability zone
(NatGatewayLimitExceeded); a route through a deleted NAT gateway is a `blackhole`; a subnet or
VPC with a NAT gateway in it cannot be deleted (DependencyViolation) (EC2 API reference,
"CreateNatGateway", "DeleteNatGateway", "CreateRoute"; Amazon VPC user guide, "NAT gateways",
"Amazon VPC quotas").
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stockade.services.ec2 import egress_quotas
from stockade.services.identity import Identities
from tests.support.inprocess import InProcessServer

ALLOCATION_ID = re.compile(r"eipalloc-[0-9a-f]{17}")
NAT_ID = re.compile(r"nat-[0-9a-f]{17}")
POOL = ipaddress.IPv4Network("198.51.100.0/24")


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    # One server per test: an account holds at most 5 addresses and 5 VPCs.
    with InProcessServer(tmp_path_factory.mktemp("ec2-nat") / "data") as running:
        yield running


@pytest.fixture
def ec2(server: InProcessServer) -> Any:
    return server.client("ec2")


def error_of(caught: pytest.ExceptionInfo[ClientError]) -> tuple[int, str]:
    response = caught.value.response
    return int(response["ResponseMetadata"]["HTTPStatusCode"]), str(response["Error"]["Code"])


def network(ec2: Any, zone: str = "us-east-1a") -> tuple[str, str]:
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone=zone)
    return str(vpc_id), str(subnet["Subnet"]["SubnetId"])


def allocation(ec2: Any) -> str:
    return str(ec2.allocate_address(Domain="vpc")["AllocationId"])


def nat_gateway(ec2: Any, subnet_id: str, allocation_id: str) -> str:
    made = ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocation_id)
    return str(made["NatGateway"]["NatGatewayId"])


def test_addresses_are_allocated_from_the_pool_described_and_released(ec2: Any) -> None:
    made = ec2.allocate_address(
        Domain="vpc",
        TagSpecifications=[{"ResourceType": "elastic-ip", "Tags": [{"Key": "k", "Value": "v"}]}],
    )
    assert ALLOCATION_ID.fullmatch(made["AllocationId"])
    assert made["Domain"] == "vpc"
    assert ipaddress.IPv4Address(made["PublicIp"]) in POOL
    second = ec2.allocate_address()  # the domain is vpc by default
    assert second["PublicIp"] != made["PublicIp"]  # unique within the account
    described = ec2.describe_addresses(AllocationIds=[made["AllocationId"]])["Addresses"]
    assert [(a["AllocationId"], a["PublicIp"], a["Tags"]) for a in described] == [
        (made["AllocationId"], made["PublicIp"], [{"Key": "k", "Value": "v"}])
    ]
    by_ip = ec2.describe_addresses(PublicIps=[second["PublicIp"]])["Addresses"]
    assert [a["AllocationId"] for a in by_ip] == [second["AllocationId"]]
    filtered = ec2.describe_addresses(Filters=[{"Name": "tag:k", "Values": ["v"]}])
    assert [a["AllocationId"] for a in filtered["Addresses"]] == [made["AllocationId"]]
    ec2.release_address(AllocationId=made["AllocationId"])
    ec2.release_address(PublicIp=second["PublicIp"])
    assert ec2.describe_addresses()["Addresses"] == []


def test_unknown_addresses_are_not_found(ec2: Any) -> None:
    with pytest.raises(ClientError) as caught:
        ec2.release_address(AllocationId="eipalloc-0123456789abcdef0")
    assert error_of(caught) == (400, "InvalidAllocationID.NotFound")
    with pytest.raises(ClientError) as caught:
        ec2.describe_addresses(AllocationIds=["eipalloc-0123456789abcdef0"])
    assert error_of(caught) == (400, "InvalidAllocationID.NotFound")
    with pytest.raises(ClientError) as caught:
        ec2.describe_addresses(PublicIps=["198.51.100.77"])
    assert error_of(caught) == (400, "InvalidAddress.NotFound")
    with pytest.raises(ClientError) as caught:
        ec2.release_address()
    assert error_of(caught) == (400, "MissingParameter")


def test_a_sixth_address_is_refused(ec2: Any) -> None:
    for _ in range(egress_quotas.ELASTIC_IPS_PER_REGION):
        allocation(ec2)
    with pytest.raises(ClientError) as caught:
        ec2.allocate_address(Domain="vpc")
    assert error_of(caught) == (400, "AddressLimitExceeded")
    assert len(ec2.describe_addresses()["Addresses"]) == egress_quotas.ELASTIC_IPS_PER_REGION


def test_accounts_hold_their_own_addresses(server: InProcessServer, ec2: Any) -> None:
    assert server.built is not None
    created = Identities(server.built.store, server.clock).create_account("egress-b")
    theirs = server.client("ec2", (created.access_key_id, created.secret_access_key))
    mine = ec2.allocate_address()
    their_own = theirs.allocate_address()
    # Unique per account: another account may be given the same documentation address.
    assert their_own["PublicIp"] == mine["PublicIp"]
    assert [a["AllocationId"] for a in theirs.describe_addresses()["Addresses"]] == [
        their_own["AllocationId"]
    ]
    with pytest.raises(ClientError) as caught:
        theirs.release_address(AllocationId=mine["AllocationId"])
    assert error_of(caught) == (400, "InvalidAllocationID.NotFound")
    with pytest.raises(ClientError) as caught:
        theirs.delete_nat_gateway(NatGatewayId="nat-0123456789abcdef0")
    assert error_of(caught) == (400, "InvalidNatGatewayID.NotFound")


def test_a_public_nat_gateway_holds_its_address_until_deleted(
    server: InProcessServer, ec2: Any
) -> None:
    vpc_id, subnet_id = network(ec2)
    allocation_id = allocation(ec2)
    made = ec2.create_nat_gateway(
        SubnetId=subnet_id,
        AllocationId=allocation_id,
        TagSpecifications=[{"ResourceType": "natgateway", "Tags": [{"Key": "n", "Value": "1"}]}],
    )["NatGateway"]
    nat_id = made["NatGatewayId"]
    assert NAT_ID.fullmatch(nat_id)
    assert made["State"] == "pending"  # as AWS answers; available as soon as described
    assert (made["VpcId"], made["SubnetId"], made["ConnectivityType"]) == (
        vpc_id, subnet_id, "public")  # fmt: skip
    [address] = made["NatGatewayAddresses"]
    assert address["AllocationId"] == allocation_id
    assert ipaddress.IPv4Address(address["PrivateIp"]) in ipaddress.IPv4Network("10.0.1.0/24")
    described = ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]
    assert described["State"] == "available"
    assert described["Tags"] == [{"Key": "n", "Value": "1"}]
    held = ec2.describe_addresses(AllocationIds=[allocation_id])["Addresses"][0]
    assert held["NetworkInterfaceId"] == address["NetworkInterfaceId"]
    assert held["PrivateIpAddress"] == address["PrivateIp"]
    with pytest.raises(ClientError) as caught:
        ec2.release_address(AllocationId=allocation_id)
    assert error_of(caught) == (400, "InvalidIPAddress.InUse")
    with pytest.raises(ClientError) as caught:  # one gateway an address
        ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocation_id)
    assert error_of(caught) == (400, "Resource.AlreadyAssociated")
    assert ec2.delete_nat_gateway(NatGatewayId=nat_id)["NatGatewayId"] == nat_id
    gone = ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]
    assert gone["State"] == "deleted"
    assert "DeleteTime" in gone
    assert "AssociationId" not in ec2.describe_addresses()["Addresses"][0]
    ec2.release_address(AllocationId=allocation_id)  # free again
    with pytest.raises(ClientError) as caught:
        ec2.delete_nat_gateway(NatGatewayId=nat_id)
    assert error_of(caught) == (400, "InvalidNatGatewayID.NotFound")


def test_a_private_nat_gateway_needs_no_address_and_a_public_one_does(ec2: Any) -> None:
    _, subnet_id = network(ec2)
    private = ec2.create_nat_gateway(SubnetId=subnet_id, ConnectivityType="private")
    assert private["NatGateway"]["ConnectivityType"] == "private"
    assert "AllocationId" not in private["NatGateway"]["NatGatewayAddresses"][0]
    with pytest.raises(ClientError) as caught:
        ec2.create_nat_gateway(SubnetId=subnet_id)
    assert error_of(caught) == (400, "MissingParameter")
    allocation_id = allocation(ec2)
    with pytest.raises(ClientError) as caught:
        ec2.create_nat_gateway(
            SubnetId=subnet_id, AllocationId=allocation_id, ConnectivityType="private"
        )
    assert error_of(caught) == (400, "InvalidParameterCombination")
    with pytest.raises(ClientError) as caught:
        ec2.create_nat_gateway(SubnetId="subnet-0123456789abcdef0", AllocationId=allocation_id)
    assert error_of(caught) == (400, "InvalidSubnetID.NotFound")
    with pytest.raises(ClientError) as caught:
        ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId="eipalloc-0123456789abcdef0")
    assert error_of(caught) == (400, "InvalidAllocationID.NotFound")
    assert len(ec2.describe_nat_gateways()["NatGateways"]) == 1  # the refusals wrote nothing


def test_gateways_are_filtered_by_state_subnet_and_vpc(ec2: Any) -> None:
    vpc_id, subnet_id = network(ec2)
    kept = ec2.create_nat_gateway(SubnetId=subnet_id, ConnectivityType="private")
    gone = ec2.create_nat_gateway(SubnetId=subnet_id, ConnectivityType="private")
    kept_id = kept["NatGateway"]["NatGatewayId"]
    gone_id = gone["NatGateway"]["NatGatewayId"]
    ec2.delete_nat_gateway(NatGatewayId=gone_id)

    def ids(name: str, value: str) -> list[str]:
        found = ec2.describe_nat_gateways(Filter=[{"Name": name, "Values": [value]}])
        return [g["NatGatewayId"] for g in found["NatGateways"]]

    assert ids("state", "available") == [kept_id]
    assert ids("state", "deleted") == [gone_id]
    assert sorted(ids("subnet-id", subnet_id)) == sorted([kept_id, gone_id])
    assert sorted(ids("vpc-id", vpc_id)) == sorted([kept_id, gone_id])
    assert ids("vpc-id", "vpc-0123456789abcdef0") == []
    with pytest.raises(ClientError) as caught:
        ec2.describe_nat_gateways(NatGatewayIds=["nat-0123456789abcdef0"])
    assert error_of(caught) == (400, "InvalidNatGatewayID.NotFound")


def test_a_route_through_a_nat_gateway_becomes_a_blackhole_when_it_is_deleted(ec2: Any) -> None:
    vpc_id, subnet_id = network(ec2)
    nat_id = nat_gateway(ec2, subnet_id, allocation(ec2))
    table_id = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)

    def route() -> dict[str, Any]:
        table = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]
        return next(r for r in table["Routes"] if r["DestinationCidrBlock"] == "0.0.0.0/0")

    assert route() == {
        "DestinationCidrBlock": "0.0.0.0/0",
        "NatGatewayId": nat_id,
        "Origin": "CreateRoute",
        "State": "active",
    }
    by_nat = ec2.describe_route_tables(
        Filters=[{"Name": "route.nat-gateway-id", "Values": [nat_id]}]
    )["RouteTables"]
    assert [t["RouteTableId"] for t in by_nat] == [table_id]
    ec2.delete_nat_gateway(NatGatewayId=nat_id)
    assert route()["State"] == "blackhole"
    with pytest.raises(ClientError) as caught:  # a deleted gateway takes no new routes
        ec2.create_route(
            RouteTableId=table_id, DestinationCidrBlock="10.9.0.0/16", NatGatewayId=nat_id
        )
    assert error_of(caught) == (400, "InvalidNatGatewayID.NotFound")
    ec2.delete_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0")


def test_a_route_needs_a_nat_gateway_of_its_own_vpc(ec2: Any) -> None:
    _, subnet_id = network(ec2)
    nat_id = nat_gateway(ec2, subnet_id, allocation(ec2))
    other_vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    table_id = ec2.create_route_table(VpcId=other_vpc)["RouteTable"]["RouteTableId"]
    with pytest.raises(ClientError) as caught:
        ec2.create_route(
            RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id
        )
    assert error_of(caught) == (400, "InvalidParameterValue")
    with pytest.raises(ClientError) as caught:
        ec2.create_route(
            RouteTableId=table_id,
            DestinationCidrBlock="0.0.0.0/0",
            NatGatewayId="nat-0123456789abcdef0",
        )
    assert error_of(caught) == (400, "InvalidNatGatewayID.NotFound")
    with pytest.raises(ClientError) as caught:
        ec2.create_route(
            RouteTableId=table_id,
            DestinationCidrBlock="0.0.0.0/0",
            NatGatewayId=nat_id,
            GatewayId="igw-0123456789abcdef0",
        )
    assert error_of(caught) == (400, "InvalidParameterCombination")


def test_a_subnet_and_vpc_with_a_live_nat_gateway_are_not_deleted(ec2: Any) -> None:
    vpc_id, subnet_id = network(ec2)
    nat_id = ec2.create_nat_gateway(SubnetId=subnet_id, ConnectivityType="private")["NatGateway"][
        "NatGatewayId"
    ]
    with pytest.raises(ClientError) as caught:
        ec2.delete_subnet(SubnetId=subnet_id)
    assert error_of(caught) == (400, "DependencyViolation")
    with pytest.raises(ClientError) as caught:
        ec2.delete_vpc(VpcId=vpc_id)
    assert error_of(caught) == (400, "DependencyViolation")
    ec2.delete_nat_gateway(NatGatewayId=nat_id)
    ec2.delete_subnet(SubnetId=subnet_id)  # a deleted gateway holds nothing
    ec2.delete_vpc(VpcId=vpc_id)


def test_nat_gateways_are_bounded_per_zone(ec2: Any) -> None:
    vpc_id, subnet_id = network(ec2)
    other = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.2.0/24", AvailabilityZone="us-east-1b")
    for _ in range(egress_quotas.NAT_GATEWAYS_PER_ZONE):
        ec2.create_nat_gateway(SubnetId=subnet_id, ConnectivityType="private")
    with pytest.raises(ClientError) as caught:
        ec2.create_nat_gateway(SubnetId=subnet_id, ConnectivityType="private")
    assert error_of(caught) == (400, "NatGatewayLimitExceeded")
    # Another zone has its own count, and a deleted gateway is not counted.
    ec2.create_nat_gateway(SubnetId=other["Subnet"]["SubnetId"], ConnectivityType="private")
    first = ec2.describe_nat_gateways(Filter=[{"Name": "subnet-id", "Values": [subnet_id]}])
    ec2.delete_nat_gateway(NatGatewayId=first["NatGateways"][0]["NatGatewayId"])
    ec2.create_nat_gateway(SubnetId=subnet_id, ConnectivityType="private")


def test_nat_gateways_in_one_subnet_hold_distinct_addresses(ec2: Any) -> None:
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    # A /28 has 16 addresses, 5 reserved: 11 free for 5 gateways.
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.0.16/28")["Subnet"]["SubnetId"]
    held = set()
    for _ in range(egress_quotas.NAT_GATEWAYS_PER_ZONE):
        made = ec2.create_nat_gateway(SubnetId=subnet_id, ConnectivityType="private")
        held.add(made["NatGateway"]["NatGatewayAddresses"][0]["PrivateIp"])
    assert len(held) == egress_quotas.NAT_GATEWAYS_PER_ZONE
    block = list(ipaddress.IPv4Network("10.0.0.16/28"))
    allowed = {str(a) for a in block[4:-1]}
    assert held <= allowed


def test_a_dry_run_writes_nothing(ec2: Any) -> None:
    _, subnet_id = network(ec2)
    calls: list[tuple[str, dict[str, Any]]] = [
        ("allocate_address", {}),
        ("create_nat_gateway", {"SubnetId": subnet_id, "ConnectivityType": "private"}),
    ]
    for method, params in calls:
        with pytest.raises(ClientError) as caught:
            getattr(ec2, method)(DryRun=True, **params)
        assert error_of(caught) == (412, "DryRunOperation")
    assert ec2.describe_addresses()["Addresses"] == []
    assert ec2.describe_nat_gateways()["NatGateways"] == []


def test_a_retried_create_answers_the_same_gateway(ec2: Any) -> None:
    _, subnet_id = network(ec2)
    first = ec2.create_nat_gateway(
        SubnetId=subnet_id, ConnectivityType="private", ClientToken="token-1"
    )
    again = ec2.create_nat_gateway(
        SubnetId=subnet_id, ConnectivityType="private", ClientToken="token-1"
    )
    assert again["NatGateway"]["NatGatewayId"] == first["NatGateway"]["NatGatewayId"]
    assert again["ClientToken"] == "token-1"
    assert len(ec2.describe_nat_gateways()["NatGateways"]) == 1


def user_allowed(server: InProcessServer, name: str, statements: list[dict[str, Any]]) -> Any:
    iam = server.client("iam")
    iam.create_user(UserName=name)
    policy = {"Version": "2012-10-17", "Statement": statements}
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return server.client("ec2", (key["AccessKeyId"], key["SecretAccessKey"]))


def test_create_nat_gateway_needs_the_action_on_its_subnet_and_address(
    server: InProcessServer, ec2: Any
) -> None:
    _, subnet_id = network(ec2)
    allocation_id = allocation(ec2)
    region_account = f"us-east-1:{server.account_id}"
    gateways = f"arn:aws:ec2:{region_account}:natgateway/*"
    subnet = f"arn:aws:ec2:{region_account}:subnet/{subnet_id}"
    address = f"arn:aws:ec2:{region_account}:elastic-ip/{allocation_id}"
    allow = {"Effect": "Allow", "Action": "ec2:CreateNatGateway"}
    partial = user_allowed(server, "no-address", [{**allow, "Resource": [gateways, subnet]}])
    with pytest.raises(ClientError) as caught:
        partial.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocation_id)
    assert error_of(caught) == (403, "UnauthorizedOperation")
    assert ec2.describe_nat_gateways()["NatGateways"] == []
    whole = user_allowed(server, "all-three", [{**allow, "Resource": [gateways, subnet, address]}])
    whole.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocation_id)
    assert len(ec2.describe_nat_gateways()["NatGateways"]) == 1


def test_addresses_and_nat_gateways_take_tags_later(ec2: Any) -> None:
    _, subnet_id = network(ec2)
    allocation_id = allocation(ec2)
    nat_id = nat_gateway(ec2, subnet_id, allocation_id)
    ec2.create_tags(Resources=[allocation_id, nat_id], Tags=[{"Key": "team", "Value": "a"}])
    described = ec2.describe_tags(Filters=[{"Name": "key", "Values": ["team"]}])["Tags"]
    assert sorted((t["ResourceId"], t["ResourceType"]) for t in described) == sorted(
        [(allocation_id, "elastic-ip"), (nat_id, "natgateway")]
    )
    assert ec2.describe_addresses()["Addresses"][0]["Tags"] == [{"Key": "team", "Value": "a"}]
    ec2.delete_tags(Resources=[nat_id])
    assert "Tags" not in ec2.describe_nat_gateways()["NatGateways"][0]
    with pytest.raises(ClientError) as caught:
        ec2.create_tags(Resources=["nat-0123456789abcdef0"], Tags=[{"Key": "k", "Value": "v"}])
    assert error_of(caught) == (400, "InvalidNatGatewayID.NotFound")


def test_the_operator_names_the_pool(tmp_path_factory: pytest.TempPathFactory) -> None:
    data = tmp_path_factory.mktemp("ec2-pool") / "data"
    with InProcessServer(data, elastic_ip_pool="203.0.113.8/30") as running:
        ec2 = running.client("ec2")
        # A /30's two host addresses, then none left for this account.
        assert [ec2.allocate_address()["PublicIp"] for _ in range(2)] == [
            "203.0.113.9",
            "203.0.113.10",
        ]
        with pytest.raises(ClientError) as caught:
            ec2.allocate_address()
        assert error_of(caught) == (400, "AddressLimitExceeded")


def test_replace_route_moves_a_blackhole_to_a_new_nat_gateway(ec2: Any) -> None:
    vpc_id, subnet_id = network(ec2)
    old = ec2.create_nat_gateway(SubnetId=subnet_id, ConnectivityType="private")
    old_id = old["NatGateway"]["NatGatewayId"]
    table_id = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=old_id)
    ec2.delete_nat_gateway(NatGatewayId=old_id)
    new = ec2.create_nat_gateway(SubnetId=subnet_id, ConnectivityType="private")
    new_id = new["NatGateway"]["NatGatewayId"]
    ec2.replace_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=new_id)
    routes = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]["Routes"]
    assert [(r["DestinationCidrBlock"], r.get("NatGatewayId"), r["State"]) for r in routes] == [
        ("10.0.0.0/16", None, "active"),
        ("0.0.0.0/0", new_id, "active"),
    ]
    with pytest.raises(ClientError) as caught:  # nothing to replace
        ec2.replace_route(
            RouteTableId=table_id, DestinationCidrBlock="10.8.0.0/16", NatGatewayId=new_id
        )
    assert error_of(caught) == (400, "InvalidParameterValue")
    with pytest.raises(ClientError) as caught:  # the local route stays
        ec2.replace_route(
            RouteTableId=table_id, DestinationCidrBlock="10.0.0.0/16", NatGatewayId=new_id
        )
    assert error_of(caught) == (400, "InvalidParameterValue")
