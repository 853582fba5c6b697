"""An HTTP request handed to the kernel: the endpoint's codec bound to one request."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.model import OperationModel

from stockade.api.endpoints import Endpoint, Routed
from stockade.api.errors import UnknownOperationError
from stockade.api.http import HttpRequest, HttpResponse
from stockade.api.protocols import event_stream_body
from stockade.domain.identity import Principal
from stockade.errors import ApiError
from stockade.kernel.exchange import EdgeFacts


@dataclass
class HttpExchange:
    endpoint: Endpoint
    request: HttpRequest
    facts: EdgeFacts
    principal: Principal | None = None
    refusal: ApiError | None = None
    _routed: Routed | None = field(default=None, repr=False)

    @property
    def service(self) -> str:
        return self.endpoint.service

    @property
    def protocol(self) -> str:
        return self.endpoint.protocol

    def route(self) -> OperationModel:
        self._routed = self.endpoint.route(self.request)
        return self._routed.operation

    def decode(self, operation: OperationModel) -> dict[str, Any]:
        if self._routed is None or self._routed.operation is not operation:
            raise UnknownOperationError("Unknown operation")
        return self.endpoint.parse(self._routed, self.request)

    def respond(self, operation: OperationModel, result: Any) -> HttpResponse:
        return self.endpoint.serialize(operation, result, self.facts.request_id)

    def respond_stream(
        self,
        operation: OperationModel,
        head: Mapping[str, Any],
        events: AsyncIterator[Mapping[str, Mapping[str, Any]] | ApiError],
    ) -> HttpResponse:
        return event_stream_body.serialize_stream(operation, head, events, self.facts.request_id)

    def refuse(self, error: ApiError) -> HttpResponse:
        return self.endpoint.serialize_error(error, self.facts.request_id)
