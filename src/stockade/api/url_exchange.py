"""A function URL request handed to the kernel: one operation, InvokeFunctionUrl, whose members
the listener read from the HTTP request, answered as a function URL answers (not in Lambda's
API error shapes: a refused request gets the bare status and body AWS's URLs give)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.model import OperationModel

from stockade.api.http import HttpResponse
from stockade.domain.identity import Principal
from stockade.errors import ApiError
from stockade.kernel.exchange import EdgeFacts
from stockade.services.lambda_ import url_errors
from stockade.services.lambda_.url_cors import with_cors
from stockade.services.lambda_.url_errors import UrlError
from stockade.services.lambda_.url_response import UrlResponse, error_response

PROTOCOL = "function-url"


@dataclass
class UrlExchange:
    operation: OperationModel
    params: Mapping[str, Any] = field(repr=False)
    facts: EdgeFacts
    principal: Principal | None = None
    refusal: ApiError | None = None
    cors: tuple[tuple[str, str], ...] = ()  # the CORS headers every answer gets

    @property
    def service(self) -> str:
        return "lambda"

    @property
    def protocol(self) -> str:
        return PROTOCOL

    def route(self) -> OperationModel:
        return self.operation

    def decode(self, operation: OperationModel) -> dict[str, Any]:
        return dict(self.params)

    def respond(self, operation: OperationModel, result: Any) -> HttpResponse:
        assert isinstance(result, UrlResponse)
        return self._answer(result)

    def respond_stream(
        self,
        operation: OperationModel,
        head: Mapping[str, Any],
        events: AsyncIterator[Mapping[str, Mapping[str, Any]] | ApiError],
    ) -> HttpResponse:
        sent = with_cors(UrlResponse(int(head["status"]), tuple(head["headers"]), b""), self.cors)
        headers = [*sent.headers, *self._ids()]
        return HttpResponse(sent.status, headers, stream=_body(events))

    def refuse(self, error: ApiError) -> HttpResponse:
        return self._answer(error_response(refusal(error)))

    def _answer(self, response: UrlResponse) -> HttpResponse:
        sent = with_cors(response, self.cors)
        return HttpResponse(sent.status, [*sent.headers, *self._ids()], sent.body)

    def _ids(self) -> tuple[tuple[str, str], ...]:
        return (("x-amzn-RequestId", self.facts.request_id),)


class StreamCutOff(Exception):
    """A streamed body that failed after its head was sent: the connection is cut, so the
    client sees an incomplete body rather than a clean end."""


async def _body(
    events: AsyncIterator[Mapping[str, Mapping[str, Any]] | ApiError],
) -> AsyncIterator[bytes]:
    async for event in events:
        if isinstance(event, ApiError):
            raise StreamCutOff(event.code)
        chunk = event.get("PayloadChunk")
        if chunk is not None:
            yield bytes(chunk["Payload"])
        elif event.get("InvokeComplete", {}).get("ErrorCode"):
            raise StreamCutOff("the function failed while streaming")


def refusal(error: ApiError) -> UrlError:
    """What a function URL answers for a request the kernel (or the listener) refused."""
    if error.code == "ResourceNotFoundException":  # no such URL, function or alias (any more)
        return url_errors.UNKNOWN_URL
    if error.code == "TooManyRequestsException":  # throttled, reserved concurrency 0
        return url_errors.THROTTLED
    if error.http_status == 413:
        return url_errors.REQUEST_TOO_LARGE
    if error.http_status < 500:  # unsigned, wrongly signed, not allowed, malformed
        return url_errors.FORBIDDEN
    return url_errors.FUNCTION_ERROR  # not ready, an internal failure: never its details
