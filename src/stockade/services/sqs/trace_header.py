"""The AWSTraceHeader a sent message keeps.

A message sent from inside a function carries the trace (and lineage) of the invocation that
sent it, as the host records it: the sender cannot strip or rewrite it, so the event source
mappings that run functions from a queue can count the chain's hops from it. Anyone else's
message keeps the AWSTraceHeader they gave, or their X-Amzn-Trace-Id (SQS takes the request's
tracing header when the system attribute is absent: Amazon SQS Developer Guide, "Amazon SQS and
AWS X-Ray").
"""

from __future__ import annotations

from stockade.services.context import RequestContext


def stored_trace_header(ctx: RequestContext, given: str | None) -> str | None:
    caller = ctx.caller_trace
    if caller.from_environment and caller.trace is not None:
        return caller.trace.header()
    if given is not None:
        return given
    return None if caller.trace is None else caller.trace.header()
