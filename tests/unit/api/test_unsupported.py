"""Refusals for services this server does not serve parse, with botocore's own parser for each
protocol family, into the `NotImplemented` error naming the service."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.awsrequest import HeadersDict
from botocore.parsers import create_parser

from stockade.api import aws_services, unsupported
from stockade.api.errors import UnsupportedServiceError
from stockade.api.http import HttpRequest
from stockade.api.protocols.foreign_errors import cbor_text_map

FORM = {"content-type": "application/x-www-form-urlencoded; charset=utf-8"}


def request(headers: dict[str, str] | None = None, query: str = "") -> HttpRequest:
    return HttpRequest("POST", "/", query, headers or {}, b"")


@pytest.mark.parametrize(
    ("service", "headers", "query", "protocol"),
    [
        ("s3", {}, "", "rest-xml"),
        ("s3", {"x-amz-target": "X.Y"}, "", "rest-xml"),  # S3 has no JSON to answer in
        ("cloudformation", FORM, "", "query"),
        ("cloudformation", {}, "Action=DescribeStacks", "query"),
        ("ec2", FORM, "", "ec2"),
        ("dynamodb", {"x-amz-target": "DynamoDB_20120810.ListTables"}, "", "json"),
        ("dynamodb", {}, "", "json"),  # its only protocol
        ("events", {"smithy-protocol": "rpc-v2-cbor"}, "", "smithy-rpc-v2-cbor"),
        ("events", {"x-amz-target": "AWSEvents.ListRules"}, "", "json"),
        ("ses", {}, "", "rest-json"),  # shared: sesv2's REST, when nothing marks an RPC call
        ("ses", FORM, "", "query"),
        ("no-such-service", {"x-amz-target": "A.B"}, "", "json"),
        ("no-such-service", {}, "", "rest-json"),
    ],
)
def test_the_answer_speaks_the_protocol_the_request_and_service_speak(
    service: str, headers: dict[str, str], query: str, protocol: str
) -> None:
    found = unsupported.endpoint_for(service, request(headers, query))
    assert found is not None
    assert found.protocol == protocol


@pytest.mark.parametrize("name", ["", "s3/extra", "a" * 65, "s3 ", "<s3>", "-s3"])
def test_what_cannot_be_a_signing_name_gets_no_endpoint(name: str) -> None:
    assert unsupported.endpoint_for(name, request()) is None


@pytest.mark.parametrize(
    ("service", "headers", "title"),
    [
        ("s3", {}, "Amazon Simple Storage Service"),
        ("cloudformation", FORM, "AWS CloudFormation"),
        ("ec2", FORM, "Amazon Elastic Compute Cloud"),
        ("dynamodb", {"content-type": "application/x-amz-json-1.0"}, "Amazon DynamoDB"),
        ("events", {"smithy-protocol": "rpc-v2-cbor"}, "Amazon EventBridge"),
        ("execute-api", {}, ""),
    ],
)
def test_every_protocol_family_parses_into_not_implemented(
    service: str, headers: dict[str, str], title: str
) -> None:
    endpoint = unsupported.endpoint_for(service, request(headers))
    assert endpoint is not None
    with pytest.raises(UnsupportedServiceError) as caught:
        endpoint.route(request(headers))
    response = endpoint.serialize_error(caught.value, "req-1")
    parsed: dict[str, Any] = create_parser(endpoint.protocol).parse(
        {
            "status_code": response.status,
            "headers": HeadersDict(dict(response.headers)),
            "body": response.body,
        },
        None,
    )
    assert response.status == 501
    assert parsed["Error"]["Code"] == "NotImplemented"
    assert parsed["Error"]["Message"].startswith(f"The {service} service")
    assert title in parsed["Error"]["Message"]
    assert parsed["ResponseMetadata"]["RequestId"] == "req-1"


def test_the_catalog_knows_the_services_the_brief_names() -> None:
    for name in ("s3", "cloudformation", "dynamodb", "secretsmanager", "ec2", "events"):
        assert name in aws_services.SERVICES


def test_cbor_maps_of_text_use_the_longer_length_forms() -> None:
    long_text = "x" * 300
    encoded = cbor_text_map({"a": long_text})
    # map(1), text(1) "a", text with a two-byte length (0x79 0x01 0x2c), then the text
    assert encoded[:5] == bytes([0xA1, 0x61, ord("a"), 0x79, 0x01])
    assert encoded[5] == 0x2C
    assert encoded[6:] == long_text.encode()
