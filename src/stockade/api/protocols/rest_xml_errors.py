"""S3's error responses: `<Error><Code/><Message/>(extra members)<RequestId/><HostId/></Error>`.

The extra members are the error's own (`NoSuchBucket`'s BucketName, `PreconditionFailed`'s
Condition: `ApiError.wire_fields`), in the order given. A HEAD request's error and a 304 carry
no body at all (HTTP: a HEAD answer has none; S3 sends the status and headers only, and SDKs
name the error after the status). Errors raised before S3's codec knew the request (the
edge's own) keep their rest-xml wire code, save those below, whose S3 names differ.
"""

from __future__ import annotations

import re

from stockade.api.http import HttpResponse
from stockade.api.protocols.rest_xml import request_headers
from stockade.api.protocols.xml_text import xml_text
from stockade.errors import ApiError

# The edge's and kernel's generic errors as S3 names them, each at the same status: a
# parameter S3 cannot take is InvalidArgument, an unknown access key InvalidAccessKeyId, an
# unsigned request refused AccessDenied, a fault InternalError (S3 API reference, "Error
# codes").
_S3_CODES = {
    "ValidationException": "InvalidArgument",
    "SerializationException": "InvalidArgument",
    "InvalidClientTokenId": "InvalidAccessKeyId",
    "MissingAuthenticationToken": "AccessDenied",
    "InternalFailure": "InternalError",
}


def s3_code(error: ApiError) -> str:
    code = error.wire_code("rest-xml")
    return _S3_CODES.get(code, code)


# An element name S3 uses for an extra member: letters, digits, '-', '_' (e.g. X-Amz-Expires),
# never markup.
_XML_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


def serialize_error(error: ApiError, request_id: str, method: str = "") -> HttpResponse:
    headers = request_headers(request_id)
    headers.extend(error.wire_headers().items())
    if method == "HEAD" or error.http_status == 304:
        return HttpResponse(error.http_status, headers)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error>',
        f"<Code>{xml_text(s3_code(error))}</Code>",
        f"<Message>{xml_text(error.message)}</Message>",
    ]
    for name, value in error.wire_fields().items():
        if _XML_NAME.fullmatch(name) and name not in ("Code", "Message", "RequestId", "HostId"):
            parts.append(f"<{name}>{xml_text(_text(value))}</{name}>")
    parts.append(f"<RequestId>{xml_text(request_id)}</RequestId>")
    parts.append(f"<HostId>{xml_text(request_id)}</HostId></Error>")
    headers.append(("Content-Type", "application/xml"))
    return HttpResponse(error.http_status, headers, "".join(parts).encode("utf-8"))


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
