"""Functions as EventBridge targets: what the event delivery needs of Lambda.

A rule's Lambda target is invoked asynchronously, as EventBridge invokes functions (Lambda
developer guide, with-eventbridge): the event goes to the function's asynchronous invocation
queue, so its retries, maximum event age and destinations apply. The invocation continues the
trace of whoever put the event, so a function -> bus -> same function loop is counted.
"""

from __future__ import annotations

from stockade.domain.trace import CallerTrace, TraceContext
from stockade.policy import AttachedPolicy
from stockade.services.lambda_ import names
from stockade.services.lambda_.async_invoke import AsyncInvocations
from stockade.services.lambda_.invoke import Invoker
from stockade.services.lambda_.invoke_target import invoke_target
from stockade.services.lambda_.resource_policy import function_policy


class LambdaEventTargets:
    def __init__(self, invoker: Invoker, events: AsyncInvocations) -> None:
        self._invoker = invoker
        self._events = events

    async def invoke_async(
        self, function_arn: str, payload: bytes, request_id: str, trace: TraceContext | None
    ) -> None:
        """Queue the invocation; ResourceNotFoundException when the function (or the version
        or alias named) does not exist."""
        deps = self._invoker.deps
        target = names.target_of_arn(function_arn, deps.region)
        invoke_target(deps, target).resolved()
        continued = self._invoker.recursion.trace_for(
            CallerTrace(trace=trace), target.unqualified_arn
        )
        await self._events.accept(target, payload, request_id, trace=continued)

    def function_policy(self, function_arn: str) -> AttachedPolicy | None:
        deps = self._invoker.deps
        with deps.store.read() as tx:
            found = function_policy(tx, deps.region, function_arn)
        return None if found is None else found.attached
