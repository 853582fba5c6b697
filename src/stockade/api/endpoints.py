"""One endpoint per AWS service Stockade speaks: its model, protocol and operation table."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from botocore.model import OperationModel, ServiceModel

from stockade.api.errors import NotImplementedOperationError, UnknownOperationError
from stockade.api.http import HttpRequest, HttpResponse
from stockade.api.protocols import rest_json
from stockade.errors import ApiError
from stockade.services.context import RequestContext

Handler = Callable[[RequestContext, Any], Any] | Callable[[RequestContext, Any], Awaitable[Any]]

DEFAULT_BODY_LIMIT = 1024 * 1024


@dataclass(frozen=True)
class Routed:
    operation: OperationModel
    uri_params: Mapping[str, str] = field(default_factory=dict)


class Endpoint(Protocol):
    service: str  # the SigV4 signing name
    protocol: str  # "rest-json" | "json" | "query"
    model: ServiceModel

    def body_limit(
        self, method: str, raw_path: str, query: list[tuple[str, str]]
    ) -> tuple[int, str | None]:
        """The largest body the addressed operation accepts, and its name if known."""
        ...

    def route(self, request: HttpRequest) -> Routed: ...
    def parse(self, routed: Routed, request: HttpRequest) -> dict[str, Any]: ...
    def handler(self, operation: OperationModel) -> Handler: ...
    def serialize(
        self, operation: OperationModel, result: Any, request_id: str
    ) -> HttpResponse: ...
    def serialize_error(self, error: ApiError, request_id: str) -> HttpResponse: ...


def find_handler(
    model: ServiceModel, operations: Mapping[str, Handler], operation: OperationModel
) -> Handler:
    """The use case for a modelled operation, or NotImplemented (every model operation routes,
    so that unimplemented ones say so plainly)."""
    found = operations.get(operation.name)
    if found is None:
        raise NotImplementedOperationError(
            f"Stockade does not implement the {model.service_name} operation {operation.name}."
        )
    return found


def is_async(handler: Handler) -> bool:
    return inspect.iscoroutinefunction(handler)


class RestJsonEndpoint:
    protocol = rest_json.PROTOCOL

    def __init__(
        self,
        service: str,
        model: ServiceModel,
        operations: Mapping[str, Handler],
        body_limits: Mapping[str, int] | None = None,
    ) -> None:
        self.service = service
        self.model = model
        self._operations = dict(operations)
        self._body_limits = dict(body_limits or {})
        # Route every operation of the model, so that unimplemented ones say so plainly.
        self._router = rest_json.RestJsonRouter(model)

    def body_limit(
        self, method: str, raw_path: str, query: list[tuple[str, str]]
    ) -> tuple[int, str | None]:
        found = self._router.match(method, raw_path, query)
        if found is None:
            return DEFAULT_BODY_LIMIT, None
        name = found[0].name
        return self._body_limits.get(name, DEFAULT_BODY_LIMIT), name

    def route(self, request: HttpRequest) -> Routed:
        found = self._router.match(request.method, request.raw_path, request.query())
        if found is None:
            raise UnknownOperationError("Unknown operation")
        return Routed(found[0], found[1])

    def parse(self, routed: Routed, request: HttpRequest) -> dict[str, Any]:
        return rest_json.parse_request(routed.operation, routed.uri_params, request)

    def handler(self, operation: OperationModel) -> Handler:
        return find_handler(self.model, self._operations, operation)

    def serialize(self, operation: OperationModel, result: Any, request_id: str) -> HttpResponse:
        return rest_json.serialize_response(operation, result or {}, request_id)

    def serialize_error(self, error: ApiError, request_id: str) -> HttpResponse:
        return rest_json.serialize_error(error, request_id)
