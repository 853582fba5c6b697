"""One request as the kernel sees it: what the edge learnt, and how to read and answer it.

The edge (stockade.api) owns the wire: it reads bytes under its limits, checks the signature,
and knows how a protocol routes, decodes and encodes. It hands the kernel an `Exchange`; the
kernel decides everything else and asks the exchange for exactly the steps it allows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from botocore.model import OperationModel

from stockade.domain.identity import Principal
from stockade.domain.trace import NO_CALLER_TRACE, CallerTrace
from stockade.errors import ApiError
from stockade.types import RequestId

R_co = TypeVar("R_co", covariant=True)


@dataclass(frozen=True)
class EdgeFacts:
    """What the socket and the request head say about a request (never the client's word for
    what the socket knows better)."""

    request_id: RequestId
    source_ip: str
    user_agent: str
    secure_transport: bool
    received_at: datetime
    base_url: str  # how this client reached us; links handed back to it start here
    caller_trace: CallerTrace = NO_CALLER_TRACE


class Exchange(Protocol[R_co]):
    @property
    def service(self) -> str:
        """The SigV4 signing name the request was signed for."""
        ...

    @property
    def protocol(self) -> str:
        """The wire protocol family: rest-json, json or query."""
        ...

    @property
    def facts(self) -> EdgeFacts: ...

    @property
    def principal(self) -> Principal | None:
        """Who signed the request; None when the edge refused it (see `refusal`)."""
        ...

    @property
    def refusal(self) -> ApiError | None:
        """Why the edge could not accept the request (signature, size), if it could not."""
        ...

    def route(self) -> OperationModel:
        """The model operation the request addresses, or an ApiError."""
        ...

    def decode(self, operation: OperationModel) -> dict[str, Any]:
        """The request's parameters, typed by the wire protocol (not yet validated)."""
        ...

    def respond(self, operation: OperationModel, result: Any) -> R_co: ...

    def respond_stream(
        self,
        operation: OperationModel,
        head: Mapping[str, Any],
        events: AsyncIterator[Mapping[str, Mapping[str, Any]] | ApiError],
    ) -> R_co:
        """An answer whose body is an event stream: `head` now, each event as it comes."""
        ...

    def refuse(self, error: ApiError) -> R_co: ...
