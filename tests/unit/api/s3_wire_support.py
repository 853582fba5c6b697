"""S3 wire round trips against botocore itself, no network.

`serialized_request` builds a request with botocore's own rest-xml serializer (path-style);
`WireClient` is a real botocore s3 client whose every request is answered in process, by the
S3 endpoint, from its `before-send` event: routed, parsed (what was parsed is kept), answered
with a result the test set, and that answer parsed by the client as any S3 answer.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import botocore.session
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.config import Config
from botocore.serialize import create_serializer
from botocore.utils import percent_encode_sequence

from stockade.api.http import HttpRequest, HttpResponse
from stockade.api.s3_endpoint import S3Endpoint
from stockade.errors import ApiError

SESSION = botocore.session.get_session()
MODEL = SESSION.get_service_model("s3")
DOMAIN = "s3.stockade.test"
REQUEST_ID = "4442587FB7D0A2F9"


def endpoint() -> S3Endpoint:
    return S3Endpoint(MODEL, [DOMAIN])


def serialized_request(operation: str, params: dict[str, Any]) -> HttpRequest:
    """The request botocore's serializer writes for `params`, path-style."""
    wire = create_serializer("rest-xml", True).serialize_to_request(
        params, MODEL.operation_model(operation)
    )
    path, _, literal = wire["url_path"].partition("?")
    query = "&".join(p for p in (literal, percent_encode_sequence(wire["query_string"])) if p)
    headers = {k.lower(): str(v) for k, v in wire["headers"].items()}
    headers["host"] = DOMAIN
    body = wire["body"]
    if hasattr(body, "read"):
        body = body.read()
    return HttpRequest(wire["method"], path, query, headers, bytes(body or b""))


class _Raw(io.BytesIO):
    """What botocore reads a response body from (`stream()` and `read()`)."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.getvalue()


@dataclass
class Seen:
    operation: str
    params: dict[str, Any]
    stream_member: str | None
    request: HttpRequest


class WireClient:
    """A botocore s3 client answered by the S3 endpoint in process."""

    def __init__(self, style: str = "path") -> None:
        self.endpoint = endpoint()
        # A session of its own: clients of one session share its event handlers.
        self.client = botocore.session.get_session().create_client(
            "s3",
            region_name="us-east-1",
            endpoint_url=f"http://{DOMAIN}",
            aws_access_key_id="AKIDEXAMPLE",
            aws_secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            config=Config(
                s3={"addressing_style": style},
                retries={"max_attempts": 1, "mode": "standard"},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )
        self.client.meta.events.register("before-send.s3", self._answer)
        self.seen: list[Seen] = []
        self.results: dict[str, dict[str, Any]] = {}
        self.error: ApiError | None = None

    def _answer(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        http = as_http_request(request)
        response: HttpResponse
        try:
            routed = self.endpoint.route(http)
            name = routed.operation.name
            parsed = self.endpoint.parse(routed, http)
            member = self.endpoint.stream_member(routed.operation)
            self.seen.append(Seen(name, parsed, member, http))
            if self.error is not None:
                raise self.error
            response = self.endpoint.serialize(
                routed.operation, self.results.get(name, {}), REQUEST_ID
            )
        except ApiError as error:
            response = self.endpoint.serialize_error(error, REQUEST_ID, http.method)
        return AWSResponse(request.url, response.status, dict(response.headers),
                           _Raw(response.body))  # fmt: skip


def as_http_request(request: AWSPreparedRequest) -> HttpRequest:
    parts = urlsplit(request.url)
    headers = {
        k.lower(): v.decode() if isinstance(v, bytes) else str(v)
        for k, v in request.headers.items()
    }
    headers["host"] = parts.netloc
    body = request.body
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode()
    return HttpRequest(request.method, parts.path or "/", parts.query, headers, body or b"")
