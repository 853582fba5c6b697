"""The rest-json protocol round-trips through botocore's own serializer and parser."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

import botocore.session
import pytest
from botocore.awsrequest import HeadersDict, create_request_object, prepare_request_dict
from botocore.parsers import create_parser
from botocore.response import StreamingBody
from botocore.serialize import create_serializer

from stockade.api.errors import MalformedRequestError
from stockade.api.http import HttpRequest, HttpResponse
from stockade.api.protocols import rest_json
from stockade.services.lambda_.errors import PreconditionFailedError, ResourceNotFoundError

MODEL = botocore.session.get_session().get_service_model("lambda")
ROUTER = rest_json.RestJsonRouter(MODEL)
ARN = "arn:aws:lambda:us-east-1:123456789012:function:my-fn"

REQUESTS: dict[str, dict[str, Any]] = {
    "CreateFunction": {
        "FunctionName": "my-fn",
        "Role": "arn:aws:iam::123456789012:role/r",
        "Code": {"ZipFile": b"PK\x03\x04binary\x00\xff"},
        "Runtime": "python3.11",
        "Handler": "app.handler",
        "Environment": {"Variables": {"A": "1", "B": "two words"}},
        "Layers": ["arn:aws:lambda:us-east-1:123456789012:layer:l:1"],
        "EphemeralStorage": {"Size": 1024},
        "Tags": {"team": "x"},
        "Publish": True,
    },
    "GetFunction": {"FunctionName": ARN, "Qualifier": "prod"},
    "ListFunctions": {"MaxItems": 7, "Marker": "abc/=+", "FunctionVersion": "ALL"},
    "Invoke": {
        "FunctionName": "my-fn",
        "Payload": b'{"k": 1}',
        "InvocationType": "RequestResponse",
        "LogType": "Tail",
        "ClientContext": "eyJ4IjogMX0=",
        "Qualifier": "3",
    },
    "UntagResource": {"Resource": ARN, "TagKeys": ["a", "b c"]},
    "GetLayerVersionByArn": {"Arn": "arn:aws:lambda:us-east-1:123456789012:layer:l:2"},
    "GetLayerVersion": {"LayerName": "l", "VersionNumber": 2},
    "ListProvisionedConcurrencyConfigs": {"FunctionName": "f"},
    "GetProvisionedConcurrencyConfig": {"FunctionName": "f", "Qualifier": "1"},
    "DeleteFunction": {"FunctionName": "my-fn", "Qualifier": "1"},
    "UpdateAlias": {
        "FunctionName": "f",
        "Name": "live",
        "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.25}},
    },
}


def client_request(operation: str, params: dict[str, Any]) -> HttpRequest:
    op = MODEL.operation_model(operation)
    request_dict = create_serializer("rest-json").serialize_to_request(params, op)
    prepare_request_dict(request_dict, "http://127.0.0.1:9000")
    prepared = create_request_object(request_dict).prepare()
    parts = urlsplit(prepared.url)
    headers = {k.lower(): v for k, v in prepared.headers.items()}
    body = prepared.body or b""
    return HttpRequest(prepared.method, parts.path, parts.query, headers, bytes(body))


@pytest.mark.parametrize("operation", sorted(REQUESTS))
def test_botocore_request_parses_back_to_its_params(operation: str) -> None:
    params = REQUESTS[operation]
    request = client_request(operation, params)
    found = ROUTER.match(request.method, request.raw_path, request.query())
    assert found is not None
    op, uri_params = found
    assert op.name == operation
    assert rest_json.parse_request(op, uri_params, request) == params


def parse_response(operation: str, response: HttpResponse) -> dict[str, Any]:
    op = MODEL.operation_model(operation)
    headers = HeadersDict(response.headers)  # case-insensitive, like the real client's
    body: object = response.body
    if op.has_streaming_output:  # as botocore's endpoint does for streaming payloads
        body = StreamingBody(io.BytesIO(response.body), len(response.body))
    parsed: dict[str, Any] = create_parser("rest-json").parse(
        {"status_code": response.status, "headers": headers, "body": body},
        op.output_shape,
    )
    parsed.pop("ResponseMetadata", None)
    return parsed


def test_configuration_response_parses_back() -> None:
    result = {
        "FunctionName": "f",
        "FunctionArn": ARN,
        "CodeSize": 12,
        "Environment": {"Variables": {"A": "1"}},
        "Layers": [{"Arn": "arn:aws:lambda:us-east-1:123456789012:layer:l:1", "CodeSize": 3}],
        "Architectures": ["x86_64"],
        "EphemeralStorage": {"Size": 512},
    }
    response = rest_json.serialize_response(
        MODEL.operation_model("GetFunctionConfiguration"), result, "rid"
    )
    assert response.status == 200
    assert parse_response("GetFunctionConfiguration", response) == result


def test_invoke_response_headers_status_and_payload_parse_back() -> None:
    result = {
        "StatusCode": 200,
        "FunctionError": "Unhandled",
        "LogResult": "U1RBUlQ=",
        "ExecutedVersion": "$LATEST",
        "Payload": b'{"errorMessage": "x"}',
    }
    response = rest_json.serialize_response(MODEL.operation_model("Invoke"), result, "rid")
    parsed = parse_response("Invoke", response)
    payload = parsed.pop("Payload").read()
    assert payload == result["Payload"]
    assert parsed == {k: v for k, v in result.items() if k != "Payload"}


def test_no_content_response_has_empty_body() -> None:
    response = rest_json.serialize_response(MODEL.operation_model("TagResource"), {}, "rid")
    assert (response.status, response.body) == (204, b"")
    assert parse_response("TagResource", response) == {}


def test_status_code_member_overrides_the_default() -> None:
    op = MODEL.operation_model("DeleteFunction")
    response = rest_json.serialize_response(op, {"StatusCode": 204}, "rid")
    assert response.status == 204


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (ResourceNotFoundError("Function not found: x"), 404),
        (PreconditionFailedError(), 412),
    ],
)
def test_errors_parse_as_botocore_client_errors(error: Exception, status: int) -> None:
    response = rest_json.serialize_error(MODEL, error, "rid")  # type: ignore[arg-type]
    headers = HeadersDict(response.headers)  # case-insensitive, like the real client's
    parsed = create_parser("rest-json").parse(
        {"status_code": response.status, "headers": headers, "body": response.body},
        None,
    )
    assert response.status == status
    assert parsed["Error"]["Code"] == type(error).code  # type: ignore[attr-defined]
    assert parsed["Error"]["Message"] == error.message  # type: ignore[attr-defined]
    assert headers["x-amzn-RequestId"] == "rid"


def test_unknown_body_member_is_refused() -> None:
    request = client_request(
        "CreateAlias", {"FunctionName": "f", "Name": "a", "FunctionVersion": "1"}
    )
    tampered = HttpRequest(
        **{**request.__dict__, "body": b'{"Name":"a","FunctionVersion":"1","X":1}'}
    )
    op, params = ROUTER.match(tampered.method, tampered.raw_path, tampered.query()) or (None, {})
    assert op is not None
    with pytest.raises(MalformedRequestError, match="Unrecognized field"):
        rest_json.parse_request(op, params, tampered)


@pytest.mark.parametrize(
    "body", [b"{not json", b'{"Name": 5, "FunctionVersion": "1"}', b"[1]", b'{"Name": null}']
)
def test_malformed_bodies_are_refused_or_tolerated_as_aws_does(body: bytes) -> None:
    request = client_request(
        "CreateAlias", {"FunctionName": "f", "Name": "a", "FunctionVersion": "1"}
    )
    tampered = HttpRequest(**{**request.__dict__, "body": body})
    op, params = ROUTER.match(tampered.method, tampered.raw_path, tampered.query()) or (None, {})
    assert op is not None
    if body == b'{"Name": null}':
        assert rest_json.parse_request(op, params, tampered) == {"FunctionName": "f"}
        return
    with pytest.raises(MalformedRequestError):
        rest_json.parse_request(op, params, tampered)


def test_unknown_paths_do_not_route() -> None:
    assert ROUTER.match("GET", "/2015-03-31/nothing", []) is None
    assert ROUTER.match("DELETE", "/2015-03-31/functions/", []) is None


def test_every_model_operation_has_a_route() -> None:
    for name in MODEL.operation_names:
        params = {m: "x" for m in MODEL.operation_model(name).input_shape.required_members}
        op = MODEL.operation_model(name)
        uri = op.http["requestUri"].split("?")[0]
        for member in op.input_shape.members.values():
            loc = member.serialization.get("name")
            if member.serialization.get("location") == "uri":
                uri = uri.replace("{" + loc + "}", "x").replace("{" + loc + "+}", "x")
        query = [
            tuple(p.split("=")) for p in op.http["requestUri"].partition("?")[2].split("&") if p
        ]
        found = ROUTER.match(op.http["method"], uri, query)
        assert found is not None, (name, params)
        assert found[0].name == name, (name, params)


def test_a_repeated_match_gives_the_same_route_and_its_own_parameters() -> None:
    router = rest_json.RestJsonRouter(MODEL)
    path = "/2015-03-31/functions/my%2Dfn/invocations"
    first = router.match("POST", path, [("Qualifier", "live")])
    assert first is not None
    assert first[0].name == "Invoke"
    assert first[1] == {"FunctionName": "my-fn"}
    first[1]["FunctionName"] = "changed by a caller"
    again = router.match("POST", path, [("Qualifier", "live")])
    assert again is not None
    assert (again[0].name, again[1]) == ("Invoke", {"FunctionName": "my-fn"})
    assert router.match("GET", path, []) is None  # the method is part of what is remembered
    assert router.match("GET", path, []) is None
