"""An endpoint for an AWS JSON-protocol service (SQS, KMS, CloudWatch Logs): routed by
`X-Amz-Target`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.model import OperationModel, ServiceModel

from stockade.api.endpoints import DEFAULT_BODY_LIMIT, Routed
from stockade.api.errors import UnknownOperationError
from stockade.api.http import HttpRequest, HttpResponse
from stockade.api.protocols import json
from stockade.errors import ApiError

# CloudWatch Logs reports the model's constraint failures as InvalidParameterException
# ("1 validation error detected: Value '' at 'logGroupName' failed to satisfy constraint: ...").
LOGS_CODE_OVERRIDES = {"ValidationException": "InvalidParameterException"}


class JsonEndpoint:
    protocol = json.PROTOCOL

    def __init__(
        self,
        service: str,
        model: ServiceModel,
        body_limit: int = DEFAULT_BODY_LIMIT,
        code_overrides: Mapping[str, str] | None = None,
    ) -> None:
        self.service = service
        self.model = model
        self._limit = body_limit
        self._code_overrides = dict(code_overrides or {})
        self._prefixes = json.target_prefixes(model)

    def body_limit(
        self, method: str, raw_path: str, query_params: list[tuple[str, str]]
    ) -> tuple[int, str | None]:
        # The operation is in a header, which this stage does not see: one limit for all.
        return self._limit, None

    def route(self, request: HttpRequest) -> Routed:
        name = (
            json.target_operation(self.model, request, self._prefixes)
            if request.method == "POST"
            else None
        )
        if name is None:
            raise UnknownOperationError("Unknown operation")
        return Routed(self.model.operation_model(name))

    def parse(self, routed: Routed, request: HttpRequest) -> dict[str, Any]:
        return json.parse_request(routed.operation, request)

    def serialize(self, operation: OperationModel, result: Any, request_id: str) -> HttpResponse:
        return json.serialize_response(self.model, operation, result or {}, request_id)

    def serialize_error(self, error: ApiError, request_id: str) -> HttpResponse:
        return json.serialize_error(self.model, error, request_id, self._code_overrides)
