"""The AWS JSON protocol (awsJson1_0 / 1_1; SQS): `POST /` with `X-Amz-Target: Prefix.Op`.

Requests and responses are JSON documents of the operation's input and output shapes. Errors
are `{"__type": "<namespace>#<Code>", "message": ...}`; services that moved from the query
protocol (`awsQueryCompatible` in the model, e.g. SQS) also send
`x-amzn-query-error: <legacy code>;Sender|Receiver`, from which botocore takes the error code
and, for SQS, maps the `__type` to the modelled exception class.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.model import OperationModel, ServiceModel

from stockade.api.errors import MalformedRequestError
from stockade.api.http import HttpRequest, HttpResponse
from stockade.api.protocols import values
from stockade.errors import ApiError

PROTOCOL = "json"


def target_operation(model: ServiceModel, request: HttpRequest) -> str | None:
    """The operation named by `X-Amz-Target`, or None if it names none of this model's."""
    target = request.header("x-amz-target") or ""
    prefix, _, name = target.partition(".")
    if prefix != model.metadata.get("targetPrefix") or name not in model.operation_names:
        return None
    return name


def content_type(model: ServiceModel) -> str:
    return f"application/x-amz-json-{model.metadata.get('jsonVersion', '1.0')}"


def parse_request(operation: OperationModel, request: HttpRequest) -> dict[str, Any]:
    """The operation's input parameters from the JSON body (not yet validated)."""
    shape = operation.input_shape
    if shape is None or not request.body.strip():
        return {}
    try:
        document = json.loads(request.body)
    except (ValueError, RecursionError) as exc:
        raise MalformedRequestError("The request body is not valid JSON.") from exc
    if not isinstance(document, dict):
        raise MalformedRequestError("The request body must be a JSON object.")
    parsed = values.from_json(shape, document)
    return parsed if isinstance(parsed, dict) else {}


def serialize_response(
    model: ServiceModel, operation: OperationModel, result: Mapping[str, Any], request_id: str
) -> HttpResponse:
    shape = operation.output_shape
    document = {} if shape is None else values.to_json(shape, result)
    headers = [("x-amzn-RequestId", request_id), ("Content-Type", content_type(model))]
    return HttpResponse(200, headers, json.dumps(document, separators=(",", ":")).encode())


def serialize_error(model: ServiceModel, error: ApiError, request_id: str) -> HttpResponse:
    code = error.wire_code(PROTOCOL)
    namespace = _error_namespace(model)
    document: dict[str, object] = {"__type": f"{namespace}#{code}", "message": error.message}
    document.update(error.wire_fields())
    headers = [("x-amzn-RequestId", request_id), ("Content-Type", content_type(model))]
    if "awsQueryCompatible" in model.metadata:
        fault = "Sender" if error.sender_fault else "Receiver"
        headers.append(("x-amzn-query-error", f"{error.wire_code('query')};{fault}"))
    headers.extend(error.wire_headers().items())
    return HttpResponse(error.http_status, headers, json.dumps(document).encode())


def _error_namespace(model: ServiceModel) -> str:
    return f"com.amazonaws.{model.endpoint_prefix}"
