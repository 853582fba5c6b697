"""The EC2 protocol, checked against botocore's own `EC2Serializer` (requests) and
`EC2QueryParser` (answers and errors), with the ec2 model."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import botocore.session
import pytest
from botocore.parsers import EC2QueryParser
from botocore.serialize import EC2Serializer

from stockade.api.ec2_endpoint import Ec2Endpoint
from stockade.api.errors import MalformedRequestError, UnknownOperationError
from stockade.api.http import HttpRequest, HttpResponse
from stockade.services.ec2.errors import VpcNotFoundError

MODEL = botocore.session.get_session().get_service_model("ec2")
ENDPOINT = Ec2Endpoint("ec2", MODEL)
FORM = {"content-type": "application/x-www-form-urlencoded; charset=utf-8"}


def wire(operation: str, params: dict[str, Any]) -> HttpRequest:
    serialized = EC2Serializer().serialize_to_request(params, MODEL.operation_model(operation))
    body = serialized["body"]
    text = body if isinstance(body, str) else urlencode(body)
    return HttpRequest("POST", "/", "", FORM, text.encode())


def round_trip(operation: str, params: dict[str, Any]) -> dict[str, Any]:
    request = wire(operation, params)
    routed = ENDPOINT.route(request)
    assert routed.operation.name == operation
    return ENDPOINT.parse(routed, request)


def parsed(operation: str, response: HttpResponse) -> dict[str, Any]:
    shape = MODEL.operation_model(operation).output_shape
    answer: dict[str, Any] = EC2QueryParser().parse(
        {"status_code": response.status, "headers": dict(response.headers), "body": response.body},
        shape,
    )
    return answer


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("CreateVpc", {"CidrBlock": "10.0.0.0/16", "DryRun": True, "TagSpecifications": [
            {"ResourceType": "vpc", "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": ""}]}
        ]}),
        ("DescribeVpcs", {"VpcIds": ["vpc-1", "vpc-2"], "Filters": [
            {"Name": "tag:x", "Values": ["a", "b*"]}, {"Name": "cidr", "Values": ["10.0.0.0/16"]}
        ], "MaxResults": 5}),
        ("AuthorizeSecurityGroupIngress", {"GroupId": "sg-1", "IpPermissions": [
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
             "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "ssh"}],
             "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
            {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-2"}]},
        ]}),
        ("CreateSecurityGroup", {"GroupName": "web", "Description": "d", "VpcId": "vpc-1"}),
        ("DeleteTags", {"Resources": ["vpc-1"], "Tags": [{"Key": "k"}]}),
    ],
)  # fmt: skip
def test_requests_survive_botocores_flattening(operation: str, params: dict[str, Any]) -> None:
    assert round_trip(operation, params) == params


def test_the_flattening_is_ec2s_and_not_the_query_protocols() -> None:
    text = wire("DescribeSecurityGroups", {"GroupIds": ["sg-1"], "Filters": [
        {"Name": "vpc-id", "Values": ["vpc-1"]}]}).body.decode()  # fmt: skip
    # queryName / capitalised locationName, lists without `.member.`
    assert "GroupId.1=sg-1" in text
    assert "Filter.1.Name=vpc-id" in text
    assert "Filter.1.Value.1=vpc-1" in text
    assert "member" not in text


def test_answers_parse_with_botocores_ec2_parser() -> None:
    result = {
        "SecurityGroups": [
            {"GroupId": "sg-1", "GroupName": "web", "IpPermissions": [
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                 "IpRanges": [{"CidrIp": "10.0.0.0/8"}], "UserIdGroupPairs": []}
            ], "Tags": [{"Key": "a & b", "Value": "<x>"}]}
        ],
        "NextToken": "t",
    }  # fmt: skip
    operation = MODEL.operation_model("DescribeSecurityGroups")
    response = ENDPOINT.serialize(operation, result, "req-1")
    assert response.status == 200
    assert b"<requestId>req-1</requestId>" in response.body
    namespace = b'<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
    assert namespace in response.body
    assert b"<item>" in response.body
    answer = parsed("DescribeSecurityGroups", response)
    assert answer["ResponseMetadata"]["RequestId"] == "req-1"
    assert answer["NextToken"] == "t"
    group = answer["SecurityGroups"][0]
    assert group["Tags"] == [{"Key": "a & b", "Value": "<x>"}]
    assert group["IpPermissions"][0]["FromPort"] == 22
    assert group["IpPermissions"][0]["IpRanges"] == [{"CidrIp": "10.0.0.0/8"}]


def test_booleans_parse() -> None:
    operation = MODEL.operation_model("DeleteSecurityGroup")
    answer = parsed("DeleteSecurityGroup", ENDPOINT.serialize(operation, {"Return": True,
                    "GroupId": "sg-1"}, "r"))  # fmt: skip
    assert answer["Return"] is True
    assert answer["GroupId"] == "sg-1"


def test_errors_parse_with_botocores_ec2_parser() -> None:
    response = ENDPOINT.serialize_error(
        VpcNotFoundError("The vpc ID 'vpc-1' does not exist"), "r-9"
    )
    assert response.status == 400
    answer = parsed("DeleteVpc", response)
    assert answer["Error"] == {
        "Code": "InvalidVpcID.NotFound", "Message": "The vpc ID 'vpc-1' does not exist"
    }  # fmt: skip
    assert answer["ResponseMetadata"]["RequestId"] == "r-9"


def test_an_unknown_action_is_ec2s_invalid_action() -> None:
    request = HttpRequest("POST", "/", "", FORM, b"Action=NoSuchThing&Version=2016-11-15")
    with pytest.raises(UnknownOperationError) as caught:
        ENDPOINT.route(request)
    assert caught.value.wire_code("ec2") == "InvalidAction"
    assert MalformedRequestError("x").wire_code("ec2") == "MalformedQueryString"
