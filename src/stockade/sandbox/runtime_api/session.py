"""The runtime's side of one environment, as an explicit state machine (RIE's core/states.go).

    INITIALIZING --first next--> READY --deliver--> INVOKING --response|error--> READY
         |                                                                (next parks again)
         +--init/error--> INIT_FAILED
    any --close--> CLOSED

Every handler validates the request id BEFORE moving state (transitions are irreversible).
The environment talks to this object only through `init_result`, `deliver` and `close`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from stockade.sandbox.errors import IllegalTransitionError
from stockade.sandbox.response_stream import STREAMED_RESPONSE_BYTES_MAX, ResponseSink

MAX_RESPONSE_BYTES = 6_291_556  # Lambda's synchronous response limit (6 MB + framing slack)


class RuntimePhase(Enum):
    INITIALIZING = "Initializing"
    READY = "Ready"
    INVOKING = "Invoking"
    INIT_FAILED = "InitFailed"
    CLOSED = "Closed"


_ALLOWED: Mapping[RuntimePhase, frozenset[RuntimePhase]] = {
    RuntimePhase.INITIALIZING: frozenset(
        {RuntimePhase.READY, RuntimePhase.INIT_FAILED, RuntimePhase.CLOSED}
    ),
    RuntimePhase.READY: frozenset({RuntimePhase.INVOKING, RuntimePhase.CLOSED}),
    RuntimePhase.INVOKING: frozenset({RuntimePhase.READY, RuntimePhase.CLOSED}),
    RuntimePhase.INIT_FAILED: frozenset({RuntimePhase.CLOSED}),
    RuntimePhase.CLOSED: frozenset(),
}


@dataclass(frozen=True)
class Invocation:
    request_id: str
    deadline_epoch_ms: int
    invoked_function_arn: str
    payload: bytes = field(repr=False)
    trace_id: str | None = None
    client_context_json: str | None = field(default=None, repr=False)
    cognito_identity_json: str | None = field(default=None, repr=False)
    tenant_id: str | None = None  # Lambda-Runtime-Aws-Tenant-Id (tenant isolation mode)
    sink: ResponseSink | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Outcome:
    payload: bytes = field(repr=False)
    error_type: str | None  # None: success
    is_error: bool = False
    streamed: bool = False  # the response went to the invocation's sink as it came


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


def _json_error(status: int, error_type: str, message: str) -> Reply:
    body = json.dumps({"errorMessage": message, "errorType": error_type}).encode()
    return Reply(status, body, {"Content-Type": "application/json"})


ACCEPTED = Reply(202, b'{"status":"OK"}\n', {"Content-Type": "application/json"})
INVALID_REQUEST_ID = _json_error(400, "InvalidRequestID", "Invalid request ID")
TOO_LARGE = _json_error(
    413,
    "RequestEntityTooLarge",
    f"Exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes).",
)
RESPONSE_TOO_LARGE_PAYLOAD = json.dumps(
    {
        "errorMessage": "Response payload size exceeded maximum allowed payload size "
        f"({MAX_RESPONSE_BYTES} bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }
).encode()


STREAMED_TOO_LARGE_PAYLOAD = json.dumps(
    {
        "errorMessage": "Response payload size exceeded maximum allowed payload size "
        f"({STREAMED_RESPONSE_BYTES_MAX} bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }
).encode()


class RuntimeSession:
    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        self._phase = RuntimePhase.INITIALIZING
        self._init: asyncio.Future[Outcome | None] = loop.create_future()
        self._current: Invocation | None = None
        self._handed_out = False
        self._outcome: asyncio.Future[Outcome] | None = None
        self._waiter: asyncio.Future[Invocation] | None = None
        self._streaming = False
        self._buffered = bytearray()  # a streamed response nobody streams (plain Invoke)
        self._overflowed = False

    @property
    def phase(self) -> RuntimePhase:
        return self._phase

    def _move(self, target: RuntimePhase) -> None:
        if target not in _ALLOWED[self._phase]:
            raise IllegalTransitionError(f"runtime {self._phase.value} -> {target.value}")
        self._phase = target

    def _forbidden(self, target: str) -> Reply:
        return _json_error(
            403,
            "InvalidStateTransition",
            f"State transition from {self._phase.value} to {target} failed for runtime.",
        )

    # -- environment side -------------------------------------------------------------------
    @property
    def init_result(self) -> asyncio.Future[Outcome | None]:
        """None when the runtime asked for its first invocation; an Outcome on init/error."""
        return self._init

    def deliver(self, invocation: Invocation) -> asyncio.Future[Outcome]:
        self._move(RuntimePhase.INVOKING)
        self._current = invocation
        self._handed_out = False
        self._outcome = asyncio.get_running_loop().create_future()
        if self._waiter is not None and not self._waiter.done():
            self._handed_out = True
            self._waiter.set_result(invocation)
            self._waiter = None
        return self._outcome

    def close(self) -> None:
        if self._phase is not RuntimePhase.CLOSED:
            self._phase = RuntimePhase.CLOSED
        if self._waiter is not None and not self._waiter.done():
            self._waiter.cancel()
        if not self._init.done():
            self._init.cancel()

    # -- runtime side (called by the routes) ------------------------------------------------
    def next_invocation(self) -> asyncio.Future[Invocation] | Reply:
        if self._phase is RuntimePhase.INITIALIZING:
            self._move(RuntimePhase.READY)
            self._init.set_result(None)
        if self._phase is RuntimePhase.INVOKING and not self._handed_out:
            assert self._current is not None
            self._handed_out = True
            done: asyncio.Future[Invocation] = asyncio.get_running_loop().create_future()
            done.set_result(self._current)
            return done
        if self._phase is not RuntimePhase.READY:
            return self._forbidden(RuntimePhase.READY.value)
        if self._waiter is not None and not self._waiter.done():
            return self._forbidden(RuntimePhase.READY.value)  # one parked next at a time
        self._waiter = asyncio.get_running_loop().create_future()
        return self._waiter

    def _validate_id(self, request_id: str) -> bool:
        return (
            self._phase is RuntimePhase.INVOKING
            and self._handed_out
            and self._current is not None
            and request_id == self._current.request_id
        )

    def _settle(self, outcome: Outcome) -> None:
        self._move(RuntimePhase.READY)
        self._current = None
        self._streaming, self._buffered, self._overflowed = False, bytearray(), False
        if self._outcome is not None and not self._outcome.done():
            self._outcome.set_result(outcome)

    def post_response(self, request_id: str, body: bytes) -> Reply:
        if not self._validate_id(request_id):
            return INVALID_REQUEST_ID
        if len(body) > MAX_RESPONSE_BYTES:
            return self.response_too_large(request_id)
        self._settle(Outcome(body, None))
        return ACCEPTED

    def response_too_large(self, request_id: str) -> Reply:
        if not self._validate_id(request_id):
            return INVALID_REQUEST_ID
        streamed = self._streaming and self._current is not None and self._current.sink is not None
        payload = STREAMED_TOO_LARGE_PAYLOAD if streamed else RESPONSE_TOO_LARGE_PAYLOAD
        self._settle(Outcome(payload, "Function.ResponseSizeTooLarge", True, streamed))
        return TOO_LARGE

    # -- streamed responses (Lambda-Runtime-Function-Response-Mode: streaming) --------------
    def start_stream(self, request_id: str, content_type: str | None = None) -> Reply | None:
        """None when the streamed response may go on; else the reply that ends it."""
        if not self._validate_id(request_id) or self._streaming:
            return INVALID_REQUEST_ID
        self._streaming = True
        assert self._current is not None
        if self._current.sink is not None:
            self._current.sink.begin(content_type)
        return None

    async def stream_piece(self, data: bytes) -> None:
        current = self._current
        if not self._streaming or current is None:
            return  # the invocation already ended (timed out): nobody reads this any more
        if current.sink is not None:
            await current.sink.write(data)
        elif len(self._buffered) + len(data) > MAX_RESPONSE_BYTES:
            self._overflowed = True  # plain Invoke of a streaming function: 6 MB, buffered
        else:
            self._buffered += data

    def finish_stream(self, request_id: str, trailers: Mapping[str, str]) -> Reply:
        if not self._validate_id(request_id) or not self._streaming:
            return INVALID_REQUEST_ID
        assert self._current is not None
        streamed = self._current.sink is not None
        error_type = trailers.get("lambda-runtime-function-error-type")
        if error_type is not None:
            body = _trailer_body(trailers.get("lambda-runtime-function-error-body", ""))
            self._settle(Outcome(body, error_type or _error_type_of(body), True, streamed))
        elif self._overflowed:
            self._settle(Outcome(RESPONSE_TOO_LARGE_PAYLOAD, "Function.ResponseSizeTooLarge",
                                 True))  # fmt: skip
        else:
            self._settle(Outcome(bytes(self._buffered), None, False, streamed))
        return ACCEPTED

    def post_error(self, request_id: str, body: bytes, error_type: str | None) -> Reply:
        if not self._validate_id(request_id):
            return INVALID_REQUEST_ID
        self._settle(Outcome(body, error_type or _error_type_of(body), True))
        return ACCEPTED

    def post_init_error(self, body: bytes, error_type: str | None) -> Reply:
        if self._phase is not RuntimePhase.INITIALIZING:
            return self._forbidden(RuntimePhase.INIT_FAILED.value)
        self._move(RuntimePhase.INIT_FAILED)
        self._init.set_result(Outcome(body, error_type or _error_type_of(body), True))
        return ACCEPTED


def _trailer_body(value: str) -> bytes:
    """The Runtime API sends a streamed response's error body base64-encoded in a trailer."""
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return value.encode("latin-1", "replace")


def _error_type_of(body: bytes) -> str:
    try:
        parsed = json.loads(body)
    except ValueError:
        return "Unknown"
    value = parsed.get("errorType") if isinstance(parsed, dict) else None
    return value if isinstance(value, str) and value else "Unknown"
