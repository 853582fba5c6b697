"""Security groups and their rules through boto3's `ec2` client.

Facts: a new group allows all outbound IPv4 traffic and nothing inbound; a VPC's default group
cannot be deleted (CannotDelete), nor a group another group's rule refers to
(DependencyViolation); a rule given twice is InvalidPermission.Duplicate and revoking one the
group lacks InvalidPermission.NotFound (EC2 API reference: CreateSecurityGroup,
DeleteSecurityGroup, AuthorizeSecurityGroupIngress, RevokeSecurityGroupIngress, "Error codes").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.inprocess import InProcessServer

SG_ID = re.compile(r"sg-[0-9a-f]{17}")
SGR_ID = re.compile(r"sgr-[0-9a-f]{17}")
SSH = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(tmp_path_factory.mktemp("ec2-groups") / "data") as running:
        yield running


@pytest.fixture(scope="module")
def ec2(server: InProcessServer) -> Any:
    return server.client("ec2")


@pytest.fixture
def vpc_id(ec2: Any) -> Iterator[str]:
    vpc_id = str(ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"])
    yield vpc_id
    for group in ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
        "SecurityGroups"
    ]:
        if group["GroupName"] != "default":
            ec2.delete_security_group(GroupId=group["GroupId"])
    ec2.delete_vpc(VpcId=vpc_id)


def error_of(caught: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    response = caught.value.response
    status = int(response["ResponseMetadata"]["HTTPStatusCode"])
    return status, str(response["Error"]["Code"]), str(response["Error"]["Message"])


def new_group(ec2: Any, vpc_id: str, name: str = "web") -> str:
    return str(
        ec2.create_security_group(GroupName=name, Description="web servers", VpcId=vpc_id)[
            "GroupId"
        ]
    )


def test_a_group_is_created_with_outbound_allowed(
    server: InProcessServer, ec2: Any, vpc_id: str
) -> None:
    reply = ec2.create_security_group(
        GroupName="web", Description="web servers", VpcId=vpc_id,
        TagSpecifications=[{"ResourceType": "security-group",
                            "Tags": [{"Key": "tier", "Value": "front"}]}],
    )  # fmt: skip
    assert SG_ID.fullmatch(reply["GroupId"])
    assert reply["Tags"] == [{"Key": "tier", "Value": "front"}]
    assert reply["SecurityGroupArn"].endswith(f":security-group/{reply['GroupId']}")
    [group] = ec2.describe_security_groups(GroupIds=[reply["GroupId"]])["SecurityGroups"]
    assert group["GroupName"] == "web"
    assert group["Description"] == "web servers"
    assert group["VpcId"] == vpc_id
    assert group["OwnerId"] == server.account_id
    assert group["IpPermissions"] == []
    assert group["IpPermissionsEgress"] == [
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [],
         "UserIdGroupPairs": [], "PrefixListIds": []}
    ]  # fmt: skip
    with pytest.raises(ClientError) as caught:
        new_group(ec2, vpc_id)
    assert error_of(caught) == (
        400, "InvalidGroup.Duplicate", f"The security group 'web' already exists for VPC '{vpc_id}'"
    )  # fmt: skip


def test_rules_are_authorized_described_and_revoked(ec2: Any, vpc_id: str) -> None:
    group_id = new_group(ec2, vpc_id)
    peer = new_group(ec2, vpc_id, "peer")
    added = ec2.authorize_security_group_ingress(
        GroupId=group_id,
        IpPermissions=[
            SSH,
            {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53,
             "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32", "Description": "dns"}]},
            {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": peer}]},
        ],
    )  # fmt: skip
    assert added["Return"] is True
    rules = added["SecurityGroupRules"]
    assert len(rules) == 3
    assert all(SGR_ID.fullmatch(r["SecurityGroupRuleId"]) for r in rules)
    assert {r["IsEgress"] for r in rules} == {False}
    [group] = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    by_protocol = {p["IpProtocol"]: p for p in group["IpPermissions"]}
    assert by_protocol["tcp"]["IpRanges"] == [{"CidrIp": "10.0.0.0/8"}]
    assert (by_protocol["tcp"]["FromPort"], by_protocol["tcp"]["ToPort"]) == (22, 22)
    assert by_protocol["udp"]["Ipv6Ranges"] == [{"CidrIpv6": "2001:db8::/32", "Description": "dns"}]
    assert by_protocol["-1"]["UserIdGroupPairs"][0]["GroupId"] == peer
    listed = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group_id]}])
    assert len(listed["SecurityGroupRules"]) == 4  # three inbound and the default outbound
    with pytest.raises(ClientError) as caught:
        ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[SSH])
    assert error_of(caught) == (
        400, "InvalidPermission.Duplicate",
        'the specified rule "peer: 10.0.0.0/8, TCP, from port: 22, to port: 22, ALLOW" already'
        " exists",
    )  # fmt: skip
    with pytest.raises(ClientError) as caught:
        ec2.delete_security_group(GroupId=peer)
    assert error_of(caught) == (
        400, "DependencyViolation", f"resource {peer} has a dependent object"
    )  # fmt: skip
    revoked = ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=[SSH])
    assert revoked["Return"] is True
    assert len(revoked["RevokedSecurityGroupRules"]) == 1
    with pytest.raises(ClientError) as caught:
        ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=[SSH])
    assert error_of(caught) == (
        400, "InvalidPermission.NotFound",
        "The specified rule does not exist in this security group.",
    )  # fmt: skip
    by_id = [r["SecurityGroupRuleId"] for r in rules if r.get("ReferencedGroupInfo")]
    ec2.revoke_security_group_ingress(GroupId=group_id, SecurityGroupRuleIds=by_id)
    ec2.delete_security_group(GroupId=peer)  # nothing refers to it any more


def test_egress_rules_are_their_own(ec2: Any, vpc_id: str) -> None:
    group_id = new_group(ec2, vpc_id)
    everywhere = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ec2.revoke_security_group_egress(GroupId=group_id, IpPermissions=[everywhere])
    [group] = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    assert group["IpPermissionsEgress"] == []
    https = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
             "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}  # fmt: skip
    added = ec2.authorize_security_group_egress(GroupId=group_id, IpPermissions=[https])
    assert added["SecurityGroupRules"][0]["IsEgress"] is True
    [group] = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    assert group["IpPermissions"] == []
    assert [p["FromPort"] for p in group["IpPermissionsEgress"]] == [443]


@pytest.mark.parametrize(
    ("permission", "code"),
    [
        ({"IpProtocol": "gre", "FromPort": 1, "ToPort": 1,
          "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}, "InvalidParameterValue"),
        ({"IpProtocol": "tcp", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}, "InvalidParameterValue"),
        ({"IpProtocol": "tcp", "FromPort": 90, "ToPort": 80,
          "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}, "InvalidParameterValue"),
        ({"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
          "IpRanges": [{"CidrIp": "10.0.0.300/8"}]}, "InvalidParameterValue"),
        ({"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
          "UserIdGroupPairs": [{"GroupId": "sg-0123456789abcdef0"}]}, "InvalidGroup.NotFound"),
    ],
)  # fmt: skip
def test_permissions_ec2_refuses_change_nothing(
    ec2: Any, vpc_id: str, permission: dict[str, Any], code: str
) -> None:
    group_id = new_group(ec2, vpc_id)
    with pytest.raises(ClientError) as caught:
        ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[permission])
    assert error_of(caught)[:2] == (400, code)
    [group] = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    assert group["IpPermissions"] == []


def test_peers_not_offered_yet_are_refused_not_ignored(ec2: Any, vpc_id: str) -> None:
    group_id = new_group(ec2, vpc_id)
    prefix_list = {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
                   "PrefixListIds": [{"PrefixListId": "pl-0123456789abcdef0"}]}  # fmt: skip
    with pytest.raises(ClientError) as caught:
        ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[prefix_list])
    assert error_of(caught)[:2] == (400, "UnsupportedOperation")
    with pytest.raises(ClientError) as caught:
        ec2.authorize_security_group_ingress(GroupId=group_id, SourceSecurityGroupName="web")
    assert error_of(caught)[:2] == (400, "UnsupportedOperation")


def test_the_default_group_cannot_be_deleted(ec2: Any, vpc_id: str) -> None:
    [default] = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"]
    with pytest.raises(ClientError) as caught:
        ec2.delete_security_group(GroupId=default["GroupId"])
    assert error_of(caught) == (
        400, "CannotDelete",
        f'the specified group: "{default["GroupId"]}" name: "default" cannot be deleted by a user',
    )  # fmt: skip


def test_a_group_that_does_not_exist(ec2: Any) -> None:
    with pytest.raises(ClientError) as caught:
        ec2.delete_security_group(GroupId="sg-0123456789abcdef0")
    assert error_of(caught) == (
        400, "InvalidGroup.NotFound", "The security group 'sg-0123456789abcdef0' does not exist"
    )  # fmt: skip


def test_a_group_needs_a_vpc_here(ec2: Any) -> None:
    with pytest.raises(ClientError) as caught:
        ec2.create_security_group(GroupName="loose", Description="no vpc")
    assert error_of(caught) == (400, "VPCIdNotSpecified", "No default VPC for this user")


def test_a_vpc_with_a_group_cannot_be_deleted(ec2: Any, vpc_id: str) -> None:
    new_group(ec2, vpc_id)
    with pytest.raises(ClientError) as caught:
        ec2.delete_vpc(VpcId=vpc_id)
    assert error_of(caught)[1] == "DependencyViolation"
