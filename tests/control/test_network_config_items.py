"""VPCs, subnets and security groups have configuration histories, as functions do: each change
made through the EC2 API writes an item (AWS::EC2::VPC, AWS::EC2::Subnet,
AWS::EC2::SecurityGroup) in the change's transaction, linked to the request's audit record, and
the operator's GetConfigurationHistory answers them by resource type and id.

Facts (AWS Config developer guide, "Configuration items" and its resource schema for these
types): statuses ResourceDiscovered, OK, ResourceDeleted; a deleted resource's item carries no
configuration; a security group's configuration holds ipPermissions and ipPermissionsEgress.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from stockade.api.operator_channel import call, operator_facts, operator_for
from stockade.types import AccountId, RequestId
from stockade.wiring.operator import operator_endpoint
from tests.support.inprocess import InProcessServer


@pytest.fixture
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("network-items") / "data"


@pytest.fixture
def server(data_dir: Path) -> Iterator[InProcessServer]:
    with InProcessServer(data_dir) as running:
        yield running


@pytest.fixture
def ec2(server: InProcessServer) -> Any:
    return server.client("ec2")


def history(
    server: InProcessServer, resource_type: str, resource_id: str, member: str = "FunctionName"
) -> Any:
    """The items as the operator's GetConfigurationHistory answers them, through the kernel."""
    built = server.built
    assert built is not None
    assert built.kernel is not None
    kernel = built.kernel
    body = json.dumps({member: resource_id, "ResourceType": resource_type}).encode()
    facts = operator_facts(RequestId(str(uuid.uuid4())), datetime.now(UTC))
    principal = operator_for(AccountId(server.account_id), os.geteuid())

    async def ask() -> Any:
        return await call(kernel, operator_endpoint(), principal, "GetConfigurationHistory",
                          body, facts)  # fmt: skip

    answered = server._call(ask)  # on the server's own loop
    return answered.status, json.loads(answered.body)


def journal(data_dir: Path) -> dict[str, dict[str, Any]]:
    """The audit records journalled so far, by request id."""
    lines = (data_dir / "audit" / "journal.jsonl").read_bytes().splitlines()
    records = [json.loads(line.split(b"\t", 1)[1]) for line in lines if line]
    return {str(r["requestID"]): r for r in records}


def request_id(answer: dict[str, Any]) -> str:
    return str(answer["ResponseMetadata"]["RequestId"])


def items(server: InProcessServer, resource_type: str, resource_id: str) -> list[dict[str, Any]]:
    status, answer = history(server, resource_type, resource_id)
    assert status == 200, answer
    found: list[dict[str, Any]] = answer["Items"]
    return found


def test_a_vpc_and_its_default_group_are_recorded_from_creation_to_deletion(
    server: InProcessServer, ec2: Any, data_dir: Path
) -> None:
    made = ec2.create_vpc(CidrBlock="10.0.0.0/16")
    vpc_id = made["Vpc"]["VpcId"]
    tagged = ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "Name", "Value": "edge"}])
    [group] = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]  # fmt: skip
    deleted = ec2.delete_vpc(VpcId=vpc_id)
    vpc_items = items(server, "AWS::EC2::VPC", vpc_id)
    assert [i["configurationItemStatus"] for i in vpc_items] == [
        "ResourceDiscovered", "OK", "ResourceDeleted"]  # fmt: skip
    assert [i["configurationStateId"] for i in vpc_items] == ["1", "2", "3"]
    first = vpc_items[0]
    assert first["resourceType"] == "AWS::EC2::VPC"
    assert first["resourceId"] == vpc_id
    assert first["arn"] == f"arn:aws:ec2:{server.region}:{server.account_id}:vpc/{vpc_id}"
    assert first["configuration"]["cidrBlock"] == "10.0.0.0/16"
    assert first["configuration"]["vpcId"] == vpc_id
    assert vpc_items[1]["changes"] == [
        {"path": "tags", "before": [], "after": [{"key": "Name", "value": "edge"}]}
    ]
    assert vpc_items[2]["configuration"] == {}
    events = [i["relatedEvents"][0] for i in vpc_items]
    assert events == [
        {"eventName": "CreateVpc", "requestID": request_id(made)},
        {"eventName": "CreateTags", "requestID": request_id(tagged)},
        {"eventName": "DeleteVpc", "requestID": request_id(deleted)},
    ]
    group_items = items(server, "AWS::EC2::SecurityGroup", group["GroupId"])
    assert [i["configurationItemStatus"] for i in group_items] == [
        "ResourceDiscovered", "ResourceDeleted"]  # fmt: skip
    assert group_items[0]["configuration"]["groupName"] == "default"
    assert group_items[0]["relatedEvents"][0]["requestID"] == request_id(made)
    # The audit record of each request names the items it wrote.
    noted = journal(data_dir)[request_id(made)]["additionalEventData"]["configurationItems"]
    assert noted == [
        {"resourceType": "AWS::EC2::VPC", "resourceId": vpc_id, "configurationStateId": "1",
         "configurationItemStatus": "ResourceDiscovered"},
        {"resourceType": "AWS::EC2::SecurityGroup", "resourceId": group["GroupId"],
         "configurationStateId": "1", "configurationItemStatus": "ResourceDiscovered"},
    ]  # fmt: skip


def test_rules_authorized_and_revoked_are_changes_of_the_group(
    server: InProcessServer, ec2: Any
) -> None:
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    group_id = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc_id)[
        "GroupId"
    ]
    https = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
             "IpRanges": [{"CidrIp": "10.1.0.0/16", "Description": "office"}]}  # fmt: skip
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[https])
    ec2.revoke_security_group_egress(GroupId=group_id, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])  # fmt: skip
    ec2.describe_security_groups(GroupIds=[group_id])  # a read records nothing
    found = items(server, "AWS::EC2::SecurityGroup", group_id)
    assert [i["configurationItemStatus"] for i in found] == ["ResourceDiscovered", "OK", "OK"]
    created, authorized, revoked = (i["configuration"] for i in found)
    assert created["ipPermissions"] == []
    assert created["ipPermissionsEgress"][0]["ipRanges"] == ["0.0.0.0/0"]
    assert authorized["ipPermissions"] == [{
        "ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "ipRanges": ["10.1.0.0/16"],
        "ipv4Ranges": [{"cidrIp": "10.1.0.0/16", "description": "office"}],
        "ipv6Ranges": [], "prefixListIds": [], "userIdGroupPairs": [],
    }]  # fmt: skip
    assert revoked["ipPermissionsEgress"] == []
    assert [i["relatedEvents"][0]["eventName"] for i in found] == [
        "CreateSecurityGroup",
        "AuthorizeSecurityGroupIngress",
        "RevokeSecurityGroupEgress",
    ]


def test_a_subnet_is_recorded_and_a_refused_change_records_nothing(
    server: InProcessServer, ec2: Any
) -> None:
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]
    with pytest.raises(ec2.exceptions.ClientError):
        ec2.create_tags(Resources=[subnet["SubnetId"], "vpc-0123456789abcdef0"],
                        Tags=[{"Key": "a", "Value": "b"}])  # fmt: skip
    ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    found = items(server, "AWS::EC2::Subnet", subnet["SubnetId"])
    assert [i["configurationItemStatus"] for i in found] == ["ResourceDiscovered",
                                                             "ResourceDeleted"]  # fmt: skip
    configuration = found[0]["configuration"]
    assert (configuration["cidrBlock"], configuration["vpcId"]) == ("10.0.1.0/24", vpc_id)
    assert configuration["subnetArn"] == subnet["SubnetArn"]
    # A function's history is its own: the same id as a function name has none.
    status, answer = history(server, "AWS::Lambda::Function", subnet["SubnetId"])
    assert status == 404, answer


def test_a_parameter_s_history_is_named_by_its_resource_id(server: InProcessServer) -> None:
    # A parameter's name (a path) is no function name: the operator names it by ResourceId.
    ssm = server.client("ssm")
    name = f"/app-{uuid.uuid4().hex[:6]}/db/host"
    ssm.put_parameter(Name=name, Value="db.local", Type="String")
    ssm.put_parameter(Name=name, Value="db2.local", Overwrite=True)
    status, answer = history(server, "AWS::SSM::Parameter", name, "ResourceId")
    assert status == 200, answer
    assert [i["configurationItemStatus"] for i in answer["Items"]] == [
        "ResourceDiscovered", "OK"]  # fmt: skip
    assert answer["Items"][1]["changes"] == [{"path": "Version", "before": 1, "after": 2}]
    assert "db.local" not in json.dumps(answer)
    status, answer = history(server, "AWS::SSM::Parameter", name)  # FunctionName: no path
    assert status == 400
    status, answer = history(server, "AWS::SSM::Parameter", "", "ResourceId")
    assert status == 400  # an empty id is no id


def test_a_secret_s_history_is_named_by_its_arn(server: InProcessServer) -> None:
    secrets = server.client("secretsmanager")
    arn = secrets.create_secret(Name=f"db-{uuid.uuid4().hex[:6]}", SecretString="hunter2-canary")[
        "ARN"]  # fmt: skip
    secrets.update_secret(SecretId=arn, Description="the database")
    status, answer = history(server, "AWS::SecretsManager::Secret", arn, "ResourceId")
    assert status == 200, answer
    assert [i["configurationItemStatus"] for i in answer["Items"]] == [
        "ResourceDiscovered", "OK"]  # fmt: skip
    assert "hunter2-canary" not in json.dumps(answer)
