"""The generic rest-xml rules hold across the whole s3 model, not only the operations served:
every operation's request (its required members) routes and parses back, and every output
with every member set reads back through botocore's RestXMLParser as serialized."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.model import Shape
from botocore.parsers import RestXMLParser

from stockade.api.protocols.rest_xml import serialize_response
from tests.unit.api.s3_wire_support import MODEL, endpoint, serialized_request

WHEN = datetime(2026, 12, 8, 2, 11, 35, tzinfo=UTC)
_DEPTH = 10

# Operations that share a route with their successor and are routed to it, as S3 runs them:
# the deprecated lifecycle and notification forms, and S3 Express's listing at `GET /`.
ROUTED_TO = {
    "GetBucketLifecycle": "GetBucketLifecycleConfiguration",
    "PutBucketLifecycle": "PutBucketLifecycleConfiguration",
    "GetBucketNotification": "GetBucketNotificationConfiguration",
    "PutBucketNotification": "PutBucketNotificationConfiguration",
    "ListDirectoryBuckets": "ListBuckets",
}
# Object Lambda's own endpoint (`{RequestRoute}.` host prefix), not a bucket's.
UNROUTED = {"WriteGetObjectResponse"}
# Outputs botocore does not read with RestXMLParser alone: GetBucketLocation (a handler reads
# the bare element; tested through a client in test_rest_xml_responses), event streams, and
# the deprecated GetBucketNotification, whose model names two members `Event`.
UNPARSED = {"GetBucketLocation", "SelectObjectContent", "GetBucketNotification"}


def sample(shape: Shape, name: str, every_member: bool, depth: int = 0) -> Any:
    kind = shape.type_name
    if kind == "structure":
        union = bool(shape.metadata.get("union"))  # exactly one member, always
        members = [
            (key, member)
            for key, member in shape.members.items()
            if (every_member or union or key in shape.required_members)
            and not member.serialization.get("eventstream")
            and depth < _DEPTH
        ]
        if union:
            members = members[:1]
        return {key: sample(member, key, every_member, depth + 1) for key, member in members}
    if kind == "list":
        return [sample(shape.member, name, every_member, depth + 1)]
    if kind == "map":
        return {"k1": sample(shape.value, name, every_member, depth + 1)}
    if kind == "string":
        if name == "Bucket":
            return "b1b"
        if shape.enum:
            return shape.enum[0]
        if shape.name == "ETag":
            return '"e1"'
        text = f"{name}-v"
        return text + "x" * max(0, int(shape.metadata.get("min", 0)) - len(text))
    scalars = {"integer": 7, "long": 7, "boolean": True, "timestamp": WHEN, "blob": b"x",
               "float": 1.5, "double": 1.5}  # fmt: skip
    return scalars[kind]


OPERATIONS = [n for n in MODEL.operation_names if n not in UNROUTED]


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_operations_request_routes_and_parses_back(operation: str) -> None:
    model = MODEL.operation_model(operation)
    params = sample(model.input_shape, "", every_member=False) if model.input_shape else {}
    s3 = endpoint()
    request = serialized_request(operation, params)
    routed = s3.route(request)
    assert routed.operation.name == ROUTED_TO.get(operation, operation)
    if operation not in ROUTED_TO:
        streamed = s3.stream_member(model)
        assert s3.parse(routed, request) == {k: v for k, v in params.items() if k != streamed}


@pytest.mark.parametrize(
    "operation",
    [n for n in OPERATIONS if n not in UNPARSED and MODEL.operation_model(n).output_shape],
)
def test_every_output_reads_back_through_botocore(operation: str) -> None:
    model = MODEL.operation_model(operation)
    result = sample(model.output_shape, "", every_member=True)
    response = serialize_response(model, result, "r")
    parsed = RestXMLParser().parse(
        {"status_code": response.status, "headers": dict(response.headers),
         "body": response.body},
        model.output_shape,
    )  # fmt: skip
    parsed.pop("ResponseMetadata", None)
    payload = model.output_shape.serialization.get("payload")
    if payload and model.output_shape.members[payload].type_name == "blob":
        # botocore hands a blob payload over as it came; here, the very bytes serialized.
        assert response.body == result.pop(payload)
        parsed.pop(payload)
    assert parsed == result


@pytest.mark.parametrize("every_member", [False, True])
def test_an_xml_attribute_in_its_own_namespace_parses_back(every_member: bool) -> None:
    # Grantee's `xsi:type` is an attribute of the Grantee element, in the XML Schema instance
    # namespace that element declares (`xmlns:xsi`).
    grantee = {"Type": "CanonicalUser", "ID": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8"}
    if every_member:
        grantee = {**grantee, "DisplayName": "d", "URI": "http://acs.amazonaws.com/groups/x"}
    params = {"Bucket": "b1b", "AccessControlPolicy": {
        "Grants": [{"Grantee": grantee, "Permission": "READ"}], "Owner": {"ID": "o"}}}  # fmt: skip
    request = serialized_request("PutBucketAcl", params)
    assert b"xsi:type=" in request.body
    s3 = endpoint()
    assert s3.parse(s3.route(request), request) == params


@pytest.mark.parametrize(
    "operation",
    [n for n in OPERATIONS if MODEL.operation_model(n).input_shape is not None
     and n not in ROUTED_TO],
)  # fmt: skip
def test_every_request_with_every_member_set_parses_back(operation: str) -> None:
    model = MODEL.operation_model(operation)
    params = sample(model.input_shape, "", every_member=True)
    s3 = endpoint()
    request = serialized_request(operation, params)
    routed = s3.route(request)
    assert routed.operation.name == operation
    streamed = s3.stream_member(model)
    assert s3.parse(routed, request) == {k: v for k, v in params.items() if k != streamed}
