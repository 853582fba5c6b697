"""Functions in a VPC, against namespaces standing in for the operator's LAN and the internet.

The operator binds a subnet to a bridge of the host (its "LAN", where a database listens); a
function whose security group allows only the database's port reaches that and nothing else:
not another port, not another host of the LAN, not the internet (the subnet has no NAT route).
Nothing on the LAN connects into the function. A rule revoked while the function is warm
applies to its next connection. boto3 builds the VPC, subnet, group and function, unchanged.
Real server, real sandboxes, real nftables; every connection attempt is bounded in time.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.sandbox.support import real_sandbox_unavailable
from tests.support.netns import LanHost, NetHost, connect_from, lan_host, net_host
from tests.support.network_probe import create_probe, invoke_probe
from tests.support.server import RunningServer, running_server

pytestmark = [pytest.mark.security, pytest.mark.slow]

DB, OTHER = "10.61.1.10", "10.61.1.11"
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


@pytest.fixture(scope="module")
def internet() -> Iterator[NetHost]:
    if (reason := real_sandbox_unavailable()) is not None:
        pytest.skip(reason)
    if not Path("/usr/sbin/nft").exists():
        pytest.skip("nft is not installed (scripts/setup installs nftables)")
    with net_host(43) as host:
        yield host


@pytest.fixture(scope="module")
def lan(internet: NetHost) -> Iterator[LanHost]:
    with lan_host([DB, OTHER]) as host:
        yield host


class Vpc:
    def __init__(self, server: RunningServer) -> None:
        ec2, iam = server.client("ec2"), server.client("iam")
        self.vpc = ec2.create_vpc(CidrBlock="10.61.0.0/16")["Vpc"]["VpcId"]
        self.subnet = ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.61.1.0/24")["Subnet"][
            "SubnetId"
        ]
        self.group = ec2.create_security_group(
            GroupName="db-clients", Description="reaches the database", VpcId=self.vpc
        )["GroupId"]
        # A new group allows all outbound traffic: replace that with the database's port.
        ec2.revoke_security_group_egress(
            GroupId=self.group,
            IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
        )
        ec2.authorize_security_group_egress(GroupId=self.group, IpPermissions=[self.db_rule])
        role_name = f"vpc-probe-{uuid.uuid4().hex[:8]}"
        role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(TRUST))
        iam.attach_role_policy(RoleName=role_name, PolicyArn=VPC_ACCESS)
        self.role = role["Role"]["Arn"]

    db_rule: dict[str, Any] = {
        "IpProtocol": "tcp",
        "FromPort": 5432,
        "ToPort": 5432,
        "IpRanges": [{"CidrIp": f"{DB}/32"}],
    }


@pytest.fixture(scope="module")
def vpc_server(
    tmp_path_factory: pytest.TempPathFactory, lan: LanHost
) -> Iterator[tuple[RunningServer, Vpc]]:
    data = tmp_path_factory.mktemp("vpc-network") / "data"
    with running_server(data) as first:  # the subnet must exist before it can be bound
        vpc = Vpc(first)
    with running_server(
        data, "--subnet-binding", f"{vpc.subnet}={lan.bridge}", "--flow-log-window", "2"
    ) as server:
        yield server, vpc


@pytest.fixture(scope="module")
def probe(vpc_server: tuple[RunningServer, Vpc]) -> str:
    server, vpc = vpc_server
    name = f"vpc-probe-{uuid.uuid4().hex[:8]}"
    create_probe(
        server, name, vpc.role,
        VpcConfig={"SubnetIds": [vpc.subnet], "SecurityGroupIds": [vpc.group]},
    )  # fmt: skip
    return name


def _interface_address(server: RunningServer, vpc: Vpc) -> str:
    [interface] = server.client("ec2").describe_network_interfaces(
        Filters=[{"Name": "subnet-id", "Values": [vpc.subnet]}]
    )["NetworkInterfaces"]
    return str(interface["PrivateIpAddress"])


def test_a_vpc_function_reaches_the_database_port_and_nothing_else(
    vpc_server: tuple[RunningServer, Vpc], probe: str, lan: LanHost, internet: NetHost
) -> None:
    server, vpc = vpc_server
    out = invoke_probe(
        server,
        probe,
        {"targets": [[DB, 5432], [DB, 8080], [OTHER, 5432], [internet.address, 8080]]},
    )
    # The database sees the function's interface address, as DescribeNetworkInterfaces says.
    assert out[f"{DB}:5432"] == f"ok:{lan.name} {_interface_address(server, vpc)}"
    assert out[f"{DB}:8080"] == "error:TimeoutError"  # another port
    assert out[f"{OTHER}:5432"] == "error:TimeoutError"  # another host
    assert out[f"{internet.address}:8080"] == "error:TimeoutError"  # no NAT route


def test_the_subnets_flow_log_records_accepted_and_rejected_flows(
    vpc_server: tuple[RunningServer, Vpc], probe: str
) -> None:
    """AWS's default format, one stream per interface, the interface's own address."""
    server, vpc = vpc_server
    group = f"flows-{uuid.uuid4().hex[:6]}"
    server.client("ec2").create_flow_logs(
        ResourceType="Subnet", ResourceIds=[vpc.subnet], TrafficType="ALL",
        LogGroupName=group, DeliverLogsPermissionArn=vpc.role,
    )  # fmt: skip
    invoke_probe(server, probe, {"targets": [[DB, 5432], [DB, 8080], [OTHER, 5432]]})
    [interface] = server.client("ec2").describe_network_interfaces(
        Filters=[{"Name": "subnet-id", "Values": [vpc.subnet]}]
    )["NetworkInterfaces"]
    eni, address = interface["NetworkInterfaceId"], interface["PrivateIpAddress"]
    wanted = {  # (srcaddr, dstaddr, dstport, action): each appears in some record
        (address, DB, "5432", "ACCEPT"),  # the connection the group allows, once it ended
        (DB, address, None, "ACCEPT"),  # and its replies, as their own record
        (address, DB, "8080", "REJECT"),  # another port
        (address, OTHER, "5432", "REJECT"),  # another host
    }
    found: set[tuple[str, str, str | None, str]] = set()
    lines: list[str] = []
    # A closed connection is reported once conntrack forgets it: its collector may take up to
    # a minute to come by (AWS itself delivers records minutes late).
    deadline = time.monotonic() + 80
    while time.monotonic() < deadline and not wanted <= found:
        lines = _flow_lines(server, group, eni)
        for line in lines:
            fields = line.split()
            assert len(fields) == 14, line
            assert fields[:3] == ["2", server.account_id, eni], line
            assert fields[13] == "OK", line
            found.add((fields[3], fields[4], fields[6], fields[12]))
            found.add((fields[3], fields[4], None, fields[12]))
        time.sleep(1)
    assert wanted <= found, lines


def _flow_lines(server: RunningServer, group: str, stream: str) -> list[str]:
    logs = server.client("logs")
    try:
        events = logs.get_log_events(logGroupName=group, logStreamName=stream)["events"]
    except logs.exceptions.ResourceNotFoundException:
        return []
    return [str(event["message"]) for event in events]


def test_nothing_on_the_lan_connects_into_the_function(
    vpc_server: tuple[RunningServer, Vpc], probe: str, lan: LanHost
) -> None:
    server, vpc = vpc_server
    listening = invoke_probe(server, probe, {"listen": True})
    for address in (_interface_address(server, vpc), listening["self"]):
        attempt = connect_from(lan.name, address, 7000)
        assert attempt.startswith("error"), (address, attempt)


def test_a_rule_revoked_while_warm_applies_to_the_next_connection(
    vpc_server: tuple[RunningServer, Vpc], probe: str, lan: LanHost
) -> None:
    server, vpc = vpc_server
    ec2 = server.client("ec2")
    assert invoke_probe(server, probe, {"targets": [[DB, 5432]]})[f"{DB}:5432"].startswith("ok:")
    ec2.revoke_security_group_egress(GroupId=vpc.group, IpPermissions=[vpc.db_rule])
    try:
        outcome = ""
        deadline = time.monotonic() + 10  # the rules are replaced just after the change commits
        while time.monotonic() < deadline:
            outcome = invoke_probe(server, probe, {"targets": [[DB, 5432]]})[f"{DB}:5432"]
            if outcome.startswith("error"):
                break
        assert outcome == "error:TimeoutError"
    finally:
        ec2.authorize_security_group_egress(GroupId=vpc.group, IpPermissions=[vpc.db_rule])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if invoke_probe(server, probe, {"targets": [[DB, 5432]]})[f"{DB}:5432"].startswith("ok:"):
            return
    pytest.fail("the rule authorized again did not apply")


def test_an_interface_endpoint_gives_a_private_function_the_platforms_api(
    vpc_server: tuple[RunningServer, Vpc], probe: str
) -> None:
    """No NAT route: STS is out of reach until the VPC has an interface endpoint for it
    whose group admits the function on HTTPS, and the function's group lets HTTPS out."""
    server, vpc = vpc_server
    ec2 = server.client("ec2")
    assert invoke_probe(server, probe, {"sdk": "sts"})["sdk"].startswith("error:")
    door = ec2.create_security_group(GroupName="sts-door", Description="https", VpcId=vpc.vpc)
    https_in_vpc: dict[str, Any] = {
        "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
        "IpRanges": [{"CidrIp": "10.61.0.0/16"}],
    }  # fmt: skip
    ec2.authorize_security_group_ingress(GroupId=door["GroupId"], IpPermissions=[https_in_vpc])
    endpoint = ec2.create_vpc_endpoint(
        VpcEndpointType="Interface", VpcId=vpc.vpc, ServiceName="com.amazonaws.us-east-1.sts",
        SubnetIds=[vpc.subnet], SecurityGroupIds=[door["GroupId"]],
    )["VpcEndpoint"]["VpcEndpointId"]  # fmt: skip
    try:
        # The function's own group still lets only the database's port out.
        assert invoke_probe(server, probe, {"sdk": "sts"})["sdk"].startswith("error:")
        ec2.authorize_security_group_egress(GroupId=vpc.group, IpPermissions=[https_in_vpc])
        assert _eventually(server, probe, {"sdk": "sts"}, "sdk", f"ok:{server.account_id}")
    finally:
        ec2.revoke_security_group_egress(GroupId=vpc.group, IpPermissions=[https_in_vpc])
        ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint])
        ec2.delete_security_group(GroupId=door["GroupId"])
    assert _eventually(server, probe, {"sdk": "sts"}, "sdk", "error:")


def test_a_nat_route_takes_a_private_subnet_to_the_internet(
    vpc_server: tuple[RunningServer, Vpc], probe: str, internet: NetHost
) -> None:
    server, vpc = vpc_server
    ec2 = server.client("ec2")
    to_internet: dict[str, Any] = {
        "IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
        "IpRanges": [{"CidrIp": f"{internet.address}/32"}],
    }  # fmt: skip
    ec2.authorize_security_group_egress(GroupId=vpc.group, IpPermissions=[to_internet])
    target = {"targets": [[internet.address, 8080]]}
    key = f"{internet.address}:8080"
    assert invoke_probe(server, probe, target)[key] == "error:TimeoutError"  # no NAT route yet
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc.vpc)
    public = ec2.create_subnet(VpcId=vpc.vpc, CidrBlock="10.61.2.0/24")["Subnet"]["SubnetId"]
    public_table = ec2.create_route_table(VpcId=vpc.vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    ec2.associate_route_table(RouteTableId=public_table, SubnetId=public)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"][
        "NatGatewayId"
    ]
    private_table = ec2.create_route_table(VpcId=vpc.vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=private_table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.associate_route_table(RouteTableId=private_table, SubnetId=vpc.subnet)
    # Out through the host's NAT: the internet host sees the host's own address.
    assert _eventually(server, probe, target, key, f"ok:{internet.name} {internet.host_address}")
    ec2.delete_nat_gateway(NatGatewayId=nat)  # the route becomes a blackhole
    assert _eventually(server, probe, target, key, "error:TimeoutError")


def _eventually(
    server: RunningServer, probe: str, event: dict[str, Any], key: str, prefix: str
) -> bool:
    """The rules follow a change just after it commits: ask again for a few seconds."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if str(invoke_probe(server, probe, event)[key]).startswith(prefix):
            return True
    return False
