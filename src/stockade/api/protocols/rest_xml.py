"""The rest-xml protocol as S3 speaks it: a request's members from its URI, query, headers and
XML (or streamed) payload; a result's members into headers and S3's XML documents.

Derived from the botocore model, member by member, as botocore's `RestXMLSerializer` writes
requests and its `RestXMLParser` reads responses. A streaming payload (PutObject's and
UploadPart's `Body`) is never read here: `ParsedRequest.stream_member` names it, and the body
stays with the request for whoever stores it. Routing is `stockade.api.s3_routing`'s; errors
are `rest_xml_errors`'.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from botocore.model import OperationModel, Shape

from stockade.api.errors import MalformedRequestError
from stockade.api.http import HttpRequest, HttpResponse
from stockade.api.protocols import values
from stockade.api.protocols.rest_xml_body import (
    S3_NAMESPACE,
    XmlBodyError,
    document,
    from_element,
    iso_timestamp,
    parse_document,
    quoted_etag,
)
from stockade.api.protocols.xml_text import xml_text
from stockade.services.s3.errors import InvalidArgumentError, MalformedXMLError

PROTOCOL = "rest-xml"

# The root element of each output S3 answers with a document but the model leaves unnamed
# (the model names only payload members' elements). Source: the S3 API reference's response
# syntax for each operation. Any other operation's document is `<{Operation}Result>`.
RESULT_ROOTS = {
    "ListBuckets": "ListAllMyBucketsResult",
    "ListDirectoryBuckets": "ListAllMyDirectoryBucketsResult",
    "ListObjects": "ListBucketResult",
    "ListObjectsV2": "ListBucketResult",
    "ListObjectVersions": "ListVersionsResult",
    "ListMultipartUploads": "ListMultipartUploadsResult",
    "ListParts": "ListPartsResult",
    "CreateMultipartUpload": "InitiateMultipartUploadResult",
    "CompleteMultipartUpload": "CompleteMultipartUploadResult",
    "DeleteObjects": "DeleteResult",
    "GetBucketTagging": "Tagging",
    "GetObjectTagging": "Tagging",
    "GetBucketVersioning": "VersioningConfiguration",
    "GetBucketNotificationConfiguration": "NotificationConfiguration",
    "GetBucketNotification": "NotificationConfiguration",
    "GetBucketLifecycleConfiguration": "LifecycleConfiguration",
    "GetBucketLifecycle": "LifecycleConfiguration",
    "GetBucketAcl": "AccessControlPolicy",
    "GetObjectAcl": "AccessControlPolicy",
    "GetBucketCors": "CORSConfiguration",
    "GetBucketWebsite": "WebsiteConfiguration",
    "GetBucketLogging": "BucketLoggingStatus",
    "GetBucketAccelerateConfiguration": "AccelerateConfiguration",
    "GetBucketRequestPayment": "RequestPaymentConfiguration",
    "ListBucketAnalyticsConfigurations": "ListBucketAnalyticsConfigurationResult",
    "ListBucketInventoryConfigurations": "ListInventoryConfigurationsResult",
    "ListBucketMetricsConfigurations": "ListMetricsConfigurationsResult",
}
US_EAST_1 = "us-east-1"


@dataclass(frozen=True)
class ParsedRequest:
    params: dict[str, Any]
    # The input member whose value is the request body as a stream (PutObject's `Body`), left
    # unread; None when the operation takes no streamed body.
    stream_member: str | None = None


def streaming_member(shape: Shape | None) -> str | None:
    """The payload member that is a stream (a streaming blob), if the shape has one."""
    if shape is None:
        return None
    payload = shape.serialization.get("payload")
    if payload is None:
        return None
    member = shape.members[payload]
    streaming = member.serialization.get("streaming") or member.metadata.get("streaming")
    return payload if member.type_name == "blob" and streaming else None


def parse_request(
    operation: OperationModel, uri_params: Mapping[str, str], request: HttpRequest
) -> ParsedRequest:
    """The operation's input members (not yet validated against the model's constraints)."""
    shape = operation.input_shape
    if shape is None:
        return ParsedRequest({})
    params: dict[str, Any] = {}
    query = request.query()
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        try:
            if location == "uri":
                if wire in uri_params:
                    params[name] = uri_params[wire]
            elif location == "querystring":
                values.query_member(params, name, member, wire, query, wire)
            elif location == "header":
                text = request.header(wire)
                if text is not None and not _ignored_condition(member, text, wire):
                    params[name] = _header_value(member, text, wire)
            elif location == "headers":
                prefix = wire.lower()
                found = {k[len(prefix) :]: v for k, v in request.headers.items()
                         if k.startswith(prefix) and len(k) > len(prefix)}  # fmt: skip
                if found:
                    params[name] = found
        except MalformedRequestError as exc:
            raise InvalidArgumentError(exc.message, ArgumentName=wire[:100]) from exc
    stream = streaming_member(shape)
    payload = shape.serialization.get("payload")
    if payload is not None and stream is None:
        _payload(params, shape, payload, request.body)
    elif payload is None and request.body and _has_body_members(shape):
        # No payload member: the body is the input shape's own element (SelectObjectContent).
        params.update(_document(shape, shape.serialization.get("name", shape.name), request.body))
    return ParsedRequest(params, stream)


def _has_body_members(shape: Shape) -> bool:
    return any(not m.serialization.get("location") for m in shape.members.values())


def _document(shape: Shape, root_name: str, body: bytes) -> Any:
    try:
        root = parse_document(body)
        if root.name != root_name:
            raise XmlBodyError("unexpected root element")
        return from_element(shape, root)
    except XmlBodyError as exc:
        raise MalformedXMLError() from exc


def _ignored_condition(member: Shape, text: str, wire: str) -> bool:
    """A conditional date that is not a date is ignored, not refused (RFC 9110 13.1.3 and
    13.1.4: "A recipient MUST ignore the If-Modified-Since header field if the received
    field value is not a valid HTTP-date"; S3's copy-source forms likewise)."""
    lowered = wire.lower()
    if member.type_name != "timestamp" or not (
        lowered.startswith("if-") or lowered.startswith("x-amz-copy-source-if-")
    ):
        return False
    try:
        values.parse_timestamp(text, wire)
    except MalformedRequestError:
        return True
    return False


def _header_value(member: Shape, text: str, wire: str) -> Any:
    if member.type_name == "list":
        return [values.from_text(member.member, part.strip(), wire)
                for part in text.split(",") if part.strip()]  # fmt: skip
    return values.from_text(member, text, wire)


def _payload(params: dict[str, Any], shape: Shape, payload: str, body: bytes) -> None:
    member = shape.members[payload]
    if not body:
        if payload in shape.required_members and member.type_name == "structure":
            raise MalformedXMLError()
        return
    if member.type_name == "blob":
        params[payload] = body
        return
    if member.type_name == "string":
        try:
            params[payload] = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidArgumentError("The request body is not valid UTF-8.") from exc
        return
    params[payload] = _document(member, member.serialization.get("name", payload), body)


# -- responses -------------------------------------------------------------------------------


def serialize_response(
    operation: OperationModel, result: Mapping[str, Any], request_id: str
) -> HttpResponse:
    """The HTTP response for an operation's result (its output members by name)."""
    status = int(operation.http.get("responseCode", 200))
    headers = request_headers(request_id)
    shape = operation.output_shape
    response = HttpResponse(status, headers)
    if shape is None:
        return response
    payload = shape.serialization.get("payload")
    body_members: dict[str, Any] = {}
    for name, value in result.items():
        member = shape.members[name]  # an unknown member is a bug: KeyError, loudly
        location = member.serialization.get("location")
        if value is None:
            continue
        if location == "statusCode":
            response.status = int(value)
        elif location == "header":
            headers.append((member.serialization.get("name", name), header_text(member, value)))
        elif location == "headers":
            prefix = member.serialization.get("name", "")
            headers.extend((f"{prefix}{k}", str(v)) for k, v in value.items())
        elif name == payload:
            _write_payload(response, member, value, payload)
        else:
            body_members[name] = value
    if operation.name == "GetBucketLocation":
        response.body = _location_document(result.get("LocationConstraint"))
    elif payload is None and (body_members or _always_documented(operation)):
        root = RESULT_ROOTS.get(operation.name, f"{operation.name}Result")
        response.body = document(root, shape, body_members, S3_NAMESPACE)
    if response.body and not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/xml"))
    if response.status == 200 and "ContentRange" in result and result["ContentRange"]:
        response.status = 206  # a range GET answers Partial Content (RFC 9110 15.3.7)
    return response


def _always_documented(operation: OperationModel) -> bool:
    """Outputs S3 answers with a (possibly empty) document even when no member is set."""
    return operation.name in RESULT_ROOTS


def _write_payload(response: HttpResponse, member: Shape, value: Any, payload: str) -> None:
    if member.type_name == "blob":
        if isinstance(value, (bytes, bytearray, memoryview)):
            response.body = bytes(value)
        elif isinstance(value, AsyncIterator):
            response.stream = value  # passed through, never gathered
        else:
            raise TypeError(f"{payload} must be bytes or an async iterator of bytes")
    elif member.type_name == "string":
        response.body = str(value).encode("utf-8")
    else:
        root = member.serialization.get("name", payload)
        namespace = rest_xml_namespace(member) or S3_NAMESPACE
        response.body = document(root, member, value, namespace)


def rest_xml_namespace(shape: Shape) -> str | None:
    declared = shape.serialization.get("xmlNamespace")
    if isinstance(declared, Mapping):
        return None if declared.get("prefix") else declared.get("uri") or None
    return str(declared) if declared else None


def _location_document(region: Any) -> bytes:
    """GetBucketLocation's answer is the bare element; us-east-1 is an empty one (S3 API
    reference, GetBucketLocation: "Buckets in Region us-east-1 have a LocationConstraint of
    null")."""
    text = "" if region in (None, "", US_EAST_1) else xml_text(str(region))
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="{S3_NAMESPACE}">'
    return f"{head}{text}</LocationConstraint>".encode()


def header_text(member: Shape, value: Any) -> str:
    """A header's value: timestamps in RFC 7231 form unless the model says otherwise, lists
    comma-joined, entity tags quoted."""
    kind = member.type_name
    if kind == "timestamp":
        moment: datetime = value
        fmt = member.serialization.get("timestampFormat", "rfc822")
        if fmt == "iso8601":
            return iso_timestamp(moment)
        if fmt == "unixTimestamp":
            return str(int(moment.timestamp()))
        return format_datetime(moment.astimezone(UTC), usegmt=True)
    if kind == "list":
        return ",".join(header_text(member.member, item) for item in value)
    if kind == "string" and member.name == "ETag":
        return quoted_etag(str(value))
    return values.to_text(member, value)


def request_headers(request_id: str) -> list[tuple[str, str]]:
    # S3 answers every request with its request id and an extended id (`x-amz-id-2`).
    return [("x-amz-request-id", request_id), ("x-amz-id-2", request_id)]
