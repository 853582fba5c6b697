"""Amazon VPC's default quotas, per account (VPC user guide, "Amazon VPC quotas"): what keeps
one tenant from filling the store the others share. Each refusal writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stockade.services.ec2 import quotas
from tests.control.test_ec2_vpcs import error_of
from tests.support.inprocess import InProcessServer


@pytest.fixture
def ec2(tmp_path: Any) -> Iterator[Any]:
    with InProcessServer(tmp_path / "data") as running:  # a fresh account: nothing counted yet
        yield running.client("ec2")


def test_a_sixth_vpc_is_refused(ec2: Any) -> None:
    for n in range(quotas.VPCS_PER_REGION):
        ec2.create_vpc(CidrBlock=f"10.{n}.0.0/16")
    with pytest.raises(ClientError) as refused:
        ec2.create_vpc(CidrBlock="10.99.0.0/16")
    assert error_of(refused) == (400, "VpcLimitExceeded",
                                 "The maximum number of VPCs has been reached.")  # fmt: skip
    assert len(ec2.describe_vpcs()["Vpcs"]) == quotas.VPCS_PER_REGION
    groups = ec2.describe_security_groups()["SecurityGroups"]
    assert len(groups) == quotas.VPCS_PER_REGION  # no default group of a VPC never made


def test_subnets_per_vpc_are_bounded(ec2: Any) -> None:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    for n in range(quotas.SUBNETS_PER_VPC):
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{n}.0/24")
    with pytest.raises(ClientError) as refused:
        ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.250.0/24")
    assert error_of(refused)[:2] == (400, "SubnetLimitExceeded")
    assert len(ec2.describe_subnets()["Subnets"]) == quotas.SUBNETS_PER_VPC


def test_rules_per_group_are_bounded_in_each_direction(ec2: Any) -> None:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="g", Description="d", VpcId=vpc)["GroupId"]

    def ports(first: int, count: int) -> list[dict[str, Any]]:
        ranges = [{"CidrIp": "10.0.0.0/8"}]
        return [{"IpProtocol": "tcp", "FromPort": p, "ToPort": p, "IpRanges": ranges}
                for p in range(first, first + count)]  # fmt: skip

    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=ports(1000, 60))
    with pytest.raises(ClientError) as refused:
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=ports(2000, 1))
    assert error_of(refused)[:2] == (400, "RulesPerSecurityGroupLimitExceeded")
    # Outbound rules are counted apart (the group starts with its allow-all egress rule).
    ec2.authorize_security_group_egress(GroupId=group, IpPermissions=ports(3000, 59))
    with pytest.raises(ClientError):
        ec2.authorize_security_group_egress(GroupId=group, IpPermissions=ports(4000, 1))
    rules = ec2.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [group]}], MaxResults=1000
    )["SecurityGroupRules"]
    assert sum(1 for r in rules if not r["IsEgress"]) == 60
    assert sum(1 for r in rules if r["IsEgress"]) == 60


def test_security_groups_per_account_are_bounded(ec2: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(quotas, "SECURITY_GROUPS_PER_REGION", 3)  # 2,500 is slow to reach
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]  # its default group: 1
    ec2.create_security_group(GroupName="a", Description="d", VpcId=vpc)
    ec2.create_security_group(GroupName="b", Description="d", VpcId=vpc)
    with pytest.raises(ClientError) as refused:
        ec2.create_security_group(GroupName="c", Description="d", VpcId=vpc)
    assert error_of(refused)[:2] == (400, "SecurityGroupLimitExceeded")
    with pytest.raises(ClientError) as no_vpc:  # a VPC brings a group: refused as well
        ec2.create_vpc(CidrBlock="10.1.0.0/16")
    assert error_of(no_vpc)[:2] == (400, "SecurityGroupLimitExceeded")
