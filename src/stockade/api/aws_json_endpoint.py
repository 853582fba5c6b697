"""An endpoint for an AWS JSON-protocol service (SQS): routed by the `X-Amz-Target` header."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.model import OperationModel, ServiceModel

from stockade.api.endpoints import DEFAULT_BODY_LIMIT, Handler, Routed
from stockade.api.errors import NotImplementedOperationError
from stockade.api.errors import UnknownOperationError as _UnknownOperation
from stockade.api.http import HttpRequest, HttpResponse
from stockade.api.protocols import aws_json
from stockade.errors import ApiError


class AwsJsonEndpoint:
    protocol = aws_json.PROTOCOL

    def __init__(
        self,
        service: str,
        model: ServiceModel,
        operations: Mapping[str, Handler],
        body_limit: int = DEFAULT_BODY_LIMIT,
    ) -> None:
        self.service = service
        self.model = model
        self._operations = dict(operations)
        self._limit = body_limit

    def body_limit(
        self, method: str, raw_path: str, query_params: list[tuple[str, str]]
    ) -> tuple[int, str | None]:
        return self._limit, None

    def route(self, request: HttpRequest) -> Routed:
        name = aws_json.target_operation(self.model, request)
        if request.method != "POST" or name is None:
            target = (request.header("x-amz-target") or "")[:100]
            raise _UnknownOperation(f"Could not find operation {target}")
        return Routed(self.model.operation_model(name))

    def parse(self, routed: Routed, request: HttpRequest) -> dict[str, Any]:
        return aws_json.parse_request(routed.operation, request)

    def handler(self, operation: OperationModel) -> Handler:
        found = self._operations.get(operation.name)
        if found is None:
            raise NotImplementedOperationError(
                f"Stockade does not implement the {self.model.service_name}"
                f" operation {operation.name}."
            )
        return found

    def serialize(self, operation: OperationModel, result: Any, request_id: str) -> HttpResponse:
        return aws_json.serialize_response(self.model, operation, result or {}, request_id)

    def serialize_error(self, error: ApiError, request_id: str) -> HttpResponse:
        return aws_json.serialize_error(self.model, error, request_id)
