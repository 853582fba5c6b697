"""VPCs and subnets through boto3's `ec2` client: shapes and EC2's error codes and messages.

Facts: VPC blocks are /16 to /28 and a subnet's lies inside its VPC's without overlapping a
sibling's ("VPC CIDR blocks", "Subnet CIDR blocks", Amazon VPC user guide); a VPC comes with a
`default` security group (inbound from itself, outbound anywhere); messages as EC2 words them
(EC2 API reference, "Error codes"; the wording recorded in moto's ec2/exceptions.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stockade.services.ec2 import quotas
from stockade.services.identity import Identities
from tests.support.inprocess import InProcessServer

VPC_ID = re.compile(r"vpc-[0-9a-f]{17}")
SUBNET_ID = re.compile(r"subnet-[0-9a-f]{17}")


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    # One server per test: an account holds at most 5 VPCs (quotas.VPCS_PER_REGION).
    with InProcessServer(tmp_path_factory.mktemp("ec2-vpcs") / "data") as running:
        yield running


@pytest.fixture
def ec2(server: InProcessServer) -> Any:
    return server.client("ec2")


def error_of(caught: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    response = caught.value.response
    status = int(response["ResponseMetadata"]["HTTPStatusCode"])
    return status, str(response["Error"]["Code"]), str(response["Error"]["Message"])


def new_vpc(ec2: Any, cidr: str = "10.0.0.0/16", **extra: Any) -> dict[str, Any]:
    return dict(ec2.create_vpc(CidrBlock=cidr, **extra)["Vpc"])


def test_a_vpc_is_created_described_and_deleted(server: InProcessServer, ec2: Any) -> None:
    vpc = new_vpc(
        ec2,
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "one"}]}],
    )
    assert VPC_ID.fullmatch(vpc["VpcId"])
    assert vpc["CidrBlock"] == "10.0.0.0/16"
    assert vpc["State"] == "pending"  # as AWS answers CreateVpc; available once described
    assert vpc["OwnerId"] == server.account_id
    assert vpc["IsDefault"] is False
    assert vpc["Tags"] == [{"Key": "Name", "Value": "one"}]
    assert vpc["CidrBlockAssociationSet"][0]["CidrBlockState"] == {"State": "associated"}
    described = ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"]
    assert described == [{**vpc, "State": "available"}]
    ec2.delete_vpc(VpcId=vpc["VpcId"])
    with pytest.raises(ClientError) as caught:
        ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])
    assert error_of(caught) == (
        400, "InvalidVpcID.NotFound", f"The vpc ID '{vpc['VpcId']}' does not exist"
    )  # fmt: skip


def test_a_vpc_comes_with_its_default_security_group(ec2: Any) -> None:
    vpc = new_vpc(ec2, "10.9.0.0/16")
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])[
        "SecurityGroups"
    ]
    assert [g["GroupName"] for g in groups] == ["default"]
    group = groups[0]
    assert group["IpPermissions"][0]["IpProtocol"] == "-1"
    assert group["IpPermissions"][0]["UserIdGroupPairs"][0]["GroupId"] == group["GroupId"]
    assert group["IpPermissionsEgress"][0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]
    ec2.delete_vpc(VpcId=vpc["VpcId"])  # the default group goes with it
    assert not ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])[
        "SecurityGroups"
    ]


@pytest.mark.parametrize(
    ("cidr", "code", "message"),
    [
        ("10.0.0.0/8", "InvalidVpc.Range", "The CIDR '10.0.0.0/8' is invalid."),
        ("10.0.0.0/29", "InvalidVpc.Range", "The CIDR '10.0.0.0/29' is invalid."),
        ("10.0.0.1/16", "InvalidParameterValue",
         "Value (10.0.0.1/16) for parameter cidrBlock is invalid. This is not a valid CIDR"
         " block."),
        ("nonsense", "InvalidParameterValue",
         "Value (nonsense) for parameter cidrBlock is invalid. This is not a valid CIDR block."),
    ],
)  # fmt: skip
def test_vpc_blocks_ec2_refuses(ec2: Any, cidr: str, code: str, message: str) -> None:
    before = len(ec2.describe_vpcs()["Vpcs"])
    with pytest.raises(ClientError) as caught:
        new_vpc(ec2, cidr)
    assert error_of(caught) == (400, code, message)
    assert len(ec2.describe_vpcs()["Vpcs"]) == before


def test_a_vpc_without_a_block_is_missing_a_parameter(ec2: Any) -> None:
    with pytest.raises(ClientError) as caught:
        ec2.create_vpc()
    assert error_of(caught)[:2] == (400, "MissingParameter")


def test_vpcs_are_filtered_by_id_block_and_tag(ec2: Any) -> None:
    tagged = new_vpc(
        ec2, "172.16.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "team", "Value": "blue"}]}],
    )  # fmt: skip
    other = new_vpc(ec2, "172.17.0.0/16")
    try:
        by_tag = ec2.describe_vpcs(Filters=[{"Name": "tag:team", "Values": ["bl*"]}])["Vpcs"]
        assert [v["VpcId"] for v in by_tag] == [tagged["VpcId"]]
        by_cidr = ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["172.17.0.0/16"]}])
        assert [v["VpcId"] for v in by_cidr["Vpcs"]] == [other["VpcId"]]
        by_id = ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [other["VpcId"]]}])
        assert [v["VpcId"] for v in by_id["Vpcs"]] == [other["VpcId"]]
        with pytest.raises(ClientError) as caught:
            ec2.describe_vpcs(Filters=[{"Name": "colour", "Values": ["x"]}])
        assert error_of(caught) == (400, "InvalidParameterValue", "The filter 'colour' is invalid")
    finally:
        ec2.delete_vpc(VpcId=tagged["VpcId"])
        ec2.delete_vpc(VpcId=other["VpcId"])


def test_describe_vpcs_pages(ec2: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # MaxResults is at least 5: paging needs a sixth VPC, one past the default quota.
    monkeypatch.setattr(quotas, "VPCS_PER_REGION", 10)
    made = [new_vpc(ec2, f"10.{100 + i}.0.0/16")["VpcId"] for i in range(6)]
    try:
        seen: list[str] = []
        token: str | None = None
        for _ in range(10):
            extra = {"NextToken": token} if token else {}
            reply = ec2.describe_vpcs(MaxResults=5, **extra)
            seen.extend(v["VpcId"] for v in reply["Vpcs"])
            token = reply.get("NextToken")
            if token is None:
                break
        assert set(made) <= set(seen)
        assert len(seen) == len(set(seen))
    finally:
        for vpc_id in made:
            ec2.delete_vpc(VpcId=vpc_id)


def test_subnets_lie_inside_their_vpc_without_overlapping(ec2: Any) -> None:
    vpc = new_vpc(ec2, "10.1.0.0/16")
    subnet = ec2.create_subnet(
        VpcId=vpc["VpcId"], CidrBlock="10.1.1.0/24", AvailabilityZone="us-east-1b"
    )["Subnet"]
    assert SUBNET_ID.fullmatch(subnet["SubnetId"])
    assert subnet["VpcId"] == vpc["VpcId"]
    assert subnet["AvailableIpAddressCount"] == 251  # AWS keeps five addresses of each
    assert subnet["AvailabilityZone"] == "us-east-1b"
    assert subnet["State"] == "available"
    cases = [
        ("10.1.1.128/25", "InvalidSubnet.Conflict",
         "The CIDR '10.1.1.128/25' conflicts with another subnet"),
        ("10.2.0.0/24", "InvalidSubnet.Range", "The CIDR '10.2.0.0/24' is invalid."),
        ("10.1.0.0/29", "InvalidSubnet.Range", "The CIDR '10.1.0.0/29' is invalid."),
    ]  # fmt: skip
    for cidr, code, message in cases:
        with pytest.raises(ClientError) as caught:
            ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock=cidr)
        assert error_of(caught) == (400, code, message)
    listed = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])
    assert listed["Subnets"] == [subnet]
    with pytest.raises(ClientError) as caught:
        ec2.delete_vpc(VpcId=vpc["VpcId"])
    assert error_of(caught) == (
        400, "DependencyViolation",
        f"The vpc '{vpc['VpcId']}' has dependencies and cannot be deleted.",
    )  # fmt: skip
    ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    with pytest.raises(ClientError) as caught:
        ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    assert error_of(caught) == (
        400, "InvalidSubnetID.NotFound", f"The subnet ID '{subnet['SubnetId']}' does not exist"
    )  # fmt: skip
    ec2.delete_vpc(VpcId=vpc["VpcId"])


def test_a_subnet_of_a_vpc_that_does_not_exist(ec2: Any) -> None:
    with pytest.raises(ClientError) as caught:
        ec2.create_subnet(VpcId="vpc-0123456789abcdef0", CidrBlock="10.0.0.0/24")
    assert error_of(caught) == (
        400, "InvalidVpcID.NotFound", "The vpc ID 'vpc-0123456789abcdef0' does not exist"
    )  # fmt: skip


def test_a_dry_run_changes_nothing(ec2: Any) -> None:
    before = ec2.describe_vpcs()["Vpcs"]
    with pytest.raises(ClientError) as caught:
        ec2.create_vpc(CidrBlock="10.3.0.0/16", DryRun=True)
    assert error_of(caught) == (
        412, "DryRunOperation", "Request would have succeeded, but DryRun flag is set."
    )  # fmt: skip
    assert ec2.describe_vpcs()["Vpcs"] == before


def test_every_account_sees_only_its_own(server: InProcessServer, ec2: Any) -> None:
    assert server.built is not None
    created = Identities(server.built.store, server.clock).create_account("network-b")
    theirs = server.client("ec2", (created.access_key_id, created.secret_access_key))
    vpc = new_vpc(ec2, "10.4.0.0/16")
    try:
        assert vpc["VpcId"] not in [v["VpcId"] for v in theirs.describe_vpcs()["Vpcs"]]
        calls: list[tuple[str, dict[str, Any]]] = [
            ("describe_vpcs", {"VpcIds": [vpc["VpcId"]]}),
            ("delete_vpc", {"VpcId": vpc["VpcId"]}),
            ("create_subnet", {"VpcId": vpc["VpcId"], "CidrBlock": "10.4.0.0/24"}),
        ]
        for method, params in calls:
            with pytest.raises(ClientError) as caught:
                getattr(theirs, method)(**params)
            assert error_of(caught)[1] == "InvalidVpcID.NotFound"
    finally:
        ec2.delete_vpc(VpcId=vpc["VpcId"])


def test_a_user_without_a_policy_is_unauthorized(server: InProcessServer) -> None:
    iam = server.client("iam")
    iam.create_user(UserName="no-network")
    key = iam.create_access_key(UserName="no-network")["AccessKey"]
    stranger = server.client("ec2", (key["AccessKeyId"], key["SecretAccessKey"]))
    with pytest.raises(ClientError) as caught:
        stranger.create_vpc(CidrBlock="10.5.0.0/16")
    status, code, message = error_of(caught)
    assert (status, code) == (403, "UnauthorizedOperation")
    assert "ec2:CreateVpc" in message


def test_a_required_member_left_out_is_missing_parameter(server: InProcessServer) -> None:
    careless = server.client("ec2", validate=False)  # as a client without botocore's checks
    with pytest.raises(ClientError) as caught:
        careless.delete_vpc()
    assert error_of(caught) == (
        400,
        "MissingParameter",
        "The request must contain the parameter vpcId",
    )
