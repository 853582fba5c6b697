"""Function VpcConfig through boto3's `lambda`, `ec2` and `iam` clients against one server.

Facts: VpcConfig takes at most 16 subnets and 5 security groups; the answer's VpcConfig is
{SubnetIds, SecurityGroupIds, VpcId, Ipv6AllowedForDualStack} (Lambda API reference,
"VpcConfig", "VpcConfigResponse"); both lists empty removes the attachment; one list without
the other is "SubnetIds and SecurityIds must coexist or be both empty list."; an unknown id is
EC2's not-found answer relayed ("Error occurred while DescribeSubnets. EC2 Error Code:
InvalidSubnetID.NotFound. ..."); the execution role needs the network-interface actions of
AWSLambdaVPCAccessExecutionRole ("The provided execution role does not have permissions to
call CreateNetworkInterface on EC2"), all as InvalidParameterValueException (answers recorded
from AWS in public reports).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Network
from typing import Any

import pytest
from botocore.exceptions import ClientError

from stockade.domain.function_vpc import SECURITY_GROUPS_MAX, SUBNETS_MAX
from stockade.domain.network import interface_address
from stockade.sandbox.backends.fake import FakeBackend, FakeContext
from stockade.sandbox.network.attachment import VpcPlacement
from stockade.types import AccountId
from tests.support.inprocess import InProcessServer
from tests.support.packages import PYTHON_ECHO

VPC_ACCESS = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


async def echo(event: bytes, ctx: FakeContext) -> bytes:
    return b'{"ok": true}'


@pytest.fixture(scope="module")
def backend() -> FakeBackend:
    return FakeBackend({"app.handler": echo})


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, backend: FakeBackend
) -> Iterator[InProcessServer]:
    with InProcessServer(tmp_path_factory.mktemp("vpc") / "data", sandbox=backend) as running:
        yield running


@pytest.fixture(scope="module")
def network(server: InProcessServer) -> dict[str, Any]:
    """One VPC with two subnets and a group, another VPC with a subnet and a group."""
    ec2 = server.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    other = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=zone)["Subnet"][
            "SubnetId"
        ]
        for i, zone in ((1, "us-east-1a"), (2, "us-east-1b"))
    ]
    group = ec2.create_security_group(GroupName="fn", Description="functions", VpcId=vpc)
    other_subnet = ec2.create_subnet(VpcId=other, CidrBlock="10.30.1.0/24")["Subnet"]["SubnetId"]
    other_group = ec2.create_security_group(GroupName="fn", Description="x", VpcId=other)
    iam = server.client("iam")
    iam.create_role(RoleName="vpc-fn", AssumeRolePolicyDocument=TRUST)
    iam.attach_role_policy(RoleName="vpc-fn", PolicyArn=VPC_ACCESS)
    return {
        "vpc": vpc,
        "subnets": subnets,
        "group": group["GroupId"],
        "other_vpc": other,
        "other_subnet": other_subnet,
        "other_group": other_group["GroupId"],
        "role": f"arn:aws:iam::{server.account_id}:role/vpc-fn",
        "basic_role": f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
    }


def create(server: InProcessServer, role: str, **extra: Any) -> dict[str, Any]:
    made = server.client("lambda").create_function(
        FunctionName=f"v-{uuid.uuid4().hex[:10]}",
        Runtime="python3.11",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": PYTHON_ECHO},
        **extra,
    )
    assert isinstance(made, dict)
    return made


def last_placement(backend: FakeBackend) -> VpcPlacement | None:
    """The VPC placement of the environment started last."""
    return backend.launches[-1].vpc


def error(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_a_function_in_a_vpc_shows_its_config_everywhere_and_runs_there(
    server: InProcessServer, network: dict[str, Any], backend: FakeBackend
) -> None:
    lam = server.client("lambda")
    wanted = {"SubnetIds": network["subnets"], "SecurityGroupIds": [network["group"]]}
    made = create(server, network["role"], VpcConfig=wanted, Publish=True)
    expected = {**wanted, "VpcId": network["vpc"], "Ipv6AllowedForDualStack": False}
    assert made["VpcConfig"] == expected
    assert made["State"] == "Pending"
    assert made["StateReasonCode"] == "Creating"
    name = made["FunctionName"]
    assert lam.get_function(FunctionName=name)["Configuration"]["VpcConfig"] == expected
    assert lam.get_function_configuration(FunctionName=name, Qualifier="1")["VpcConfig"] == (
        expected
    )
    listed = [f for f in lam.list_functions()["Functions"] if f["FunctionName"] == name]
    assert listed[0]["VpcConfig"] == expected
    lam.invoke(FunctionName=name, Payload=b"{}")
    assert last_placement(backend) == VpcPlacement(
        server.account_id, tuple(network["subnets"]), (network["group"],), False,
        f"arn:aws:lambda:us-east-1:{server.account_id}:function:{name}",
    )  # fmt: skip


def test_a_function_never_given_a_vpc_config_has_none_and_runs_outside(
    server: InProcessServer, network: dict[str, Any], backend: FakeBackend
) -> None:
    made = create(server, network["basic_role"])
    assert "VpcConfig" not in made
    server.client("lambda").invoke(FunctionName=made["FunctionName"], Payload=b"{}")
    assert last_placement(backend) is None


def test_an_update_moves_a_function_into_a_vpc_and_an_empty_config_takes_it_out(
    server: InProcessServer, network: dict[str, Any], backend: FakeBackend
) -> None:
    lam = server.client("lambda")
    name = create(server, network["role"])["FunctionName"]
    lam.invoke(FunctionName=name, Payload=b"{}")
    assert last_placement(backend) is None
    updated = lam.update_function_configuration(
        FunctionName=name,
        VpcConfig={
            "SubnetIds": network["subnets"][:1],
            "SecurityGroupIds": [network["group"]],
            "Ipv6AllowedForDualStack": True,
        },
    )
    assert updated["VpcConfig"] == {
        "SubnetIds": network["subnets"][:1],
        "SecurityGroupIds": [network["group"]],
        "VpcId": network["vpc"],
        "Ipv6AllowedForDualStack": True,
    }
    lam.invoke(FunctionName=name, Payload=b"{}")  # a new configuration: a new environment
    assert last_placement(backend) == VpcPlacement(
        server.account_id, tuple(network["subnets"][:1]), (network["group"],), True,
        f"arn:aws:lambda:us-east-1:{server.account_id}:function:{name}",
    )  # fmt: skip
    # Other settings leave the VPC as it is.
    lam.update_function_configuration(FunctionName=name, Timeout=9)
    shown = lam.get_function_configuration(FunctionName=name)
    assert shown["VpcConfig"]["SubnetIds"] == network["subnets"][:1]
    removed = lam.update_function_configuration(
        FunctionName=name, VpcConfig={"SubnetIds": [], "SecurityGroupIds": []}
    )
    assert removed["VpcConfig"] == {
        "SubnetIds": [],
        "SecurityGroupIds": [],
        "VpcId": "",
        "Ipv6AllowedForDualStack": False,
    }
    lam.invoke(FunctionName=name, Payload=b"{}")
    assert last_placement(backend) is None


def test_a_role_without_the_interface_actions_is_refused_in_lambdas_words(
    server: InProcessServer, network: dict[str, Any]
) -> None:
    wanted = {"SubnetIds": network["subnets"][:1], "SecurityGroupIds": [network["group"]]}
    with pytest.raises(ClientError) as caught:
        create(server, network["basic_role"], VpcConfig=wanted)
    assert error(caught) == (
        "InvalidParameterValueException",
        "The provided execution role does not have permissions to call CreateNetworkInterface"
        " on EC2",
    )
    # Changing a VPC function's role to one without them is refused the same way.
    lam = server.client("lambda")
    name = create(server, network["role"], VpcConfig=wanted)["FunctionName"]
    with pytest.raises(ClientError) as caught:
        lam.update_function_configuration(FunctionName=name, Role=network["basic_role"])
    assert error(caught)[0] == "InvalidParameterValueException"
    assert lam.get_function_configuration(FunctionName=name)["Role"] == network["role"]


def test_an_inline_policy_missing_one_action_is_named(
    server: InProcessServer, network: dict[str, Any]
) -> None:
    iam = server.client("iam")
    iam.create_role(RoleName="partial-vpc", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(
        RoleName="partial-vpc",
        PolicyName="enis",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces"],
                        "Resource": "*",
                    }
                ],
            }
        ),
    )
    role = f"arn:aws:iam::{server.account_id}:role/partial-vpc"
    wanted = {"SubnetIds": network["subnets"][:1], "SecurityGroupIds": [network["group"]]}
    with pytest.raises(ClientError) as caught:
        create(server, role, VpcConfig=wanted)
    assert error(caught) == (
        "InvalidParameterValueException",
        "The provided execution role does not have permissions to call DeleteNetworkInterface"
        " on EC2",
    )


@pytest.mark.parametrize(
    ("vpc_config", "message"),
    [
        (
            lambda n: {"SubnetIds": n["subnets"][:1]},
            "SubnetIds and SecurityIds must coexist or be both empty list.",
        ),
        (
            lambda n: {"SubnetIds": ["subnet-0123456789abcdef0"], "SecurityGroupIds": [n["group"]]},
            "Error occurred while DescribeSubnets. EC2 Error Code: InvalidSubnetID.NotFound."
            " EC2 Error Message: The subnet ID 'subnet-0123456789abcdef0' does not exist",
        ),
        (
            lambda n: {"SubnetIds": n["subnets"][:1], "SecurityGroupIds": ["sg-0123456789abcdef0"]},
            "Error occurred while DescribeSecurityGroups. EC2 Error Code: InvalidGroup.NotFound."
            " EC2 Error Message: The security group 'sg-0123456789abcdef0' does not exist",
        ),
        (
            lambda n: {"SubnetIds": n["subnets"][:1], "SecurityGroupIds": [n["other_group"]]},
            "Security Groups are required to be in the same VPC.",
        ),
        (
            lambda n: {
                "SubnetIds": [n["subnets"][0], n["other_subnet"]],
                "SecurityGroupIds": [n["group"]],
            },
            "Subnets are required to be in the same VPC.",
        ),
    ],
)
def test_a_vpc_config_naming_what_is_not_there_is_refused(
    server: InProcessServer, network: dict[str, Any], vpc_config: Any, message: str
) -> None:
    before = len(server.client("lambda").list_functions()["Functions"])
    with pytest.raises(ClientError) as caught:
        create(server, network["role"], VpcConfig=vpc_config(network))
    assert error(caught) == ("InvalidParameterValueException", message)
    assert len(server.client("lambda").list_functions()["Functions"]) == before


def test_too_many_subnets_or_groups_are_refused_by_the_models_bounds(
    server: InProcessServer, network: dict[str, Any]
) -> None:
    subnets = [f"subnet-{i:017x}" for i in range(SUBNETS_MAX + 1)]
    with pytest.raises(ClientError) as caught:
        create(
            server,
            network["role"],
            VpcConfig={"SubnetIds": subnets, "SecurityGroupIds": [network["group"]]},
        )
    code, message = error(caught)
    assert code == "ValidationException"
    assert "at 'vpcConfig.subnetIds'" in message
    assert f"less than or equal to {SUBNETS_MAX}" in message
    groups = [f"sg-{i:017x}" for i in range(SECURITY_GROUPS_MAX + 1)]
    with pytest.raises(ClientError) as caught:
        create(
            server,
            network["role"],
            VpcConfig={"SubnetIds": network["subnets"], "SecurityGroupIds": groups},
        )
    code, message = error(caught)
    assert code == "ValidationException"
    assert "at 'vpcConfig.securityGroupIds'" in message
    assert f"less than or equal to {SECURITY_GROUPS_MAX}" in message


def test_a_group_or_subnet_a_function_uses_cannot_be_deleted(
    server: InProcessServer, network: dict[str, Any]
) -> None:
    ec2, lam = server.client("ec2"), server.client("lambda")
    subnet = ec2.create_subnet(VpcId=network["vpc"], CidrBlock="10.20.50.0/24")["Subnet"]
    group = ec2.create_security_group(GroupName="held", Description="x", VpcId=network["vpc"])
    wanted = {"SubnetIds": [subnet["SubnetId"]], "SecurityGroupIds": [group["GroupId"]]}
    name = create(server, network["role"], VpcConfig=wanted, Publish=True)["FunctionName"]
    # $LATEST moves elsewhere; version 1 still uses both.
    lam.update_function_configuration(
        FunctionName=name,
        VpcConfig={"SubnetIds": network["subnets"][:1], "SecurityGroupIds": [network["group"]]},
    )
    with pytest.raises(ClientError) as caught:
        ec2.delete_security_group(GroupId=group["GroupId"])
    assert error(caught) == (
        "DependencyViolation",
        f"resource {group['GroupId']} has a dependent object",
    )
    with pytest.raises(ClientError) as caught:
        ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    assert error(caught) == (
        "DependencyViolation",
        f"The subnet '{subnet['SubnetId']}' has dependencies and cannot be deleted.",
    )
    lam.delete_function(FunctionName=name, Qualifier="1")
    ec2.delete_security_group(GroupId=group["GroupId"])
    ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    assert (
        ec2.describe_subnets(Filters=[{"Name": "subnet-id", "Values": [subnet["SubnetId"]]}])[
            "Subnets"
        ]
        == []
    )


def test_function_interfaces_are_described_as_lambdas_are(
    server: InProcessServer, network: dict[str, Any]
) -> None:
    ec2, lam = server.client("ec2"), server.client("lambda")
    wanted = {"SubnetIds": network["subnets"], "SecurityGroupIds": [network["group"]]}
    name = create(server, network["role"], VpcConfig=wanted)["FunctionName"]
    mine = ec2.describe_network_interfaces(
        Filters=[{"Name": "description", "Values": [f"AWS Lambda VPC ENI-{name}-*"]}]
    )["NetworkInterfaces"]
    assert sorted(i["SubnetId"] for i in mine) == sorted(network["subnets"])
    role_id = server.client("iam").get_role(RoleName="vpc-fn")["Role"]["RoleId"]
    subnets = {s["SubnetId"]: s for s in ec2.describe_subnets()["Subnets"]}
    for interface in mine:
        assert interface["NetworkInterfaceId"].startswith("eni-")
        assert len(interface["NetworkInterfaceId"]) == len("eni-") + 17
        assert interface["InterfaceType"] == "lambda"
        assert interface["Status"] == "in-use"
        assert interface["RequesterManaged"] is False
        assert interface["RequesterId"] == f"{role_id}:{server.account_id}"
        assert interface["OwnerId"] == server.account_id
        assert interface["VpcId"] == network["vpc"]
        assert interface["Groups"] == [{"GroupId": network["group"], "GroupName": "fn"}]
        subnet = subnets[interface["SubnetId"]]
        assert interface["AvailabilityZone"] == subnet["AvailabilityZone"]
        block = IPv4Network(subnet["CidrBlock"])
        address = IPv4Address(interface["PrivateIpAddress"])
        assert address == interface_address(block, interface["NetworkInterfaceId"])
        assert block.network_address + 4 <= address < block.broadcast_address
    # Stable: the same ids and addresses on every read and after an unrelated update.
    lam.update_function_configuration(FunctionName=name, Timeout=7)
    again = ec2.describe_network_interfaces(
        NetworkInterfaceIds=[i["NetworkInterfaceId"] for i in mine]
    )["NetworkInterfaces"]
    assert sorted(again, key=lambda i: i["SubnetId"]) == sorted(mine, key=lambda i: i["SubnetId"])
    for filters, expected in (
        ([{"Name": "subnet-id", "Values": [network["subnets"][0]]}], 1),
        ([{"Name": "vpc-id", "Values": [network["vpc"]]}], 2),
        ([{"Name": "group-id", "Values": [network["group"]]}], 2),
        ([{"Name": "interface-type", "Values": ["lambda"]}], 2),
        ([{"Name": "vpc-id", "Values": [network["other_vpc"]]}], 0),
    ):
        shown = ec2.describe_network_interfaces(
            Filters=[*filters, {"Name": "description", "Values": [f"*ENI-{name}-*"]}]
        )["NetworkInterfaces"]
        assert len(shown) == expected, filters
    # Out of the VPC: its interfaces go.
    lam.update_function_configuration(
        FunctionName=name, VpcConfig={"SubnetIds": [], "SecurityGroupIds": []}
    )
    with pytest.raises(ClientError) as caught:
        ec2.describe_network_interfaces(NetworkInterfaceIds=[mine[0]["NetworkInterfaceId"]])
    assert error(caught) == (
        "InvalidNetworkInterfaceID.NotFound",
        f"The networkInterface ID '{mine[0]['NetworkInterfaceId']}' does not exist",
    )


def test_describing_interfaces_needs_its_own_action(
    server: InProcessServer, network: dict[str, Any]
) -> None:
    iam = server.client("iam")
    iam.create_user(UserName="no-ec2")
    iam.put_user_policy(
        UserName="no-ec2",
        PolicyName="subnets-only",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "ec2:DescribeSubnets", "Resource": "*"}
                ],
            }
        ),
    )
    key = iam.create_access_key(UserName="no-ec2")["AccessKey"]
    ec2 = server.client("ec2", credentials=(key["AccessKeyId"], key["SecretAccessKey"]))
    ec2.describe_subnets()
    with pytest.raises(ClientError) as caught:
        ec2.describe_network_interfaces()
    assert error(caught)[0] == "UnauthorizedOperation"
    assert "ec2:DescribeNetworkInterfaces" in error(caught)[1]


def test_vpc_changes_are_configuration_items(
    server: InProcessServer, network: dict[str, Any]
) -> None:
    lam = server.client("lambda")
    name = create(server, network["role"])["FunctionName"]
    wanted = {"SubnetIds": network["subnets"][:1], "SecurityGroupIds": [network["group"]]}
    lam.update_function_configuration(FunctionName=name, VpcConfig=wanted)
    lam.update_function_configuration(
        FunctionName=name, VpcConfig={"SubnetIds": [], "SecurityGroupIds": []}
    )
    assert server.built is not None
    with server.built.store.read() as tx:
        items = tx.configuration_items.history(AccountId(server.account_id), name)
    recorded = [item.configuration["network"]["vpcConfig"] for item in items]
    assert recorded == [
        None,
        {
            "subnetIds": network["subnets"][:1],
            "securityGroupIds": [network["group"]],
            "vpcId": network["vpc"],
        },
        None,
    ]


def test_policies_can_require_a_vpc_and_choose_its_subnets(
    server: InProcessServer, network: dict[str, Any]
) -> None:
    # The condition keys lambda:VpcIds and lambda:SubnetIds (Lambda developer guide, "Using
    # IAM condition keys for VPC settings"; Service Authorization Reference, AWS Lambda).
    iam = server.client("iam")
    iam.create_user(UserName="vpc-deployer")
    iam.put_user_policy(
        UserName="vpc-deployer",
        PolicyName="vpc-only",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": ["lambda:*", "iam:PassRole"], "Resource": "*"},
                    {
                        "Effect": "Deny",
                        "Action": ["lambda:CreateFunction", "lambda:UpdateFunctionConfiguration"],
                        "Resource": "*",
                        "Condition": {"Null": {"lambda:VpcIds": "true"}},
                    },
                    {
                        "Effect": "Deny",
                        "Action": ["lambda:CreateFunction", "lambda:UpdateFunctionConfiguration"],
                        "Resource": "*",
                        "Condition": {
                            "ForAnyValue:StringNotEquals": {
                                "lambda:SubnetIds": [network["subnets"][0]]
                            }
                        },
                    },
                ],
            }
        ),
    )
    key = iam.create_access_key(UserName="vpc-deployer")["AccessKey"]
    lam = server.client("lambda", credentials=(key["AccessKeyId"], key["SecretAccessKey"]))

    def create_as_deployer(**extra: Any) -> dict[str, Any]:
        made = lam.create_function(
            FunctionName=f"d-{uuid.uuid4().hex[:10]}", Runtime="python3.11",
            Role=network["role"], Handler="app.handler", Code={"ZipFile": PYTHON_ECHO}, **extra,
        )  # fmt: skip
        assert isinstance(made, dict)
        return made

    with pytest.raises(ClientError) as caught:
        create_as_deployer()
    assert error(caught)[0] == "AccessDeniedException"
    with pytest.raises(ClientError) as caught:
        create_as_deployer(
            VpcConfig={"SubnetIds": network["subnets"], "SecurityGroupIds": [network["group"]]}
        )
    assert error(caught)[0] == "AccessDeniedException"
    made = create_as_deployer(
        VpcConfig={"SubnetIds": network["subnets"][:1], "SecurityGroupIds": [network["group"]]}
    )
    assert made["VpcConfig"]["VpcId"] == network["vpc"]
    with pytest.raises(ClientError) as caught:
        lam.update_function_configuration(
            FunctionName=made["FunctionName"], VpcConfig={"SubnetIds": [], "SecurityGroupIds": []}
        )
    assert error(caught)[0] == "AccessDeniedException"
