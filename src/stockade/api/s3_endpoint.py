"""S3's endpoint: its model, router and rest-xml codec behind the edge's `Endpoint` shape.

`parse` leaves a streamed body unread: `stream_member` names the member (PutObject's and
UploadPart's `Body`) the request body is, for the storage to read as a stream.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from botocore.model import OperationModel, ServiceModel

from stockade.api.endpoints import DEFAULT_BODY_LIMIT, Routed
from stockade.api.http import HttpRequest, HttpResponse
from stockade.api.protocols import rest_xml, rest_xml_errors
from stockade.api.s3_routing import S3Address, S3Router, uri_params
from stockade.errors import ApiError
from stockade.services.s3.errors import S3Error

# A streamed body's bound (S3 User Guide: a single PUT is at most 5 GB; a part likewise).
STREAMED_BODY_LIMIT = 5 * 1024**3


class S3Endpoint:
    service = "s3"
    protocol = rest_xml.PROTOCOL

    def __init__(
        self,
        model: ServiceModel,
        domains: Iterable[str],
        body_limits: Mapping[str, int] | None = None,
    ) -> None:
        self.model = model
        self._router = S3Router(model, domains)
        self._body_limits = dict(body_limits or {})

    def body_limit(
        self, method: str, raw_path: str, query: list[tuple[str, str]], host: str | None = None
    ) -> tuple[int, str | None]:
        """Headers are not known yet: a header-routed sibling (CopyObject) shares the streamed
        operation's limit, the larger. Without the host, `/name` may be a bucket (path-style)
        or a key (virtual-hosted): the larger limit of the two readings."""
        found: list[tuple[int, str | None]] = []
        for address in self._readings(raw_path, host):
            try:
                operation = self._router.match(method, address, query, {})
            except S3Error:
                continue
            name = operation.name
            streamed = self.stream_member(operation) is not None
            default = STREAMED_BODY_LIMIT if streamed else DEFAULT_BODY_LIMIT
            found.append((self._body_limits.get(name, default), name))
        return max(found, key=lambda limit: limit[0], default=(DEFAULT_BODY_LIMIT, None))

    def _readings(self, raw_path: str, host: str | None) -> list[S3Address]:
        try:
            readings = [self._router.address(raw_path, host)]
        except S3Error:
            return []
        if host is None:
            key = raw_path.split("?", 1)[0][1:]
            readings.append(S3Address("bucket", key or None, virtual_host=True))
        return readings

    def route(self, request: HttpRequest) -> Routed:
        address = self._router.address(request.raw_path, request.header("host"))
        operation = self._router.match(request.method, address, request.query(), request.headers)
        return Routed(operation, uri_params(address))

    def parse(self, routed: Routed, request: HttpRequest) -> dict[str, Any]:
        return rest_xml.parse_request(routed.operation, routed.uri_params, request).params

    def stream_member(self, operation: OperationModel) -> str | None:
        return rest_xml.streaming_member(operation.input_shape)

    def serialize(self, operation: OperationModel, result: Any, request_id: str) -> HttpResponse:
        return rest_xml.serialize_response(operation, result or {}, request_id)

    def serialize_error(self, error: ApiError, request_id: str, method: str = "") -> HttpResponse:
        return rest_xml_errors.serialize_error(error, request_id, method)
