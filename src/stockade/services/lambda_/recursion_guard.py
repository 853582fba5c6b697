"""Recursive loop detection: every invocation's trace, and the chain stopped past the limit.

Each invocation gets a trace (`domain.trace`): the caller's, continued, when the caller is an
execution environment (the host's record of the invocation it runs) or sent a well-formed
`X-Amzn-Trace-Id`; else a new one. Its lineage counts how many times each function ran in the
chain. When a function would run for the 17th time (`HOP_LIMIT` + 1) and its RecursiveLoop
setting is Terminate, Lambda stops that invocation (AWS Compute Blog, "Detecting and stopping
recursive loops in AWS Lambda functions", 2023: "It returns a RecursiveInvocationException to
the caller ... For asynchronous invokes, Lambda sends the event to a dead-letter queue or
on-failure destination, if one is configured"), counts it as RecursiveInvocationsDropped and
says so in the function's log group (the line's wording is Stockade's).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from stockade.clock import Clock
from stockade.domain.function import Function
from stockade.domain.trace import (
    HOP_LIMIT,
    CallerTrace,
    TraceContext,
    function_key,
    new_root,
)
from stockade.errors import ApiError
from stockade.sandbox.logs import LogSink, log_stream_name
from stockade.services.lambda_.counters import CounterKey, InvocationCounters

TERMINATE = "Terminate"
STOPPED_MESSAGE = (
    "Lambda has detected your function being invoked in a recursive loop with other AWS"
    " resources and stopped your function's invocation."
)  # the model's documentation of RecursiveInvocationException


class RecursiveInvocationError(ApiError):
    code = "RecursiveInvocationException"
    http_status = 400
    sender_fault = True

    def wire_fields(self) -> Mapping[str, object]:
        return {"Type": "User"}


class RecursionGuard:
    def __init__(self, clock: Clock, counters: InvocationCounters) -> None:
        self._clock = clock
        self._counters = counters
        self.log_sink: LogSink | None = None  # set by wiring: the functions' log groups

    def trace_for(self, caller: CallerTrace, unqualified_arn: str) -> TraceContext:
        """The trace of an invocation of the function `unqualified_arn` made by `caller`."""
        base = caller.trace
        if base is None:
            epoch = int(self._clock.now().timestamp())
            base = TraceContext(root=new_root(epoch, secrets.token_bytes(12)))
        return base.invoking(function_key(unqualified_arn), parent=secrets.token_hex(8))

    def stops(self, trace: TraceContext | None, function: Function) -> bool:
        return trace is not None and trace.hops > HOP_LIMIT and function.recursive_loop == TERMINATE

    def stopped(
        self, key: CounterKey, log_group: str | None, request_id: str, trace: TraceContext
    ) -> None:
        """Record a stopped invocation: the metric, and a line in the function's log group."""
        self._counters.recursion_dropped(key)
        if self.log_sink is None:
            return
        account, function_name, version = key
        line = (
            f"RecursiveInvocationException: invocation {request_id} of {function_name} was"
            f" stopped: the function ran {HOP_LIMIT} times in the chain of requests of trace"
            f" {trace.root} (recursive loop detection; PutFunctionRecursionConfig with"
            " RecursiveLoop=Allow lets such a chain run)."
        )
        now = self._clock.now()
        self.log_sink.append(
            account,
            log_group or f"/aws/lambda/{function_name}",
            log_stream_name(now, version),
            [(int(now.timestamp() * 1000), line)],
        )
