"""Requests signed for AWS services that this server does not serve.

They are authenticated and audited like any other request, then refused with
`UnsupportedServiceError` (501 `NotImplemented`) in the addressed service's own wire protocol,
so that the caller's SDK reports "the s3 service is not supported by this server" instead of
failing to parse the answer or blaming the signature. The protocol is the one the request shows
(`smithy-protocol: rpc-v2-cbor`, an `X-Amz-Target` header, an `Action` form) when the service
offers it, otherwise the service's REST protocol or botocore's first choice, from the catalog
generated from botocore's models (aws_services.py).
"""

from __future__ import annotations

import re
from typing import Any, NoReturn

from botocore.model import OperationModel, ServiceModel

from stockade.api import aws_services
from stockade.api.endpoints import DEFAULT_BODY_LIMIT, Routed
from stockade.api.errors import UnsupportedServiceError
from stockade.api.http import HttpRequest, HttpResponse
from stockade.api.protocols import foreign_errors, json, query, rest_json
from stockade.errors import ApiError, InternalError

CBOR = "smithy-rpc-v2-cbor"
# Signing names are short identifiers (`s3`, `execute-api`, `IoTSecuredTunneling`); anything
# else in a credential scope is not a service, and is refused as an unsigned request is.
_SERVICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def endpoint_for(service: str, request: HttpRequest) -> UnsupportedServiceEndpoint | None:
    """The endpoint that refuses a request signed for `service`; None if that is no name."""
    if not _SERVICE_NAME.fullmatch(service):
        return None
    title, offered = aws_services.SERVICES.get(service, ("", ()))
    return UnsupportedServiceEndpoint(service, title, wire_protocol(offered, request), request)


def wire_protocol(offered: tuple[str, ...], request: HttpRequest) -> str:
    """The protocol to answer in: what the request speaks, if the service offers it."""
    hinted = _hinted_protocol(request, offered)
    if hinted is not None and (hinted in offered or not offered):
        return hinted
    if hinted is None:  # no header or form marks an RPC protocol: a REST request
        for rest in ("rest-xml", "rest-json"):
            if rest in offered:
                return rest
    return offered[0] if offered else "rest-json"


def _hinted_protocol(request: HttpRequest, offered: tuple[str, ...]) -> str | None:
    if (request.header("smithy-protocol") or "").strip().lower() == "rpc-v2-cbor":
        return CBOR
    if request.header("x-amz-target") is not None:
        return json.PROTOCOL
    kind = (request.header("content-type") or "").lower()
    if kind.startswith("application/x-www-form-urlencoded") or any(
        name == "Action" for name, _ in request.query()
    ):
        return "ec2" if "ec2" in offered else query.PROTOCOL
    return None


class UnsupportedServiceEndpoint:
    """An `Endpoint` whose every request is refused once authenticated (`route` raises)."""

    def __init__(self, service: str, title: str, protocol: str, request: HttpRequest) -> None:
        self.service = service
        self.protocol = protocol
        kind = (request.header("content-type") or "").lower()
        self.model = ServiceModel(
            {
                "metadata": {
                    "protocol": protocol,
                    "endpointPrefix": service,
                    "signingName": service,
                    "serviceFullName": title or service,
                    "jsonVersion": "1.1" if "x-amz-json-1.1" in kind else "1.0",
                    "apiVersion": "",
                },
                "operations": {},
                "shapes": {},
            },
            service_name=service,
        )
        named = f" ({title})" if title else ""
        self._message = f"The {service} service{named} is not supported by this server."

    def body_limit(
        self, method: str, raw_path: str, query_params: list[tuple[str, str]]
    ) -> tuple[int, str | None]:
        return DEFAULT_BODY_LIMIT, None

    def route(self, request: HttpRequest) -> Routed:
        raise UnsupportedServiceError(self._message)

    def parse(self, routed: Routed, request: HttpRequest) -> dict[str, Any]:
        _never()

    def serialize(self, operation: OperationModel, result: Any, request_id: str) -> HttpResponse:
        _never()

    def serialize_error(self, error: ApiError, request_id: str) -> HttpResponse:
        if self.protocol == "rest-xml":
            return foreign_errors.rest_xml_error(error, request_id)
        if self.protocol == "ec2":
            return foreign_errors.ec2_error(error, request_id)
        if self.protocol == CBOR:
            namespace = f"com.amazonaws.{self.service}"
            return foreign_errors.cbor_error(error, request_id, namespace)
        if self.protocol == json.PROTOCOL:
            return json.serialize_error(self.model, error, request_id)
        if self.protocol == query.PROTOCOL:
            return query.serialize_error(error, request_id)
        return rest_json.serialize_error(self.model, error, request_id)


def _never() -> NoReturn:
    raise InternalError("no operation of an unsupported service is ever routed")
