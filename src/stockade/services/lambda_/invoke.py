"""Invoke: resolve the version (weighted alias routing) and run it in an environment.

The use case is async: it awaits the execution environment. It runs once its declared need
(lambda:InvokeFunction on the invoked ARN) was allowed, from the same memoised read of the
target (`invoke_target`). Everything that can be refused is refused before an environment is
asked for.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any, Protocol

from stockade.domain import limits
from stockade.domain.arn import function_arn
from stockade.domain.function import Alias, Code, Function, FunctionVersion
from stockade.domain.trace import TraceContext
from stockade.sandbox import (
    CapacityError,
    CodeSource,
    EnvironmentSpec,
    InvocationRequest,
    InvocationResult,
    ResponseSink,
    Runtime,
    SandboxError,
    WarmKey,
)
from stockade.services.context import RequestContext
from stockade.services.lambda_ import (
    logging_config,
    names,
    runtime_management,
    tenancy,
    vpc_config,
)
from stockade.services.lambda_.concurrency import ConcurrencyGate
from stockade.services.lambda_.counters import InvocationCounters
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import (
    InvalidParameterValueError,
    InvalidRequestContentError,
    RequestTooLargeError,
    ResourceNotReadyError,
    TooManyRequestsError,
)
from stockade.services.lambda_.invoke_target import invoke_target
from stockade.services.lambda_.recursion_guard import (
    STOPPED_MESSAGE,
    RecursionGuard,
    RecursiveInvocationError,
)
from stockade.services.lambda_.roles import RoleCredentials, RoleSessions
from stockade.shapes import lambda_ as shapes
from stockade.store.ports import ArtifactStore
from stockade.types import RequestIds

LOG_TAIL_BYTES = 4096
_BAD_CLIENT_CONTEXT = "Client context must be a valid Base64-encoded JSON object."
RESPONSE_TOO_LARGE = (
    '{"errorMessage":"Response payload size exceeded maximum allowed payload size'
    f' ({limits.SYNC_PAYLOAD_BYTES_MAX} bytes).","errorType":"Function.ResponseSizeTooLarge"}}'
)


class FunctionRunner(Protocol):
    """Where invocations run (the environment pool)."""

    async def invoke(
        self, spec: EnvironmentSpec, request: InvocationRequest
    ) -> InvocationResult: ...

    async def provision(
        self,
        spec: EnvironmentSpec,
        count: int,
        refresh: Callable[[], Awaitable[EnvironmentSpec]] | None = None,
    ) -> str | None:
        """Keep `count` environments initialised for `spec`; None when ready, else why not."""
        ...

    def unprovision(self, key: WarmKey) -> None: ...


class EventAcceptor(Protocol):
    """Where InvocationType=Event requests go (the asynchronous invocation queues)."""

    async def accept(
        self,
        target: names.Target,
        payload: bytes,
        request_id: str,
        tenant_id: str | None = None,
        trace: TraceContext | None = None,
    ) -> None: ...


ASYNC_PAYLOAD_BYTES_MAX = 256 * 1024


class Invoker:
    def __init__(
        self,
        deps: LambdaDeps,
        runner: FunctionRunner | None,
        gate: ConcurrencyGate,
        counters: InvocationCounters,
        keep_alive_s: float = 300.0,
        max_lifetime_s: float = 14 * 3600.0,
    ) -> None:
        self._deps = deps
        self._runner = runner
        self._gate = gate
        self.events: EventAcceptor | None = None  # set by wiring when a queue engine exists
        self.counters = counters
        self._keep_alive_s = keep_alive_s
        self._max_lifetime_s = max_lifetime_s
        self._request_ids = RequestIds()
        self._sessions = RoleSessions(deps.store, deps.clock)
        self.recursion = RecursionGuard(deps.clock, counters)
        # Traffic splitting is not a security decision; a seeded PRNG is enough.
        self._routing = random.Random()  # noqa: S311

    async def invoke(
        self, ctx: RequestContext, request: shapes.InvocationRequest
    ) -> dict[str, Any]:
        deps = self._deps
        target = names.resolve(deps, ctx, request["FunctionName"], request.get("Qualifier"))
        stored = invoke_target(deps, target)
        version, alias, function = stored.resolved()
        _refuse_unsupported(request)
        reserved_total = self._gate.reserved_total(deps.store, target.account_id)
        if alias is not None and alias.routing:
            chosen = self._route(alias)
            if chosen != version.version:
                version = stored.routed.get(chosen, version)
        tenant_id = tenancy.invocation_tenant(version.config, request.get("TenantId"))
        payload = bytes(request.get("Payload") or b"")
        if len(payload) > limits.SYNC_PAYLOAD_BYTES_MAX:
            raise RequestTooLargeError(
                f"Request must be smaller than {limits.SYNC_PAYLOAD_BYTES_MAX} bytes for the"
                " InvokeFunction operation"
            )
        invocation_type = request.get("InvocationType", "RequestResponse")
        if invocation_type == "Event":
            if self.events is None:
                raise InvalidParameterValueError(
                    "Asynchronous invocation is not available on this server."
                )
            if len(payload) > ASYNC_PAYLOAD_BYTES_MAX:
                raise RequestTooLargeError(
                    f"Request must be smaller than {ASYNC_PAYLOAD_BYTES_MAX} bytes for the"
                    " InvokeFunction operation"
                )
        client_context = request.get("ClientContext")
        if client_context is not None:
            _check_client_context(client_context)
        if invocation_type == "DryRun":
            return {"StatusCode": 204}
        if not payload:
            payload = b"{}"  # Lambda hands an empty invocation to the handler as {}
        elif not _is_json(payload):
            raise InvalidRequestContentError(
                "Could not parse request body into json: the payload is not valid JSON"
            )
        trace = self.trace_of(ctx, target)
        if invocation_type == "Event" and self.events is not None:
            # Durably queued before the 202; the request id is the invocation's, as on Lambda.
            # A chain past its limit is stopped when the event would run (its failure path).
            await self.events.accept(target, payload, ctx.request_id, tenant_id, trace)
            return {"StatusCode": 202}
        self.refuse_a_loop(trace, version, function, ctx.request_id)
        result = await self.execute(target.arn, version, function, reserved_total, payload,
                                    client_context=client_context, tenant_id=tenant_id,
                                    trace=trace)  # fmt: skip
        return _response(result, request.get("LogType") == "Tail")

    async def execute(
        self,
        invoked_arn: str,
        version: FunctionVersion,
        function: Function,
        reserved_total: int,
        payload: bytes,
        *,
        client_context: str | None = None,
        request_id: str | None = None,
        tenant_id: str | None = None,
        trace: TraceContext | None = None,
        response_sink: ResponseSink | None = None,
    ) -> InvocationResult:
        """Run one invocation of `version` within the concurrency limits, counting it.

        Shared by synchronous Invoke and the asynchronous event pollers. A tenant-isolated
        function runs only in environments of `tenant_id` (checked here too: fail closed).
        """
        if self._runner is None:
            raise ResourceNotReadyError("Function execution is not available on this server.")
        tenant_id = tenancy.invocation_tenant(version.config, tenant_id)
        spec = await self.spec_for(version)
        if tenant_id is not None:
            spec = replace(spec, tenant_id=tenant_id)
        call = InvocationRequest(
            request_id=request_id or self._request_ids(),
            invoked_function_arn=invoked_arn,
            payload=payload,
            client_context=client_context,
            tenant_id=tenant_id,
            trace_id=None if trace is None else trace.header(),
            trace=trace,
            response_sink=response_sink,
        )
        key = (version.account_id, version.function_name, version.version)
        try:
            with self._gate.slot(function, reserved_total):
                self.counters.started(key)
                failed = True
                try:
                    result = await self._runner.invoke(spec, call)
                    failed = result.function_error is not None
                finally:
                    self.counters.finished(key, error=failed)
        except TooManyRequestsError:
            self.counters.throttled(key)
            raise
        except CapacityError as exc:
            self.counters.throttled(key)
            raise TooManyRequestsError("Rate Exceeded.") from exc
        except SandboxError as exc:
            raise ResourceNotReadyError(
                "The function could not be started. Please try again."
            ) from exc
        return result

    async def spec_for(self, version: FunctionVersion) -> EnvironmentSpec:
        """What an environment for `version` needs, with the role's current credentials."""
        role = version.config.role
        credentials = self._sessions.cached(role, version.function_name)
        if credentials is None:  # a miss writes a new session to the store: off the loop
            credentials = await asyncio.to_thread(
                self._sessions.credentials, version.account_id, role, version.function_name
            )
        function_arn = version.unqualified_arn(self._deps.region)
        variables = await self._deps.environments.for_function(
            credentials.principal, function_arn, version.config
        )
        return self._spec(version, self._deps.artifacts, credentials, variables)

    @property
    def role_sessions(self) -> RoleSessions:
        return self._sessions

    @property
    def runner(self) -> FunctionRunner | None:
        return self._runner

    @property
    def deps(self) -> LambdaDeps:
        return self._deps

    @property
    def gate(self) -> ConcurrencyGate:
        return self._gate

    def new_request_id(self) -> str:
        return self._request_ids()

    def trace_of(self, ctx: RequestContext, target: names.Target) -> TraceContext:
        """The invocation's trace: the caller's chain continued by this function."""
        return self.recursion.trace_for(ctx.caller_trace, self._unqualified_arn(target))

    def refuse_a_loop(
        self, trace: TraceContext, version: FunctionVersion, function: Function, request_id: str
    ) -> None:
        """A synchronous run past the recursion limit is refused (counted and logged)."""
        if self.recursion.stops(trace, function):
            key = (version.account_id, version.function_name, version.version)
            self.recursion.stopped(key, version.config.log_group, request_id, trace)
            raise RecursiveInvocationError(STOPPED_MESSAGE)

    def _unqualified_arn(self, target: names.Target) -> str:
        return names.Target(target.account_id, target.name, None, self._deps.region).arn

    def route(self, alias: Alias) -> str:
        """The version a weighted alias sends this invocation to."""
        return self._route(alias)

    def _route(self, alias: Alias) -> str:
        draw = self._routing.random()
        for version, weight in alias.routing.items():
            if draw < weight:
                return version
            draw -= weight
        return alias.function_version

    def _spec(
        self,
        version: FunctionVersion,
        artifacts: ArtifactStore,
        credentials: RoleCredentials,
        variables: Mapping[str, str],
    ) -> EnvironmentSpec:
        config = version.config
        runtime = runtime_management.runtime_source(self._deps, version)
        return EnvironmentSpec(
            account_id=version.account_id,
            function_name=version.function_name,
            function_arn=names.Target(
                version.account_id, version.function_name, None, self._deps.region
            ).arn,
            version=version.version,
            # A new revision of $LATEST, a different version or runtime version never reuses
            # an environment.
            config_key=f"{version.version}:{version.revision_id}:{runtime.digest[:16]}"
            if runtime is not None
            else f"{version.version}:{version.revision_id}",
            runtime=Runtime(config.runtime),
            handler=config.handler,
            memory_mb=config.memory_size,
            timeout_s=config.timeout,
            ephemeral_storage_mb=config.ephemeral_storage,
            code=_source(version.account_id, version.code, artifacts),
            region=self._deps.region,
            environment={**variables, **credentials.environment()},
            layers=tuple(
                _source(version.account_id, layer.code, artifacts) for layer in config.layers
            ),
            log_group=config.log_group or f"/aws/lambda/{version.function_name}",
            vpc=vpc_config.placement(
                version.account_id,
                config.vpc,
                function_arn(self._deps.region, version.account_id, version.function_name),
            ),
            log_controls=logging_config.controls(config),
            keep_alive_s=self._keep_alive_s,
            # An environment never outlives the credentials it starts with.
            max_lifetime_s=min(self._max_lifetime_s, self._sessions.lifetime_s(credentials)),
            runtime_version=runtime,
        )


def _source(account_id: str, code: Code, artifacts: ArtifactStore) -> CodeSource:
    digest = code.sha256
    return CodeSource(key=f"{account_id}/{digest}", fetch=lambda: artifacts.get(digest))


def _response(result: InvocationResult, tail: bool) -> dict[str, Any]:
    payload = result.payload
    function_error = result.function_error
    if len(payload) > limits.SYNC_PAYLOAD_BYTES_MAX:
        payload, function_error = RESPONSE_TOO_LARGE.encode(), "Unhandled"
    response: dict[str, Any] = {
        "StatusCode": 200,
        "ExecutedVersion": result.executed_version,
        "Payload": payload,
    }
    if function_error:
        response["FunctionError"] = function_error
    if tail:
        response["LogResult"] = base64.b64encode(result.log_tail[-LOG_TAIL_BYTES:]).decode()
    return response


def _refuse_unsupported(request: shapes.InvocationRequest) -> None:
    if request.get("DurableExecutionName"):
        raise InvalidParameterValueError(
            "DurableExecutionName is not supported by Stockade: durable functions are not"
            " supported."
        )


def _check_client_context(value: str) -> None:
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidParameterValueError(_BAD_CLIENT_CONTEXT) from exc
    if not _is_json(decoded) or not decoded.strip().startswith(b"{"):
        raise InvalidParameterValueError(_BAD_CLIENT_CONTEXT)


def _is_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return False
    return True


# Shared with InvokeWithResponseStream (invoke_stream.py), which refuses what Invoke refuses.
check_client_context = _check_client_context
is_json = _is_json
