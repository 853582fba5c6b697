"""Round trips through botocore's own JSON serializer and parser (the sqs model)."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore.parsers import JSONParser
from botocore.serialize import JSONSerializer

from stockade.api.errors import MalformedRequestError, UnknownOperationError, ValidationError
from stockade.api.http import HttpRequest
from stockade.api.json_endpoint import JsonEndpoint
from stockade.errors import ApiError
from stockade.services.sqs.errors import AccessDeniedError, QueueDoesNotExistError

SESSION = botocore.session.get_session()
MODEL = SESSION.get_service_model("sqs")
URL = "http://localhost:9000/111122223333/orders"


def endpoint() -> JsonEndpoint:
    return JsonEndpoint("sqs", MODEL)


def wire_request(operation: str, params: dict[str, Any]) -> HttpRequest:
    op = MODEL.operation_model(operation)
    wire = JSONSerializer().serialize_to_request(params, op)
    headers = {k.lower(): v for k, v in wire["headers"].items()}
    return HttpRequest("POST", "/", "", headers, wire["body"])


def round_trip(operation: str, params: dict[str, Any]) -> dict[str, Any]:
    ep = endpoint()
    request = wire_request(operation, params)
    routed = ep.route(request)
    assert routed.operation.name == operation
    return ep.parse(routed, request)


def parse_response(operation: str, status: int, headers: Any, body: bytes) -> dict[str, Any]:
    op = MODEL.operation_model(operation)
    response = {"status_code": status, "headers": dict(headers), "body": body}
    parsed: dict[str, Any] = JSONParser().parse(response, op.output_shape)
    return parsed


def test_send_message_request_round_trips_with_attributes() -> None:
    params = {
        "QueueUrl": URL,
        "MessageBody": "héllo",
        "DelaySeconds": 5,
        "MessageAttributes": {
            "s": {"DataType": "String", "StringValue": "v"},
            "b": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
        },
    }
    assert round_trip("SendMessage", params) == params


def test_receive_message_response_round_trips() -> None:
    op = MODEL.operation_model("ReceiveMessage")
    result = {
        "Messages": [{
            "MessageId": "m1", "ReceiptHandle": "1.2.ab", "MD5OfBody": "x", "Body": "hi",
            "Attributes": {"ApproximateReceiveCount": "3"},
            "MessageAttributes": {"b": {"DataType": "Binary", "BinaryValue": b"\x01"}},
        }]
    }  # fmt: skip
    response = endpoint().serialize(op, result, "req-1")
    assert response.status == 200
    assert ("Content-Type", "application/x-amz-json-1.0") in response.headers
    parsed = parse_response("ReceiveMessage", 200, response.headers, response.body)
    assert parsed["Messages"] == result["Messages"]


@pytest.mark.parametrize(
    ("error", "code", "query_code"),
    [
        (QueueDoesNotExistError("gone"), "QueueDoesNotExist",
         "AWS.SimpleQueueService.NonExistentQueue"),
        (AccessDeniedError("no"), "AccessDeniedException", "AccessDenied"),
        (ValidationError("bad"), "ValidationException", "ValidationError"),
    ],
)  # fmt: skip
def test_errors_carry_the_type_and_the_legacy_query_code(
    error: ApiError, code: str, query_code: str
) -> None:
    response = endpoint().serialize_error(error, "req-2")
    assert response.status == error.http_status
    headers = {k.lower(): v for k, v in response.headers}
    parsed = JSONParser().parse(
        {"status_code": response.status, "headers": headers, "body": response.body}, None
    )
    assert parsed["Error"]["Code"] == query_code
    assert parsed["Error"]["QueryErrorCode"] == code  # botocore maps this to the exception class
    assert parsed["Error"]["Message"] == error.message
    assert parsed["Error"]["Type"] == "Sender"


def test_unknown_target_is_an_unknown_operation() -> None:
    request = HttpRequest("POST", "/", "", {"x-amz-target": "AmazonSQS.Nope"}, b"{}")
    with pytest.raises(UnknownOperationError):
        endpoint().route(request)
    request = HttpRequest("POST", "/", "", {"x-amz-target": "Other.SendMessage"}, b"{}")
    with pytest.raises(UnknownOperationError):
        endpoint().route(request)


@pytest.mark.parametrize("body", [b"not json", b"[1]", b'{"Unknown": 1}', b'{"DelaySeconds": "5"}'])
def test_malformed_bodies_are_refused(body: bytes) -> None:
    ep = endpoint()
    request = HttpRequest("POST", "/", "", {"x-amz-target": "AmazonSQS.SendMessage"}, body)
    with pytest.raises(MalformedRequestError):
        ep.parse(ep.route(request), request)
