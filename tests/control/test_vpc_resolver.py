"""What the data plane reads of a function's VPC (`StoreVpcResolver`) and the notices the EC2
API gives it after a change (`NetworkChanges`).

The network is made through boto3's `ec2` client against one in-process server; the resolver
reads the same store. Facts: a subnet without a table of its own uses its VPC's main table; a
new group allows all outbound IPv4 traffic (EC2 user guide, "Security groups"); a rule whose
peer is a group lets an environment reach nothing (environments accept no connection, so no
member of a group is reachable through one: docs/network.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from ipaddress import IPv4Network, IPv6Network
from typing import Any

import pytest

from stockade.domain.identity import Principal, PrincipalKind
from stockade.domain.routing import Route
from stockade.sandbox.network.attachment import EgressRule, IpProtocol, VpcPlacement
from stockade.services.context import RequestContext
from stockade.services.ec2 import Ec2Service, StoreVpcResolver
from stockade.types import AccountId, Region, RequestId
from tests.support.inprocess import InProcessServer


class Recorded:
    """A `NetworkChanges` that remembers what it was told."""

    def __init__(self) -> None:
        self.told: list[tuple[str, str]] = []

    def vpc_changed(self, account_id: str, vpc_id: str) -> None:
        self.told.append((account_id, vpc_id))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(tmp_path_factory.mktemp("resolver") / "data") as running:
        yield running


@pytest.fixture(scope="module")
def net(server: InProcessServer) -> dict[str, str]:
    ec2 = server.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.40.1.0/24", AvailabilityZone="us-east-1a")
    web = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    db = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    return {"vpc": vpc, "subnet": subnet["Subnet"]["SubnetId"], "web": web, "db": db}


def caller(server: InProcessServer) -> RequestContext:
    account = AccountId(server.account_id)
    principal = Principal(
        PrincipalKind.IAM_USER, account, f"arn:aws:iam::{account}:user/u", "AIDAU", "u"
    )
    return RequestContext(RequestId("r"), principal, Region("us-east-1"), "127.0.0.1", "test",
                          True, datetime(2026, 1, 1, tzinfo=UTC), "")  # fmt: skip


def resolver(server: InProcessServer) -> StoreVpcResolver:
    assert server.built is not None
    return StoreVpcResolver(server.built.store)


def test_a_subnet_and_its_groups_egress_are_resolved(
    server: InProcessServer, net: dict[str, str]
) -> None:
    ec2 = server.client("ec2")
    ec2.revoke_security_group_egress(
        GroupId=net["db"],
        IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    ec2.authorize_security_group_egress(
        GroupId=net["db"],
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
             "IpRanges": [{"CidrIp": "10.40.2.0/24"}], "Ipv6Ranges": [{"CidrIpv6": "fd00::/64"}]},
            {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53,
             "UserIdGroupPairs": [{"GroupId": net["web"]}]},
            {"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1,
             "IpRanges": [{"CidrIp": "10.40.0.0/16"}]},
        ],
    )  # fmt: skip
    placement = VpcPlacement(server.account_id, (net["subnet"],), (net["web"], net["db"]))
    found = resolver(server).resolve(placement, net["subnet"])
    assert found is not None
    assert found.subnet.vpc_id == net["vpc"]
    assert found.subnet.vpc_cidr == IPv4Network("10.40.0.0/16")
    assert found.subnet.cidr == IPv4Network("10.40.1.0/24")
    assert found.subnet.availability_zone == "us-east-1a"
    assert found.subnet.internet is False
    assert found.security_group_ids == (net["web"], net["db"])
    assert set(found.egress) == {
        EgressRule(IpProtocol.ALL, IPv4Network("0.0.0.0/0")),  # web's default rule
        EgressRule(IpProtocol.TCP, IPv4Network("10.40.2.0/24"), (5432, 5432)),
        EgressRule(IpProtocol.TCP, IPv6Network("fd00::/64"), (5432, 5432)),
        EgressRule(IpProtocol.ICMP, IPv4Network("10.40.0.0/16"), (8, -1)),
    }  # the udp rule's peer is a group: nothing


def test_a_nat_default_route_of_the_subnets_table_means_internet(
    server: InProcessServer, net: dict[str, str]
) -> None:
    # NAT gateways are not served yet: the route is written as the store holds one.
    assert server.built is not None
    store = server.built.store
    account = AccountId(server.account_id)
    with store.write() as tx:
        main = next(t for t in tx.networks.route_tables(account, net["vpc"]) if t.is_main)
        nat = Route("0.0.0.0/0", "", nat_gateway_id="nat-0123456789abcdef0")
        tx.networks.put_route_table(replace(main, routes=(*main.routes, nat)))
    placement = VpcPlacement(server.account_id, (net["subnet"],), (net["web"],))
    try:
        found = resolver(server).resolve(placement, net["subnet"])
        assert found is not None
        assert found.subnet.internet is True
        # A table of its own, without that route, takes it back off the internet.
        ec2 = server.client("ec2")
        own = ec2.create_route_table(VpcId=net["vpc"])["RouteTable"]["RouteTableId"]
        association = ec2.associate_route_table(RouteTableId=own, SubnetId=net["subnet"])
        found = resolver(server).resolve(placement, net["subnet"])
        assert found is not None
        assert found.subnet.internet is False
        ec2.disassociate_route_table(AssociationId=association["AssociationId"])
        ec2.delete_route_table(RouteTableId=own)
    finally:
        with store.write() as tx:
            tx.networks.put_route_table(main)


def test_nothing_is_resolved_when_a_subnet_or_group_is_gone_or_not_placed(
    server: InProcessServer, net: dict[str, str]
) -> None:
    ec2 = server.client("ec2")
    gone = ec2.create_security_group(GroupName="gone", Description="x", VpcId=net["vpc"])
    placement = VpcPlacement(server.account_id, (net["subnet"],), (net["web"], gone["GroupId"]))
    assert resolver(server).resolve(placement, net["subnet"]) is not None
    ec2.delete_security_group(GroupId=gone["GroupId"])
    assert resolver(server).resolve(placement, net["subnet"]) is None
    other = ec2.create_subnet(VpcId=net["vpc"], CidrBlock="10.40.9.0/24")["Subnet"]["SubnetId"]
    placed = VpcPlacement(server.account_id, (other,), (net["web"],))
    assert resolver(server).resolve(placed, net["subnet"]) is None  # not one of its subnets
    ec2.delete_subnet(SubnetId=other)
    assert resolver(server).resolve(placed, other) is None
    elsewhere = VpcPlacement("999988887777", (net["subnet"],), (net["web"],))
    assert resolver(server).resolve(elsewhere, net["subnet"]) is None  # another account's


def test_egress_and_route_changes_are_told_after_they_commit(
    server: InProcessServer, net: dict[str, str]
) -> None:
    assert server.built is not None
    told = Recorded()
    ec2 = Ec2Service(server.built.store, "us-east-1", network_changes=told)
    ctx = caller(server)
    everywhere: dict[str, Any] = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                  "IpRanges": [{"CidrIp": "192.0.2.0/24"}]}  # fmt: skip
    ec2.rules.authorize_ingress(ctx, {"GroupId": net["web"], "IpPermissions": [everywhere]})
    # Inbound rules decide whom an interface endpoint of the VPC admits.
    assert told.told == [(server.account_id, net["vpc"])]
    ec2.rules.authorize_egress(ctx, {"GroupId": net["web"], "IpPermissions": [everywhere]})
    ec2.rules.revoke_egress(ctx, {"GroupId": net["web"], "IpPermissions": [everywhere]})
    table = server.client("ec2").create_route_table(VpcId=net["vpc"])["RouteTable"]
    gateway = server.client("ec2").create_internet_gateway()["InternetGateway"]
    server.client("ec2").attach_internet_gateway(
        InternetGatewayId=gateway["InternetGatewayId"], VpcId=net["vpc"]
    )
    route = {"RouteTableId": table["RouteTableId"], "DestinationCidrBlock": "0.0.0.0/0"}
    ec2.routes.create_route(ctx, {**route, "GatewayId": gateway["InternetGatewayId"]})
    ec2.routes.delete_route(ctx, route)
    made = ec2.routes.associate_route_table(
        ctx, {"RouteTableId": table["RouteTableId"], "SubnetId": net["subnet"]}
    )
    ec2.routes.disassociate_route_table(ctx, {"AssociationId": made["AssociationId"]})
    assert told.told == [(server.account_id, net["vpc"])] * 7
    # A change refused, or only tried (DryRun), is not told.
    with pytest.raises(Exception, match="DryRun"):
        ec2.rules.authorize_egress(
            ctx, {"GroupId": net["web"], "IpPermissions": [everywhere], "DryRun": True}
        )
    assert len(told.told) == 7
    server.client("ec2").delete_route_table(RouteTableId=table["RouteTableId"])
    server.client("ec2").detach_internet_gateway(
        InternetGatewayId=gateway["InternetGatewayId"], VpcId=net["vpc"]
    )
