"""An endpoint for a query-protocol service (IAM, STS): routed by the `Action` parameter."""

from __future__ import annotations

from typing import Any

from botocore.model import OperationModel, ServiceModel

from stockade.api.endpoints import DEFAULT_BODY_LIMIT, Routed
from stockade.api.errors import MalformedRequestError
from stockade.api.errors import UnknownOperationError as _UnknownOperation
from stockade.api.http import HttpRequest, HttpResponse
from stockade.api.protocols import query
from stockade.errors import ApiError


class QueryEndpoint:
    protocol = query.PROTOCOL

    def __init__(
        self,
        service: str,
        model: ServiceModel,
        body_limit: int = DEFAULT_BODY_LIMIT,
    ) -> None:
        self.service = service
        self.model = model
        self._limit = body_limit
        self._names = frozenset(model.operation_names)

    def body_limit(
        self, method: str, raw_path: str, query_params: list[tuple[str, str]]
    ) -> tuple[int, str | None]:
        action = dict(query_params).get("Action")
        return self._limit, action if action in self._names else None

    def route(self, request: HttpRequest) -> Routed:
        if request.method not in ("POST", "GET"):
            raise _UnknownOperation("Unknown operation")
        params = query.form_params(request)
        action = params.get("Action")
        if not action or action not in self._names:
            raise _UnknownOperation(f"Could not find operation {(action or '')[:100]}")
        version = params.get("Version")
        if version is not None and version != self.model.api_version:
            raise MalformedRequestError(
                f"Could not find operation {action} for version {version[:40]}"
            )
        # The flattened parameters ride along so that parse() does not decode the body twice.
        return Routed(self.model.operation_model(action), params)

    def parse(self, routed: Routed, request: HttpRequest) -> dict[str, Any]:
        return query.parse_request(routed.operation, routed.uri_params)

    def serialize(self, operation: OperationModel, result: Any, request_id: str) -> HttpResponse:
        return query.serialize_response(self.model, operation, result or {}, request_id)

    def serialize_error(self, error: ApiError, request_id: str) -> HttpResponse:
        return query.serialize_error(error, request_id)
