"""One endpoint per AWS service Stockade speaks: its model and wire protocol (a codec; what an
operation does is the kernel's business, from the service's declared table)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from botocore.model import OperationModel, ServiceModel

from stockade.api.errors import UnknownOperationError
from stockade.api.http import HttpRequest, HttpResponse
from stockade.api.protocols import rest_json
from stockade.errors import ApiError

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
    def serialize(
        self, operation: OperationModel, result: Any, request_id: str
    ) -> HttpResponse: ...
    def serialize_error(self, error: ApiError, request_id: str) -> HttpResponse: ...


class RestJsonEndpoint:
    protocol = rest_json.PROTOCOL

    def __init__(
        self,
        service: str,
        model: ServiceModel,
        body_limits: Mapping[str, int] | None = None,
    ) -> None:
        self.service = service
        self.model = model
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

    def serialize(self, operation: OperationModel, result: Any, request_id: str) -> HttpResponse:
        return rest_json.serialize_response(operation, result or {}, request_id)

    def serialize_error(self, error: ApiError, request_id: str) -> HttpResponse:
        return rest_json.serialize_error(self.model, error, request_id)
