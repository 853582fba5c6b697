"""Error responses in the wire protocols of services Stockade does not serve.

A request signed for such a service (S3, CloudFormation, DynamoDB, EC2, ...) is answered in its
own protocol, so that the caller's SDK parses the error into its usual exception:

    rest-xml            `<Error><Code>..</Code><Message>..</Message><RequestId>..</RequestId>`
                        (S3's form; botocore also reads it for Route 53 and CloudFront)
    ec2                 `<Response><Errors><Error><Code>..</Code>...</Errors><RequestID>..`
    smithy-rpc-v2-cbor  a CBOR map `{"__type": "<namespace>#<code>", "message": ..}` with the
                        `smithy-protocol: rpc-v2-cbor` header
The JSON, REST-JSON and query protocols have serializers of their own (json.py, rest_json.py,
query.py).
"""

from __future__ import annotations

from stockade.api.http import HttpResponse
from stockade.api.protocols.xml_text import xml_text
from stockade.errors import ApiError


def rest_xml_error(error: ApiError, request_id: str) -> HttpResponse:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{xml_text(error.wire_code('rest-xml'))}</Code>"
        f"<Message>{xml_text(error.message)}</Message>"
        f"<RequestId>{xml_text(request_id)}</RequestId></Error>"
    )
    headers = [
        ("x-amz-request-id", request_id),
        ("x-amzn-RequestId", request_id),
        ("Content-Type", "application/xml"),
    ]
    headers.extend(error.wire_headers().items())
    return HttpResponse(error.http_status, headers, body.encode("utf-8"))


def ec2_error(error: ApiError, request_id: str) -> HttpResponse:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Response><Errors><Error><Code>{xml_text(error.wire_code('ec2'))}</Code>"
        f"<Message>{xml_text(error.message)}</Message></Error></Errors>"
        f"<RequestID>{xml_text(request_id)}</RequestID></Response>"
    )
    headers = [("x-amzn-RequestId", request_id), ("Content-Type", "text/xml;charset=UTF-8")]
    headers.extend(error.wire_headers().items())
    return HttpResponse(error.http_status, headers, body.encode("utf-8"))


def cbor_error(error: ApiError, request_id: str, namespace: str) -> HttpResponse:
    document = {"__type": f"{namespace}#{error.wire_code('smithy-rpc-v2-cbor')}",
                "message": error.message}  # fmt: skip
    headers = [
        ("x-amzn-RequestId", request_id),
        ("smithy-protocol", "rpc-v2-cbor"),
        ("Content-Type", "application/cbor"),
    ]
    headers.extend(error.wire_headers().items())
    return HttpResponse(error.http_status, headers, cbor_text_map(document))


def cbor_text_map(document: dict[str, str]) -> bytes:
    """A CBOR (RFC 8949) map of text strings: all an error document needs."""
    out = bytearray(_cbor_head(5, len(document)))
    for key, value in document.items():
        for text in (key, value):
            data = text.encode("utf-8")
            out += _cbor_head(3, len(data)) + data
    return bytes(out)


def _cbor_head(major: int, length: int) -> bytes:
    if length < 24:
        return bytes([major << 5 | length])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if length < 1 << (8 * size):
            return bytes([major << 5 | info]) + length.to_bytes(size, "big")
    raise ValueError("too long for CBOR")
