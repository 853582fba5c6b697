"""The JSON protocol round-trips through botocore's own serializer and parser (logs, kms and
cloudtrail models: nested lists and maps, blobs, timestamps, a dotted target prefix)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import botocore.session
import pytest
from botocore.awsrequest import HeadersDict
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

from stockade.api.errors import (
    MalformedRequestError,
    UnknownOperationError,
    ValidationError,
)
from stockade.api.http import HttpRequest, HttpResponse
from stockade.api.json_endpoint import LOGS_CODE_OVERRIDES, JsonEndpoint
from stockade.errors import ApiError
from stockade.kernel.errors import NotImplementedOperationError
from stockade.kernel.validation import summarize, validate
from stockade.services.logs.errors import InvalidParameterError, ResourceNotFoundError

SESSION = botocore.session.get_session()
LOGS = SESSION.get_service_model("logs")


def endpoint(service: str = "logs") -> JsonEndpoint:
    model = SESSION.get_service_model(service)
    overrides = LOGS_CODE_OVERRIDES if service == "logs" else None
    return JsonEndpoint(service, model, code_overrides=overrides)


def client_request(service: str, operation: str, params: dict[str, Any]) -> HttpRequest:
    op = SESSION.get_service_model(service).operation_model(operation)
    wire = create_serializer("json").serialize_to_request(params, op)
    headers = {k.lower(): v for k, v in wire["headers"].items()}
    return HttpRequest(wire["method"], wire["url_path"], "", headers, wire["body"])


def round_trip(service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    ep = endpoint(service)
    request = client_request(service, operation, params)
    routed = ep.route(request)
    assert routed.operation.name == operation
    return ep.parse(routed, request)


def client_parse(service: str, operation: str, response: HttpResponse) -> dict[str, Any]:
    op = SESSION.get_service_model(service).operation_model(operation)
    parsed: dict[str, Any] = create_parser("json").parse(
        {"status_code": response.status, "headers": HeadersDict(response.headers),
         "body": response.body},
        op.output_shape,
    )  # fmt: skip
    parsed.pop("ResponseMetadata", None)
    return parsed


REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("logs", "DescribeLogGroups", {"logGroupNamePrefix": "/aws/lambda/", "limit": 5}),
    ("logs", "DescribeLogStreams",
     {"logGroupName": "/aws/lambda/f", "orderBy": "LastEventTime", "descending": True}),
    ("logs", "GetLogEvents",
     {"logGroupIdentifier": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f",
      "logStreamName": "2026/11/22/[$LATEST]0123456789abcdef0123456789abcdef",
      "startTime": 1795377449521, "startFromHead": True, "nextToken": "f/abc"}),
    ("logs", "FilterLogEvents",
     {"logGroupName": "/aws/lambda/f", "logStreamNames": ["a", "b c"],
      "filterPattern": '"Task timed out" ERROR', "limit": 10_000, "interleaved": True}),
    ("logs", "CreateLogGroup", {"logGroupName": "/app/x", "tags": {"team": "payments"}}),
    ("kms", "Encrypt",
     {"KeyId": "alias/k", "Plaintext": b"\x00secret\xff",
      "EncryptionContext": {"tenant": "a"}}),
    ("cloudtrail", "LookupEvents",
     {"StartTime": datetime(2026, 11, 22, 19, 24, 20, tzinfo=UTC),
      "LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "Invoke"}]}),
]  # fmt: skip


@pytest.mark.parametrize(("service", "operation", "params"), REQUESTS, ids=[r[1] for r in REQUESTS])
def test_botocore_requests_parse_back_to_their_params(
    service: str, operation: str, params: dict[str, Any]
) -> None:
    assert round_trip(service, operation, params) == params


def test_responses_parse_back_with_botocore() -> None:
    op = LOGS.operation_model("FilterLogEvents")
    result = {
        "events": [
            {"logStreamName": "s", "timestamp": 1795377449521, "message": "héllo\r  trace",
             "ingestionTime": 1795377449600, "eventId": "42"},
        ],
        "nextToken": "f/xyz",
    }  # fmt: skip
    response = endpoint().serialize(op, result, "rid")
    assert response.status == 200
    assert ("Content-Type", "application/x-amz-json-1.1") in response.headers
    assert ("x-amzn-RequestId", "rid") in response.headers
    assert client_parse("logs", "FilterLogEvents", response) == result


def test_blobs_and_timestamps_are_base64_and_epoch_seconds() -> None:
    decrypt = SESSION.get_service_model("kms").operation_model("Decrypt")
    response = endpoint("kms").serialize(decrypt, {"Plaintext": b"\x00\xff", "KeyId": "k"}, "r")
    assert response.body == b'{"Plaintext":"AP8=","KeyId":"k"}'
    assert client_parse("kms", "Decrypt", response) == {"Plaintext": b"\x00\xff", "KeyId": "k"}
    lookup = SESSION.get_service_model("cloudtrail").operation_model("LookupEvents")
    when = datetime(2026, 11, 22, 19, 24, 20, tzinfo=UTC)
    response = endpoint("cloudtrail").serialize(
        lookup, {"Events": [{"EventId": "e", "EventTime": when}]}, "r"
    )
    assert b'"EventTime":1795375460.0' in response.body
    parsed = client_parse("cloudtrail", "LookupEvents", response)
    assert parsed["Events"][0]["EventTime"].timestamp() == when.timestamp()


def test_an_operation_without_output_answers_an_empty_body() -> None:
    response = endpoint().serialize(LOGS.operation_model("CreateLogGroup"), {}, "rid")
    assert (response.status, response.body) == (200, b"")
    assert client_parse("logs", "CreateLogGroup", response) == {}


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [
        (ResourceNotFoundError("The specified log group does not exist."),
         "ResourceNotFoundException", 400),
        (InvalidParameterError("The specified nextToken is invalid."),
         "InvalidParameterException", 400),
        (ValidationError("1 validation error detected: ..."), "InvalidParameterException", 400),
        (MalformedRequestError("The request body is not valid JSON."),
         "SerializationException", 400),
        (NotImplementedOperationError("no"), "NotImplemented", 501),
    ],
)  # fmt: skip
def test_errors_parse_as_botocore_client_errors(error: ApiError, code: str, status: int) -> None:
    response = endpoint().serialize_error(error, "rid")
    parsed = create_parser("json").parse(
        {"status_code": response.status, "headers": HeadersDict(response.headers),
         "body": response.body},
        None,
    )  # fmt: skip
    assert response.status == status
    assert parsed["Error"]["Code"] == code
    assert parsed["Error"]["Message"] == error.message
    assert parsed["ResponseMetadata"]["RequestId"] == "rid"


def test_modelled_error_members_ride_along() -> None:
    class Rejected(ApiError):
        code = "InvalidSequenceTokenException"
        http_status = 400

        def wire_fields(self) -> dict[str, object]:
            return {"expectedSequenceToken": "49"}

    response = endpoint().serialize_error(Rejected("The given token is invalid."), "rid")
    wire = {"status_code": 400, "headers": HeadersDict(response.headers), "body": response.body}
    parser = create_parser("json")
    assert parser.parse(wire, None)["Error"]["Code"] == "InvalidSequenceTokenException"
    # What the client then does with the error shape the code names:
    modelled = parser.parse(wire, LOGS.shape_for("InvalidSequenceTokenException"))
    assert modelled["expectedSequenceToken"] == "49"


def tampered(body: bytes, operation: str = "DescribeLogGroups", **headers: str) -> HttpRequest:
    request = client_request("logs", operation, {})
    return HttpRequest("POST", "/", "", {**request.headers, **headers}, body)


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1]",
        b'"text"',
        b'{"limit": "5"}',
        b'{"limit": 5.5}',
        b'{"limit": true}',
        b'{"logGroupNamePrefix": 5}',
        b'{"limit": NaN}',
        b'{"unknownMember": 1}',
        b'{"accountIdentifiers": "not-a-list"}',
        b"\xff\xfe{}",
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
def test_malformed_bodies_are_serialization_errors(body: bytes) -> None:
    request = tampered(body)
    ep = endpoint()
    with pytest.raises(MalformedRequestError) as refused:
        ep.parse(ep.route(request), request)
    assert refused.value.wire_code("json") == "SerializationException"


def test_nulls_and_empty_bodies_mean_absent_members() -> None:
    ep = endpoint()
    for body in (b"", b"  ", b"{}", b'{"limit": null}'):
        request = tampered(body)
        assert ep.parse(ep.route(request), request) == {}


def test_only_json_content_types_are_accepted() -> None:
    ep = endpoint()
    request = tampered(b"{}", **{"content-type": "application/x-www-form-urlencoded"})
    with pytest.raises(MalformedRequestError):
        ep.parse(ep.route(request), request)
    for kind in ("application/x-amz-json-1.1", "application/json; charset=utf-8"):
        request = tampered(b"{}", **{"content-type": kind})
        assert ep.parse(ep.route(request), request) == {}


@pytest.mark.parametrize(
    ("method", "target"),
    [
        ("POST", None),
        ("POST", "Logs_20140328.NoSuchOperation"),
        ("POST", "TrentService.DescribeLogGroups"),  # another service's prefix
        ("POST", "DescribeLogGroups"),
        ("GET", "Logs_20140328.DescribeLogGroups"),
    ],
)
def test_requests_that_name_no_operation_are_unknown(method: str, target: str | None) -> None:
    headers = {"content-type": "application/x-amz-json-1.1"}
    if target is not None:
        headers["x-amz-target"] = target
    with pytest.raises(UnknownOperationError):
        endpoint().route(HttpRequest(method, "/", "", headers, b"{}"))


def test_a_dotted_target_prefix_routes() -> None:
    request = client_request("cloudtrail", "LookupEvents", {})
    assert request.headers["x-amz-target"].count(".") > 1
    assert endpoint("cloudtrail").route(request).operation.name == "LookupEvents"


def test_parsed_params_are_validated_against_the_model() -> None:
    request = tampered(b'{"limit": 100, "logGroupNamePrefix": "bad name"}')
    ep = endpoint()
    routed = ep.route(request)
    problems = validate(routed.operation.input_shape, ep.parse(routed, request))
    assert summarize(problems) == (
        "2 validation errors detected: Value '100' at 'limit' failed to satisfy constraint:"
        " Member must have value less than or equal to 50; Value 'bad name' at"
        " 'logGroupNamePrefix' failed to satisfy constraint: Member must satisfy regular"
        " expression pattern: [\\.\\-_/#A-Za-z0-9]+"
    )


# The `serviceTarget` each JavaScript SDK v3 client sends (read from the published
# @aws-sdk/client-* packages: dist-cjs/index.js), and an operation of each service.
JS_SDK_V3_TARGETS = {
    "cloudtrail": ("CloudTrail_20131101", "LookupEvents"),
    "logs": ("Logs_20140328", "DescribeLogGroups"),
    "kms": ("TrentService", "ListKeys"),
    "sqs": ("AmazonSQS", "ListQueues"),
}


@pytest.mark.parametrize("service", sorted(JS_SDK_V3_TARGETS))
def test_both_sdk_target_forms_route(service: str) -> None:
    short, operation = JS_SDK_V3_TARGETS[service]
    botocore_form = client_request(service, operation, {}).headers["x-amz-target"]
    for target in (botocore_form, f"{short}.{operation}"):
        request = HttpRequest("POST", "/", "", {"x-amz-target": target}, b"{}")
        assert endpoint(service).route(request).operation.name == operation


@pytest.mark.parametrize(
    "target",
    [
        "v20131101.CloudTrail_20131101.LookupEvents",  # a middle piece of the prefix
        "com.amazonaws.cloudtrail.LookupEvents",
        "CloudTrail_20131101LookupEvents",
        ".LookupEvents",
    ],
)
def test_other_parts_of_a_dotted_prefix_do_not_route(target: str) -> None:
    request = HttpRequest("POST", "/", "", {"x-amz-target": target}, b"{}")
    with pytest.raises(UnknownOperationError):
        endpoint("cloudtrail").route(request)
