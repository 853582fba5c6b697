"""An endpoint for a JSON-protocol service (CloudWatch Logs, ...): routed by `X-Amz-Target`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.model import OperationModel, ServiceModel

from stockade.api.endpoints import DEFAULT_BODY_LIMIT, Handler, Routed
from stockade.api.errors import NotImplementedOperationError, UnknownOperationError
from stockade.api.http import HttpRequest, HttpResponse
from stockade.api.protocols import json
from stockade.clock import Clock
from stockade.errors import ApiError
from stockade.services.authz import Authorizer
from stockade.services.logs import LogsService
from stockade.store.log_ports import LogStore
from stockade.types import Region

# CloudWatch Logs reports the model's constraint failures as InvalidParameterException
# ("1 validation error detected: Value '' at 'logGroupName' failed to satisfy constraint: ...").
LOGS_CODE_OVERRIDES = {"ValidationException": "InvalidParameterException"}


class JsonEndpoint:
    protocol = json.PROTOCOL

    def __init__(
        self,
        service: str,
        model: ServiceModel,
        operations: Mapping[str, Handler],
        body_limit: int = DEFAULT_BODY_LIMIT,
        code_overrides: Mapping[str, str] | None = None,
    ) -> None:
        self.service = service
        self.model = model
        self._operations = dict(operations)
        self._limit = body_limit
        self._code_overrides = dict(code_overrides or {})

    def body_limit(
        self, method: str, raw_path: str, query_params: list[tuple[str, str]]
    ) -> tuple[int, str | None]:
        # The operation is in a header, which this stage does not see: one limit for all.
        return self._limit, None

    def route(self, request: HttpRequest) -> Routed:
        name = json.target_operation(self.model, request) if request.method == "POST" else None
        if name is None:
            raise UnknownOperationError("Unknown operation")
        return Routed(self.model.operation_model(name))

    def parse(self, routed: Routed, request: HttpRequest) -> dict[str, Any]:
        return json.parse_request(routed.operation, request)

    def handler(self, operation: OperationModel) -> Handler:
        found = self._operations.get(operation.name)
        if found is None:
            raise NotImplementedOperationError(
                f"Stockade does not implement the {self.model.service_name}"
                f" operation {operation.name}."
            )
        return found

    def serialize(self, operation: OperationModel, result: Any, request_id: str) -> HttpResponse:
        return json.serialize_response(self.model, operation, result or {}, request_id)

    def serialize_error(self, error: ApiError, request_id: str) -> HttpResponse:
        return json.serialize_error(self.model, error, request_id, self._code_overrides)


def build_logs_endpoint(
    model: ServiceModel, store: LogStore, authorizer: Authorizer, clock: Clock, region: Region
) -> JsonEndpoint:
    """The CloudWatch Logs endpoint over a log store (`model` is botocore's `logs` model)."""
    service = LogsService(store, authorizer, region, clock)
    return JsonEndpoint("logs", model, service.operations(), code_overrides=LOGS_CODE_OVERRIDES)
