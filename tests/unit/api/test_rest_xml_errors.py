"""S3's errors as botocore reads them: its XML error body with Code, Message and the error's
own members, no body for HEAD and 304, and the edge's refusals (malformed XML, unroutable
requests, unparsable values) under S3's codes."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.parsers import RestXMLParser

from stockade.api.errors import (
    InvalidSignatureError,
    MissingAuthenticationTokenError,
    UnrecognizedClientError,
    ValidationError,
)
from stockade.api.http import HttpRequest
from stockade.api.protocols.rest_xml_body import parse_document
from stockade.api.protocols.rest_xml_errors import serialize_error
from stockade.errors import ApiError
from stockade.kernel.errors import InternalFailure
from stockade.services.s3 import errors as s3
from tests.unit.api.s3_wire_support import MODEL, REQUEST_ID, WireClient, endpoint

# (error, code, status, message, extra members) as AWS-recorded answers show them.
CASES: list[tuple[ApiError, str, int, str, dict[str, str]]] = [
    (s3.NoSuchBucketError(BucketName="b"), "NoSuchBucket", 404,
     "The specified bucket does not exist", {"BucketName": "b"}),
    (s3.NoSuchKeyError(Key="a/b"), "NoSuchKey", 404, "The specified key does not exist.",
     {"Key": "a/b"}),
    (s3.BucketAlreadyOwnedByYouError(BucketName="b"), "BucketAlreadyOwnedByYou", 409,
     "Your previous request to create the named bucket succeeded and you already own it.",
     {"BucketName": "b"}),
    (s3.BucketNotEmptyError(BucketName="b"), "BucketNotEmpty", 409,
     "The bucket you tried to delete is not empty", {"BucketName": "b"}),
    (s3.AccessDeniedError(), "AccessDenied", 403, "Access Denied", {}),
    (s3.PreconditionFailedError(Condition="If-Match"), "PreconditionFailed", 412,
     "At least one of the pre-conditions you specified did not hold", {"Condition": "If-Match"}),
    (s3.InvalidRangeError(RangeRequested="bytes=9-", ActualObjectSize=5), "InvalidRange", 416,
     "The requested range is not satisfiable", {"RangeRequested": "bytes=9-",
                                                 "ActualObjectSize": "5"}),
    (s3.EntityTooSmallError(ProposedSize=1, MinSizeAllowed=5242880), "EntityTooSmall", 400,
     "Your proposed upload is smaller than the minimum allowed size",
     {"ProposedSize": "1", "MinSizeAllowed": "5242880"}),
    (s3.InvalidPartOrderError(UploadId="u"), "InvalidPartOrder", 400,
     "The list of parts was not in ascending order. Parts must be ordered by part number.",
     {"UploadId": "u"}),
    (s3.NoSuchUploadError(UploadId="u"), "NoSuchUpload", 404,
     "The specified upload does not exist. The upload ID may be invalid, or the upload may have "
     "been aborted or completed.", {"UploadId": "u"}),
    (s3.MethodNotAllowedError(Method="POST", ResourceType="OBJECT"), "MethodNotAllowed", 405,
     "The specified method is not allowed against this resource.",
     {"Method": "POST", "ResourceType": "OBJECT"}),
    (s3.InvalidBucketNameError(BucketName="A_B"), "InvalidBucketName", 400,
     "The specified bucket is not valid.", {"BucketName": "A_B"}),
    (s3.MalformedXMLError(), "MalformedXML", 400,
     "The XML you provided was not well-formed or did not validate against our published "
     "schema", {}),
    (InvalidSignatureError("The request signature we calculated does not match."),
     "SignatureDoesNotMatch", 403, "The request signature we calculated does not match.", {}),
    (ValidationError("MaxKeys must be at least 0"), "InvalidArgument", 400,
     "MaxKeys must be at least 0", {}),
    (s3.NoSuchKeyError(Key="<&\">"), "NoSuchKey", 404, "The specified key does not exist.",
     {"Key": "<&\">"}),
]  # fmt: skip


@pytest.mark.parametrize(("error", "code", "status", "message", "extra"), CASES,
                         ids=[f"{c[1]}-{i}" for i, c in enumerate(CASES)])  # fmt: skip
def test_botocore_reads_the_error_body_into_code_message_and_members(
    error: ApiError, code: str, status: int, message: str, extra: dict[str, str]
) -> None:
    response = serialize_error(error, REQUEST_ID, "GET")
    assert response.status == status
    parsed = RestXMLParser().parse(
        {"status_code": response.status, "headers": dict(response.headers),
         "body": response.body},
        MODEL.operation_model("GetObject").output_shape,
    )  # fmt: skip
    assert parsed["Error"] == {"Code": code, "Message": message, **extra}
    assert parsed["ResponseMetadata"]["RequestId"] == REQUEST_ID
    root = parse_document(response.body)
    assert [c.name for c in root.children][:2] == ["Code", "Message"]
    assert [c.name for c in root.children][-2:] == ["RequestId", "HostId"]


def test_the_client_raises_s3s_modelled_exception_with_its_members() -> None:
    wire = WireClient("virtual")
    wire.error = s3.NoSuchKeyError(Key="a b")
    with pytest.raises(wire.client.exceptions.NoSuchKey) as caught:
        wire.client.get_object(Bucket="stockade-bucket", Key="a b")
    assert caught.value.response["Error"]["Key"] == "a b"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


@pytest.mark.parametrize(
    ("error", "status"), [(s3.NoSuchKeyError(Key="k"), 404), (s3.NotModifiedError(), 304),
                          (s3.PreconditionFailedError(Condition="If-Match"), 412)],
)  # fmt: skip
def test_head_errors_and_not_modified_have_no_body(error: ApiError, status: int) -> None:
    assert serialize_error(error, REQUEST_ID, "HEAD").body == b""
    wire = WireClient("path")
    wire.error = error
    with pytest.raises(ClientError) as caught:
        wire.client.head_object(Bucket="stockade-bucket", Key="k")
    # With no body, SDKs name the error after its status.
    assert caught.value.response["Error"]["Code"] == str(status)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == status


def test_not_modified_on_get_has_no_body_either() -> None:
    response = serialize_error(s3.NotModifiedError(), REQUEST_ID, "GET")
    assert (response.status, response.body) == (304, b"")


def _request(
    method: str, path: str, query: str = "", body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> HttpRequest:  # fmt: skip
    return HttpRequest(method, path, query, {"host": "s3.stockade.test", **(headers or {})}, body)


def _refusal(request: HttpRequest) -> ApiError:
    s3_endpoint = endpoint()
    with pytest.raises(ApiError) as caught:
        s3_endpoint.parse(s3_endpoint.route(request), request)
    return caught.value


@pytest.mark.parametrize(
    "body",
    [
        b"<Tagging><TagSet>",  # not well-formed
        b"not xml at all",
        b"<Other><TagSet/></Other>",  # not the payload's element
        b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x "y">]><Tagging><TagSet/></Tagging>',
        b"<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging><Tagging/>",
        b"<Tagging>" + b"<a>" * 100 + b"</a>" * 100 + b"</Tagging>",  # nested past the bound
    ],
)
def test_malformed_xml_is_s3s_malformed_xml(body: bytes) -> None:
    error = _refusal(_request("PUT", "/stockade-bucket", "tagging", body))
    assert (error.code, error.http_status) == ("MalformedXML", 400)


def test_a_required_document_left_out_is_malformed_xml() -> None:
    error = _refusal(_request("PUT", "/stockade-bucket", "versioning"))
    assert error.code == "MalformedXML"


@pytest.mark.parametrize(
    ("query", "headers", "argument"),
    [("list-type=2&max-keys=many", {}, "max-keys"),
     ("list-type=2&fetch-owner=perhaps", {}, "fetch-owner"),
     ("", {"x-amz-expected-bucket-owner": "1", "x-amz-bucket-object-lock-enabled": "yes"},
      "x-amz-bucket-object-lock-enabled")],
)  # fmt: skip
def test_a_value_that_does_not_parse_is_invalid_argument_naming_it(
    query: str, headers: dict[str, str], argument: str
) -> None:
    method = "PUT" if headers else "GET"
    error = _refusal(_request(method, "/stockade-bucket", query, headers=headers))
    assert error.code == "InvalidArgument"
    assert error.wire_fields()["ArgumentName"] == argument


@pytest.mark.parametrize(
    ("method", "path", "query", "level"),
    [
        ("POST", "/stockade-bucket/k", "", "OBJECT"),  # neither ?uploads nor ?uploadId
        ("PATCH", "/stockade-bucket", "", "BUCKET"),
        ("PUT", "/", "", "SERVICE"),
        ("DELETE", "/", "", "SERVICE"),
    ],
)
def test_an_unknown_combination_is_method_not_allowed(
    method: str, path: str, query: str, level: str
) -> None:
    error = _refusal(_request(method, path, query))
    assert error.code == "MethodNotAllowed"
    assert error.http_status == 405
    assert error.wire_fields() == {"Method": method, "ResourceType": level}


@pytest.mark.parametrize("path", ["/bucket/%ff%fe", "/%c3", "//key-without-bucket", "bucket"])
def test_an_unparsable_uri_is_invalid_uri(path: str) -> None:
    error = _refusal(_request("GET", path))
    assert (error.code, error.http_status) == ("InvalidURI", 400)


def test_a_key_past_1024_bytes_is_key_too_long() -> None:
    error = _refusal(_request("GET", "/stockade-bucket/" + "%C3%A9" * 513))
    assert error.code == "KeyTooLongError"


def test_the_streamed_body_of_a_put_is_never_parsed() -> None:
    # Not XML, not UTF-8: a PutObject body is the object's bytes, for the storage to stream.
    request = _request(
        "PUT", "/stockade-bucket/k", body=b"\xff<not-xml", headers={"content-length": "9"}
    )
    s3_endpoint = endpoint()
    routed = s3_endpoint.route(request)
    params: dict[str, Any] = s3_endpoint.parse(routed, request)
    assert params == {"Bucket": "stockade-bucket", "Key": "k", "ContentLength": 9}
    assert s3_endpoint.stream_member(routed.operation) == "Body"


@pytest.mark.parametrize(
    ("operation", "header", "member"),
    [("GetObject", "if-modified-since", "IfModifiedSince"),
     ("HeadObject", "if-unmodified-since", "IfUnmodifiedSince"),
     ("CopyObject", "x-amz-copy-source-if-modified-since", "CopySourceIfModifiedSince")],
)  # fmt: skip
def test_a_conditional_date_that_is_not_a_date_is_ignored(
    operation: str, header: str, member: str
) -> None:
    extra = {"x-amz-copy-source": "src/k"} if operation == "CopyObject" else {}
    method = {"GetObject": "GET", "HeadObject": "HEAD", "CopyObject": "PUT"}[operation]
    request = _request(method, "/stockade-bucket/k", headers={header: "yesterday", **extra})
    s3_endpoint = endpoint()
    routed = s3_endpoint.route(request)
    assert routed.operation.name == operation
    assert member not in s3_endpoint.parse(routed, request)


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [(UnrecognizedClientError("The security token included in the request is invalid."),
      "InvalidAccessKeyId", 403),
     (MissingAuthenticationTokenError("Missing Authentication Token"), "AccessDenied", 403),
     (InternalFailure("boom"), "InternalError", 500)],
)  # fmt: skip
def test_the_edges_generic_errors_take_s3s_names(error: ApiError, code: str, status: int) -> None:
    response = serialize_error(error, REQUEST_ID)
    assert response.status == status
    assert parse_document(response.body).named("Code")[0].text == code


@pytest.mark.parametrize(
    ("query", "body"),
    [("versioning", b"<VersioningConfiguration><Status>Enabled</Status><Colour>red</Colour>"
                    b"</VersioningConfiguration>"),
     ("tagging", b"<Tagging><TagSet><Label><Key>a</Key><Value>b</Value></Label></TagSet>"
                 b"</Tagging>"),
     ("versioning", b"<VersioningConfiguration><Status><Enabled/></Status>"
                    b"</VersioningConfiguration>"),
     ("publicAccessBlock", b"<PublicAccessBlockConfiguration><BlockPublicAcls>yes"
                           b"</BlockPublicAcls></PublicAccessBlockConfiguration>")],
)  # fmt: skip
def test_a_document_outside_s3s_schema_is_malformed_xml(query: str, body: bytes) -> None:
    error = _refusal(_request("PUT", "/stockade-bucket", query, body))
    assert error.code == "MalformedXML"


def test_a_document_in_s3s_namespace_or_none_parses_alike() -> None:
    s3_endpoint = endpoint()
    found = []
    for root in (b'<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/">', b"<Tagging>"):
        body = root + b"<TagSet><Tag><Key>a&amp;b</Key><Value> v </Value></Tag></TagSet></Tagging>"
        request = _request("PUT", "/stockade-bucket", "tagging", body)
        found.append(s3_endpoint.parse(s3_endpoint.route(request), request))
    assert found[0] == found[1]
    assert found[0]["Tagging"] == {"TagSet": [{"Key": "a&b", "Value": " v "}]}


def test_a_not_modified_answer_carries_the_objects_validators() -> None:
    error = s3.NotModifiedError(
        headers={"ETag": '"e"', "Last-Modified": "Tue, 08 Dec 2026 02:11:35 GMT"}
    )
    response = serialize_error(error, REQUEST_ID, "GET")
    assert (response.status, response.body) == (304, b"")
    assert ("ETag", '"e"') in response.headers
    assert ("Last-Modified", "Tue, 08 Dec 2026 02:11:35 GMT") in response.headers


def test_members_named_with_dashes_reach_the_body_and_markup_never_does() -> None:
    # An expired presigned URL's AccessDenied carries X-Amz-Expires, as AWS sends it.
    error = s3.AccessDeniedError("Request has expired", members={"X-Amz-Expires": "3600",
                                                                 "<bad>": "x"})  # fmt: skip
    response = serialize_error(error, REQUEST_ID, "GET")
    assert b"<X-Amz-Expires>3600</X-Amz-Expires>" in response.body
    assert b"<bad>" not in response.body
