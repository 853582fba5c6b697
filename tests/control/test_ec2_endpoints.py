"""Interface VPC endpoints through boto3's `ec2` client: shapes, the platform's own endpoint
services, and EC2's codes.

Facts: CreateVpcEndpoint takes VpcEndpointType (Gateway by default), ServiceName
(`com.amazonaws.<region>.<service>`; an unknown one is InvalidServiceName), SubnetIds (one a
zone: DuplicateSubnetsInSameZone), SecurityGroupIds (the VPC's default group when none is
given) and PrivateDnsEnabled; DeleteVpcEndpoints answers the ids it could not delete in
`Unsuccessful` (InvalidVpcEndpointId.NotFound) and succeeds; DescribeVpcEndpointServices
answers ServiceNames and ServiceDetails (EC2 API reference, "CreateVpcEndpoint",
"DeleteVpcEndpoints", "DescribeVpcEndpointServices", "Error codes"); a VPC has one private
DNS name per service (AWS PrivateLink guide, "Interface VPC endpoints").
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
from stockade.services.ec2.endpoint_services import SERVED_APIS
from stockade.types import AccountId
from tests.support.inprocess import InProcessServer

ENDPOINT_ID = re.compile(r"vpce-[0-9a-f]{17}")
ENI_ID = re.compile(r"eni-[0-9a-f]{17}")
LAMBDA = "com.amazonaws.us-east-1.lambda"


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(tmp_path_factory.mktemp("ec2-endpoints") / "data") as running:
        yield running


@pytest.fixture
def ec2(server: InProcessServer) -> Any:
    return server.client("ec2")


def error_of(caught: pytest.ExceptionInfo[ClientError]) -> tuple[int, str]:
    response = caught.value.response
    return int(response["ResponseMetadata"]["HTTPStatusCode"]), str(response["Error"]["Code"])


def network(ec2: Any) -> tuple[str, str, str]:
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    a = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")
    b = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.2.0/24", AvailabilityZone="us-east-1b")
    return str(vpc_id), str(a["Subnet"]["SubnetId"]), str(b["Subnet"]["SubnetId"])


def endpoint(ec2: Any, vpc_id: str, subnets: list[str], **extra: Any) -> dict[str, Any]:
    made = ec2.create_vpc_endpoint(
        VpcId=vpc_id,
        VpcEndpointType="Interface",
        ServiceName=extra.pop("ServiceName", LAMBDA),
        SubnetIds=subnets,
        **extra,
    )
    return dict(made["VpcEndpoint"])


def default_group(ec2: Any, vpc_id: str) -> str:
    groups = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"]
    return str(groups[0]["GroupId"])


def test_the_platforms_own_apis_are_the_endpoint_services(ec2: Any) -> None:
    answer = ec2.describe_vpc_endpoint_services()
    expected = sorted(f"com.amazonaws.us-east-1.{api}" for api in SERVED_APIS)
    assert answer["ServiceNames"] == expected
    lambda_ = next(d for d in answer["ServiceDetails"] if d["ServiceName"] == LAMBDA)
    assert lambda_["ServiceType"] == [{"ServiceType": "Interface"}]
    assert lambda_["PrivateDnsName"] == "lambda.us-east-1.amazonaws.com"
    assert lambda_["Owner"] == "amazon"
    one = ec2.describe_vpc_endpoint_services(ServiceNames=[LAMBDA])
    assert one["ServiceNames"] == [LAMBDA]
    by_filter = ec2.describe_vpc_endpoint_services(
        Filters=[{"Name": "service-name", "Values": ["*.sqs"]}]
    )
    assert by_filter["ServiceNames"] == ["com.amazonaws.us-east-1.sqs"]
    with pytest.raises(ClientError) as caught:
        ec2.describe_vpc_endpoint_services(ServiceNames=["com.amazonaws.us-east-1.dynamodb"])
    assert error_of(caught) == (400, "InvalidServiceName")


def test_an_interface_endpoint_has_one_interface_a_subnet(ec2: Any) -> None:
    vpc_id, a, b = network(ec2)
    made = endpoint(
        ec2,
        vpc_id,
        [a, b],
        TagSpecifications=[{"ResourceType": "vpc-endpoint", "Tags": [{"Key": "k", "Value": "v"}]}],
    )
    assert ENDPOINT_ID.fullmatch(made["VpcEndpointId"])
    assert (made["VpcEndpointType"], made["VpcId"], made["ServiceName"], made["State"]) == (
        "Interface", vpc_id, LAMBDA, "available")  # fmt: skip
    assert made["SubnetIds"] == [a, b]
    assert len(made["NetworkInterfaceIds"]) == 2
    assert all(ENI_ID.fullmatch(eni) for eni in made["NetworkInterfaceIds"])
    assert made["Groups"] == [{"GroupId": default_group(ec2, vpc_id), "GroupName": "default"}]
    assert made["PrivateDnsEnabled"] is True  # AWS's default for AWS services
    names = [entry["DnsName"] for entry in made["DnsEntries"]]
    assert "lambda.us-east-1.amazonaws.com" in names
    assert any(n.endswith("-us-east-1a.lambda.us-east-1.vpce.amazonaws.com") for n in names)
    assert made["Tags"] == [{"Key": "k", "Value": "v"}]
    described = ec2.describe_vpc_endpoints(VpcEndpointIds=[made["VpcEndpointId"]])
    assert described["VpcEndpoints"][0]["NetworkInterfaceIds"] == made["NetworkInterfaceIds"]


def test_interfaces_take_distinct_addresses_of_their_subnets(
    server: InProcessServer, ec2: Any
) -> None:
    vpc_id, a, b = network(ec2)
    first = endpoint(ec2, vpc_id, [a, b])
    second = endpoint(ec2, vpc_id, [a], ServiceName="com.amazonaws.us-east-1.sts")
    assert server.built is not None
    with server.built.store.read() as tx:
        stored = {e.endpoint_id: e for e in tx.egress.endpoints(AccountId(server.account_id))}
    held = [i for e in stored.values() for i in e.interfaces]
    assert {i.network_interface_id for i in held} == {
        *first["NetworkInterfaceIds"], *second["NetworkInterfaceIds"]}  # fmt: skip
    blocks = {a: ipaddress.IPv4Network("10.0.1.0/24"), b: ipaddress.IPv4Network("10.0.2.0/24")}
    for interface in held:
        address = ipaddress.IPv4Address(interface.address)
        block = blocks[interface.subnet_id]
        assert address in block
        assert int(address) - int(block.network_address) >= 4  # AWS reserves the first four
        assert address != block.broadcast_address  # and the last
    in_a = [i.address for i in held if i.subnet_id == a]
    assert len(set(in_a)) == len(in_a) == 2


def test_groups_named_must_be_of_the_vpc(ec2: Any) -> None:
    vpc_id, a, _ = network(ec2)
    group = ec2.create_security_group(GroupName="ep", Description="d", VpcId=vpc_id)["GroupId"]
    made = endpoint(ec2, vpc_id, [a], SecurityGroupIds=[group])
    assert made["Groups"] == [{"GroupId": group, "GroupName": "ep"}]
    with pytest.raises(ClientError) as caught:  # in use by the endpoint
        ec2.delete_security_group(GroupId=group)
    assert error_of(caught) == (400, "DependencyViolation")
    other_vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    foreign = ec2.create_security_group(GroupName="x", Description="d", VpcId=other_vpc)
    with pytest.raises(ClientError) as caught:
        endpoint(ec2, vpc_id, [a], SecurityGroupIds=[foreign["GroupId"]],
                 ServiceName="com.amazonaws.us-east-1.sts")  # fmt: skip
    assert error_of(caught) == (400, "InvalidParameterValue")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"ServiceName": "com.amazonaws.us-east-1.dynamodb"}, "InvalidServiceName"),
        ({"VpcEndpointType": "Gateway"}, "UnsupportedOperation"),
        ({"PolicyDocument": "{}"}, "UnsupportedOperation"),
        ({"SubnetIds": ["subnet-0123456789abcdef0"]}, "InvalidSubnetID.NotFound"),
        ({"SecurityGroupIds": ["sg-0123456789abcdef0"]}, "InvalidGroup.NotFound"),
        ({"VpcId": "vpc-0123456789abcdef0"}, "InvalidVpcID.NotFound"),
        ({"SubnetIds": []}, "MissingParameter"),
    ],
)
def test_bad_requests_get_ec2s_codes_and_write_nothing(
    ec2: Any, change: dict[str, Any], code: str
) -> None:
    vpc_id, a, _ = network(ec2)
    request = {"VpcId": vpc_id, "VpcEndpointType": "Interface", "ServiceName": LAMBDA,
               "SubnetIds": [a], **change}  # fmt: skip
    with pytest.raises(ClientError) as caught:
        ec2.create_vpc_endpoint(**request)
    assert error_of(caught)[1] == code
    assert ec2.describe_vpc_endpoints()["VpcEndpoints"] == []


def test_one_subnet_a_zone(ec2: Any) -> None:
    vpc_id, a, _ = network(ec2)
    same_zone = ec2.create_subnet(
        VpcId=vpc_id, CidrBlock="10.0.3.0/24", AvailabilityZone="us-east-1a"
    )["Subnet"]["SubnetId"]
    with pytest.raises(ClientError) as caught:
        endpoint(ec2, vpc_id, [a, same_zone])
    assert error_of(caught) == (400, "DuplicateSubnetsInSameZone")


def test_one_private_dns_name_a_service_in_a_vpc(ec2: Any) -> None:
    vpc_id, a, b = network(ec2)
    endpoint(ec2, vpc_id, [a])
    with pytest.raises(ClientError) as caught:
        endpoint(ec2, vpc_id, [b])
    assert error_of(caught) == (400, "InvalidParameter")
    second = endpoint(ec2, vpc_id, [b], PrivateDnsEnabled=False)
    assert "lambda.us-east-1.amazonaws.com" not in [e["DnsName"] for e in second["DnsEntries"]]


def test_endpoints_are_deleted_and_unknown_ids_answered_unsuccessful(ec2: Any) -> None:
    vpc_id, a, _ = network(ec2)
    made = endpoint(ec2, vpc_id, [a])
    missing = "vpce-0123456789abcdef0"
    answer = ec2.delete_vpc_endpoints(VpcEndpointIds=[made["VpcEndpointId"], missing])
    assert answer["Unsuccessful"] == [
        {
            "ResourceId": missing,
            "Error": {
                "Code": "InvalidVpcEndpointId.NotFound",
                "Message": f"The Vpc Endpoint Id '{missing}' does not exist",
            },
        }
    ]
    assert ec2.describe_vpc_endpoints()["VpcEndpoints"] == []
    with pytest.raises(ClientError) as caught:
        ec2.describe_vpc_endpoints(VpcEndpointIds=[made["VpcEndpointId"]])
    assert error_of(caught) == (400, "InvalidVpcEndpointId.NotFound")


def test_a_subnet_or_vpc_with_an_endpoint_is_not_deleted(ec2: Any) -> None:
    vpc_id, a, b = network(ec2)
    made = endpoint(ec2, vpc_id, [a])
    with pytest.raises(ClientError) as caught:
        ec2.delete_subnet(SubnetId=a)
    assert error_of(caught) == (400, "DependencyViolation")
    ec2.delete_subnet(SubnetId=b)  # the endpoint is not in this one
    with pytest.raises(ClientError) as caught:
        ec2.delete_vpc(VpcId=vpc_id)
    assert error_of(caught) == (400, "DependencyViolation")
    ec2.delete_vpc_endpoints(VpcEndpointIds=[made["VpcEndpointId"]])
    ec2.delete_subnet(SubnetId=a)
    ec2.delete_vpc(VpcId=vpc_id)


def test_endpoints_are_filtered_and_paged(ec2: Any) -> None:
    vpc_id, a, _ = network(ec2)
    services = ["sts", "sqs", "kms", "logs", "ec2", "signer"]
    made = [endpoint(ec2, vpc_id, [a], ServiceName=f"com.amazonaws.us-east-1.{s}")
            for s in services]  # fmt: skip
    by_service = ec2.describe_vpc_endpoints(
        Filters=[{"Name": "service-name", "Values": ["com.amazonaws.us-east-1.sqs"]}]
    )["VpcEndpoints"]
    assert [e["VpcEndpointId"] for e in by_service] == [made[1]["VpcEndpointId"]]
    first = ec2.describe_vpc_endpoints(MaxResults=5)
    rest = ec2.describe_vpc_endpoints(MaxResults=5, NextToken=first["NextToken"])
    paged = [e["VpcEndpointId"] for e in (*first["VpcEndpoints"], *rest["VpcEndpoints"])]
    assert sorted(paged) == sorted(e["VpcEndpointId"] for e in made)
    assert "NextToken" not in rest


def test_endpoints_per_vpc_are_bounded(ec2: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # The bound itself (50) is the VPC quota; two keep this test fast.
    monkeypatch.setattr(egress_quotas, "ENDPOINTS_PER_VPC", 2)
    vpc_id, a, _ = network(ec2)
    endpoint(ec2, vpc_id, [a], ServiceName="com.amazonaws.us-east-1.sts")
    endpoint(ec2, vpc_id, [a], ServiceName="com.amazonaws.us-east-1.sqs")
    with pytest.raises(ClientError) as caught:
        endpoint(ec2, vpc_id, [a], ServiceName="com.amazonaws.us-east-1.kms")
    assert error_of(caught) == (400, "VpcEndpointLimitExceeded")
    assert len(ec2.describe_vpc_endpoints()["VpcEndpoints"]) == 2


def test_a_dry_run_writes_nothing(ec2: Any) -> None:
    vpc_id, a, _ = network(ec2)
    with pytest.raises(ClientError) as caught:
        endpoint(ec2, vpc_id, [a], DryRun=True)
    assert error_of(caught) == (412, "DryRunOperation")
    assert ec2.describe_vpc_endpoints()["VpcEndpoints"] == []


def test_create_vpc_endpoint_needs_the_action_on_each_subnet(
    server: InProcessServer, ec2: Any
) -> None:
    vpc_id, a, b = network(ec2)
    iam = server.client("iam")
    iam.create_user(UserName="one-subnet")
    arn = f"arn:aws:ec2:us-east-1:{server.account_id}"
    resources = [f"{arn}:vpc-endpoint/*", f"{arn}:vpc/{vpc_id}", f"{arn}:subnet/{a}"]
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ec2:CreateVpcEndpoint", "Resource": resources}]}  # fmt: skip
    iam.put_user_policy(UserName="one-subnet", PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="one-subnet")["AccessKey"]
    user = server.client("ec2", (key["AccessKeyId"], key["SecretAccessKey"]))
    with pytest.raises(ClientError) as caught:
        endpoint(user, vpc_id, [a, b])
    assert error_of(caught) == (403, "UnauthorizedOperation")
    assert ec2.describe_vpc_endpoints()["VpcEndpoints"] == []
    assert endpoint(user, vpc_id, [a])["SubnetIds"] == [a]


def test_endpoints_take_tags_later(ec2: Any) -> None:
    vpc_id, a, _ = network(ec2)
    endpoint_id = endpoint(ec2, vpc_id, [a])["VpcEndpointId"]
    ec2.create_tags(Resources=[endpoint_id], Tags=[{"Key": "k", "Value": "v"}])
    tags = ec2.describe_tags(Filters=[{"Name": "resource-type", "Values": ["vpc-endpoint"]}])
    assert [(t["ResourceId"], t["Key"]) for t in tags["Tags"]] == [(endpoint_id, "k")]
    by_tag = ec2.describe_vpc_endpoints(Filters=[{"Name": "tag:k", "Values": ["v"]}])
    assert [e["VpcEndpointId"] for e in by_tag["VpcEndpoints"]] == [endpoint_id]


def test_a_retried_create_answers_the_same_endpoint(ec2: Any) -> None:
    vpc_id, a, _ = network(ec2)
    request = {"VpcId": vpc_id, "VpcEndpointType": "Interface", "ServiceName": LAMBDA,
               "SubnetIds": [a], "ClientToken": "t-1"}  # fmt: skip
    first = ec2.create_vpc_endpoint(**request)
    again = ec2.create_vpc_endpoint(**request)
    assert again["VpcEndpoint"]["VpcEndpointId"] == first["VpcEndpoint"]["VpcEndpointId"]
    assert again["ClientToken"] == "t-1"
    assert len(ec2.describe_vpc_endpoints()["VpcEndpoints"]) == 1
