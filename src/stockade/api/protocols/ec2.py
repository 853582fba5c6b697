"""The EC2 protocol: the query protocol's form-encoded requests, spelt as botocore's
`EC2Serializer` writes them (members by `queryName` or capitalised `locationName`, every list
flattened as `Name.N`), and XML answers as botocore's `EC2QueryParser` reads them:
`<OpResponse xmlns=".."><requestId>..</requestId>members..</OpResponse>`, lists as `<item>`
elements; errors are `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/>`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.model import OperationModel, ServiceModel

from stockade.api.http import HttpResponse
from stockade.api.protocols import foreign_errors, query
from stockade.api.protocols.xml_text import xml_text
from stockade.errors import ApiError

PROTOCOL = "ec2"


def parse_request(operation: OperationModel, params: Mapping[str, str]) -> dict[str, Any]:
    """The operation's input parameters from the flattened form (not yet validated)."""
    return query.parse_request(operation, params, ec2=True)


def serialize_response(
    model: ServiceModel, operation: OperationModel, result: Mapping[str, Any], request_id: str
) -> HttpResponse:
    name = operation.name
    # EC2 answers in `http://ec2.amazonaws.com/doc/2016-11-15/`; the model leaves off the slash.
    namespace = query.namespace(model).rstrip("/") + "/"
    parts = [f'<{name}Response xmlns="{namespace}">']
    parts.append(f"<requestId>{xml_text(request_id)}</requestId>")
    shape = operation.output_shape
    if shape is not None:
        query.members(shape, result, parts)
    parts.append(f"</{name}Response>")
    return query.xml_response(200, "".join(parts), request_id)


def serialize_error(error: ApiError, request_id: str) -> HttpResponse:
    return foreign_errors.ec2_error(error, request_id)
