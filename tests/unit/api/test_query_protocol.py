"""Round trips through botocore's own query serializer and parser (iam and sts models)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import botocore.session
import pytest
from botocore.parsers import QueryParser
from botocore.serialize import QuerySerializer

from stockade.api.errors import MalformedRequestError, UnknownOperationError, ValidationError
from stockade.api.http import HttpRequest, HttpResponse
from stockade.api.protocols import query
from stockade.api.query_endpoint import QueryEndpoint
from stockade.errors import ApiError
from stockade.services.iam.errors import NoSuchEntityError

SESSION = botocore.session.get_session()


def _request(service: str, operation: str, params: dict[str, Any]) -> tuple[Any, HttpRequest]:
    model = SESSION.get_service_model(service)
    op = model.operation_model(operation)
    wire = QuerySerializer().serialize_to_request(params, op)
    body = wire["body"]
    text = body if isinstance(body, str) else urlencode(body)
    request = HttpRequest(
        "POST",
        "/",
        "",
        {"content-type": "application/x-www-form-urlencoded; charset=utf-8"},
        text.encode(),
    )
    return model, request


def _round_trip_request(service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    model, request = _request(service, operation, params)
    endpoint = QueryEndpoint(service, model)
    routed = endpoint.route(request)
    assert routed.operation.name == operation
    return endpoint.parse(routed, request)


def _parse_response(service: str, operation: str, response: HttpResponse) -> dict[str, Any]:
    op = SESSION.get_service_model(service).operation_model(operation)
    parsed: dict[str, Any] = QueryParser().parse(
        {"status_code": response.status, "headers": dict(response.headers), "body": response.body},
        op.output_shape,
    )
    return parsed


def test_lists_structures_and_integers_survive_a_request_round_trip() -> None:
    params = {
        "RoleName": "r",
        "AssumeRolePolicyDocument": '{"Version":"2012-10-17","Statement":[]}',
        "MaxSessionDuration": 7200,
        "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}],
        "Path": "/x/",
    }
    assert _round_trip_request("iam", "CreateRole", params) == params


def test_sts_assume_role_with_policy_arns_and_tags_round_trips() -> None:
    params = {
        "RoleArn": "arn:aws:iam::123456789012:role/r",
        "RoleSessionName": "s",
        "DurationSeconds": 900,
        "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
        "ExternalId": "ext&=?",
        "TransitiveTagKeys": ["k1", "k2"],
    }
    assert _round_trip_request("sts", "AssumeRole", params) == params


def test_an_empty_list_is_read_as_empty() -> None:
    params = {"PolicyArn": "arn:aws:iam::aws:policy/X", "EntityFilter": "User"}
    assert _round_trip_request("iam", "ListEntitiesForPolicy", params) == params
    parsed = _round_trip_request("iam", "TagRole", {"RoleName": "r", "Tags": []})
    assert parsed == {"RoleName": "r", "Tags": []}


def test_a_response_with_lists_timestamps_and_booleans_parses_in_botocore() -> None:
    model = SESSION.get_service_model("iam")
    op = model.operation_model("ListAccessKeys")
    created = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    result = {
        "AccessKeyMetadata": [
            {"UserName": "u", "AccessKeyId": "AKIAX", "Status": "Active", "CreateDate": created}
        ],
        "IsTruncated": False,
    }
    response = query.serialize_response(model, op, result, "rid-1")
    parsed = _parse_response("iam", "ListAccessKeys", response)
    assert parsed["AccessKeyMetadata"][0]["CreateDate"] == created
    assert parsed["AccessKeyMetadata"][0]["AccessKeyId"] == "AKIAX"
    assert parsed["IsTruncated"] is False
    assert parsed["ResponseMetadata"]["RequestId"] == "rid-1"


def test_markup_in_values_is_escaped() -> None:
    model = SESSION.get_service_model("iam")
    op = model.operation_model("GetUserPolicy")
    document = '{"a":"<b>&</b>"}'
    result = {"UserName": "u", "PolicyName": "p", "PolicyDocument": document}
    parsed = _parse_response(
        "iam", "GetUserPolicy", query.serialize_response(model, op, result, "r")
    )
    assert parsed["PolicyDocument"] == document


def test_sts_credentials_parse_in_botocore() -> None:
    model = SESSION.get_service_model("sts")
    op = model.operation_model("GetCallerIdentity")
    result = {
        "UserId": "AIDA",
        "Account": "123456789012",
        "Arn": "arn:aws:iam::123456789012:user/u",
    }
    parsed = _parse_response(
        "sts", "GetCallerIdentity", query.serialize_response(model, op, result, "r")
    )
    assert parsed["Account"] == "123456789012"


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [
        (NoSuchEntityError("The user with name u cannot be found."), "NoSuchEntity", 404),
        (ValidationError("1 validation error"), "ValidationError", 400),
        (MalformedRequestError("bad"), "MalformedQueryString", 400),
    ],
)
def test_errors_parse_in_botocore_with_query_codes(error: ApiError, code: str, status: int) -> None:
    response = query.serialize_error(error, "rid-2")
    parsed = QueryParser().parse(
        {"status_code": response.status, "headers": dict(response.headers), "body": response.body},
        None,
    )
    assert response.status == status
    assert parsed["Error"]["Code"] == code
    assert parsed["Error"]["Message"] == error.message
    assert parsed["Error"]["Type"] == "Sender"
    assert parsed["ResponseMetadata"]["RequestId"] == "rid-2"


def test_unknown_action_is_refused() -> None:
    model = SESSION.get_service_model("iam")
    request = HttpRequest(
        "POST", "/", "", {"content-type": "application/x-www-form-urlencoded"}, b"Action=Nope"
    )
    with pytest.raises(UnknownOperationError):
        QueryEndpoint("iam", model).route(request)


def test_repeated_parameters_are_refused() -> None:
    request = HttpRequest(
        "POST", "/", "", {"content-type": "application/x-www-form-urlencoded"}, b"A=1&A=2"
    )
    with pytest.raises(MalformedRequestError):
        query.form_params(request)


def test_get_requests_read_the_query_string() -> None:
    request = HttpRequest("GET", "/", "Action=GetCallerIdentity&Version=2011-06-15", {}, b"")
    endpoint = QueryEndpoint("sts", SESSION.get_service_model("sts"))
    assert endpoint.route(request).operation.name == "GetCallerIdentity"
