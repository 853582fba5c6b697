"""An endpoint for the EC2 protocol: routed by `Action` as the query protocol is."""

from __future__ import annotations

from typing import Any

from botocore.model import OperationModel

from stockade.api.endpoints import Routed
from stockade.api.http import HttpRequest, HttpResponse
from stockade.api.protocols import ec2
from stockade.api.query_endpoint import QueryEndpoint
from stockade.errors import ApiError


class Ec2Endpoint(QueryEndpoint):
    """Routing, versions and body limits as `QueryEndpoint`; EC2's spelling on the wire."""

    protocol = ec2.PROTOCOL

    def parse(self, routed: Routed, request: HttpRequest) -> dict[str, Any]:
        return ec2.parse_request(routed.operation, routed.uri_params)

    def serialize(self, operation: OperationModel, result: Any, request_id: str) -> HttpResponse:
        return ec2.serialize_response(self.model, operation, result or {}, request_id)

    def serialize_error(self, error: ApiError, request_id: str) -> HttpResponse:
        return ec2.serialize_error(error, request_id)
