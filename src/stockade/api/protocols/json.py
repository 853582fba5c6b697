"""The AWS JSON protocol, versions 1.0 and 1.1 (CloudWatch Logs, KMS, SQS, CloudTrail, ...).

Every request is a POST whose `X-Amz-Target: <targetPrefix>.<Operation>` header names the
operation (the prefix comes from the model's metadata; it may itself contain dots, as
CloudTrail's does, and then the JavaScript SDK v3 sends only its last part) and whose body is
the input structure as JSON. Unknown members, wrong types and malformed JSON are refused with
`SerializationException` (400), as AWS's JSON services do.
Responses are the output structure as JSON (timestamps as epoch seconds, blobs base64) with
`Content-Type: application/x-amz-json-<version>`. Errors are
`{"__type": "com.amazonaws.<endpoint prefix>#<code>", "message": ...}` plus the error's
modelled members (botocore keeps what follows the `#`). Services that moved from the query
protocol (`awsQueryCompatible` in the model, e.g. SQS) also get
`x-amzn-query-error: <query code>;Sender|Receiver`, from which botocore takes their legacy
error code and, for SQS, the modelled exception class.
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
_ACCEPTED_CONTENT_TYPES = (
    "application/x-amz-json-1.0",
    "application/x-amz-json-1.1",
    "application/json",
)


def content_type(model: ServiceModel) -> str:
    return f"application/x-amz-json-{model.metadata.get('jsonVersion', '1.0')}"


def target_prefixes(model: ServiceModel) -> frozenset[str]:
    """Every `X-Amz-Target` prefix AWS SDKs send for the service: the model's `targetPrefix`
    (botocore's), and its last dotted part, the Smithy service name, which the JavaScript SDK v3
    sends instead (`CloudTrail_20131101` for CloudTrail's
    `com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101`; the same for the others)."""
    prefix = str(model.metadata.get("targetPrefix", ""))
    return frozenset({prefix, prefix.rpartition(".")[2]} - {""})


def target_operation(
    model: ServiceModel, request: HttpRequest, prefixes: frozenset[str] | None = None
) -> str | None:
    """The operation named by `X-Amz-Target`, if it is one of the model's; None otherwise."""
    target = request.header("x-amz-target")
    if target is None:
        return None
    prefix, _, name = target.strip().rpartition(".")
    accepted = target_prefixes(model) if prefixes is None else prefixes
    if prefix not in accepted or name not in model.operation_names:
        return None
    return name


def parse_request(operation: OperationModel, request: HttpRequest) -> dict[str, Any]:
    """The operation's input parameters from the JSON body (not yet validated)."""
    kind = (request.header("content-type") or "").split(";", 1)[0].strip().lower()
    if kind and kind not in _ACCEPTED_CONTENT_TYPES:
        raise MalformedRequestError(f"Unsupported content type: {kind[:100]}")
    document = _load(request.body) if request.body.strip() else {}
    if not isinstance(document, dict):
        raise MalformedRequestError("The request body must be a JSON object.")
    shape = operation.input_shape
    if shape is None:
        if document:
            raise MalformedRequestError(f"{operation.name} takes no input members.")
        return {}
    parsed = values.from_json(shape, document)
    return parsed if isinstance(parsed, dict) else {}


def _load(body: bytes) -> Any:
    try:
        return json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise MalformedRequestError("The request body is not valid JSON.") from exc


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN and Infinity, which Python would accept


def serialize_response(
    model: ServiceModel, operation: OperationModel, result: Mapping[str, Any], request_id: str
) -> HttpResponse:
    headers = [("x-amzn-RequestId", request_id), ("Content-Type", content_type(model))]
    shape = operation.output_shape
    if shape is None:  # an operation without output answers an empty body
        return HttpResponse(200, headers, b"")
    document = values.to_json(shape, result)
    return HttpResponse(200, headers, json.dumps(document, separators=(",", ":")).encode())


def serialize_error(
    model: ServiceModel,
    error: ApiError,
    request_id: str,
    code_overrides: Mapping[str, str] | None = None,
) -> HttpResponse:
    code = error.wire_code(PROTOCOL)
    code = (code_overrides or {}).get(code, code)
    namespace = f"com.amazonaws.{model.endpoint_prefix}"
    document: dict[str, object] = {"__type": f"{namespace}#{code}", "message": error.message}
    document.update(error.wire_fields())
    headers = [("x-amzn-RequestId", request_id), ("Content-Type", content_type(model))]
    if "awsQueryCompatible" in model.metadata:
        fault = "Sender" if error.sender_fault else "Receiver"
        headers.append(("x-amzn-query-error", f"{error.wire_code('query')};{fault}"))
    headers.extend(error.wire_headers().items())
    return HttpResponse(error.http_status, headers, json.dumps(document).encode())
