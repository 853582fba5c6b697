"""One execution environment: init, one invocation at a time, shutdown.

Owns the sandbox process, its Runtime API server and its log stream. Function failures become
`InvocationResult`s; after a timeout, crash or out-of-memory the environment is dead and the
pool discards it. Lifecycle moves go through `states.Lifecycle` (illegal ones raise).

The function's output is read under its own rates (`output_reader`) and handed to the sink as
it accumulates: at once outside an invocation (init, or a thread still writing after the
handler returned), in batches of `logs.DELIVER_BYTES` during one, and at its END.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from stockade.clock import Clock
from stockade.domain.trace import TraceContext
from stockade.sandbox import function_errors, logs
from stockade.sandbox.backend import GuestExit, LaunchConfig, SandboxBackend, SandboxProcess
from stockade.sandbox.errors import TenantMismatchError
from stockade.sandbox.guest_env import lambda_environment
from stockade.sandbox.output_meter import OutputMeter, OutputRates
from stockade.sandbox.output_reader import OutputReader
from stockade.sandbox.platform_log import ERROR, FAILURE, SUCCESS, TIMEOUT, PlatformLog, Report
from stockade.sandbox.runtime_api import routes
from stockade.sandbox.runtime_api.server import RuntimeApiServer
from stockade.sandbox.runtime_api.session import Invocation, Outcome, RuntimeSession
from stockade.sandbox.sdk_channel import ApiConnectionHandler, ChannelOrigin, SdkChannel
from stockade.sandbox.spec import EnvironmentSpec, InvocationRequest, InvocationResult, WarmKey
from stockade.sandbox.states import EnvState, Lifecycle

INIT_LIMIT_S = 10.0  # Lambda's init phase limit for on-demand environments
SHUTDOWN_GRACE_S = 0.5

# Environments built without rates (unit tests of other parts) are bounded only by the buffers.
_UNMETERED = OutputRates(
    bytes_per_s=float(1 << 40),
    events_per_s=float(1 << 40),
    burst_bytes=1 << 40,
    burst_events=1 << 40,
)


class Environment:
    def __init__(
        self,
        spec: EnvironmentSpec,
        env_id: str,
        backend: SandboxBackend,
        log_sink: logs.LogSink,
        clock: Clock,
        on_api_connection: ApiConnectionHandler | None = None,
        on_teardown: Callable[[], None] | None = None,
        output_rates: OutputRates | None = None,
        read_buffer: bytearray | None = None,
    ) -> None:
        self.spec = spec
        self.env_id = env_id
        self._backend = backend
        self._sink = log_sink
        self._clock = clock
        self._on_api_connection = on_api_connection
        self._on_teardown = on_teardown
        self.lifecycle = Lifecycle()
        self.log_stream = logs.log_stream_name(clock.now(), spec.version)
        self._lines = logs.LineBuffer(spec.log_controls.keeps_application)
        self._platform = PlatformLog(spec.log_controls, spec.version, spec.tenant_id)
        self._tail = logs.Tail()
        self._in_invocation = False
        self._output_rates = output_rates or _UNMETERED
        self._output: OutputReader | None = None
        self._read_buffer = read_buffer  # shared by the environments of one event loop
        self._process: SandboxProcess | None = None
        self._server: RuntimeApiServer | None = None
        self._sdk: SdkChannel | None = None
        self._session: RuntimeSession | None = None
        # The trace of the invocation running (or last run) here: the SDK channel's calls
        # count their hops from it, whatever header the guest sends.
        self._trace: TraceContext | None = None
        self._init_ms: float | None = None
        self._init_reported = False
        self._launch_started = 0.0
        self.created_at = clock.monotonic()
        self.last_used = self.created_at
        self.provisioned = False  # kept initialised by the pool for provisioned concurrency

    def __repr__(self) -> str:
        where = f"{self.spec.function_name}:{self.spec.version}"
        return f"Environment({self.env_id}, {where}, {self.state.value})"

    @property
    def state(self) -> EnvState:
        return self.lifecycle.state

    @property
    def warm_key(self) -> WarmKey:
        return self.spec.warm_key

    def expired(self, now: float) -> bool:
        return now - self.created_at >= self.spec.max_lifetime_s

    # -- start ------------------------------------------------------------------------------
    async def start(self, code_dir: Path, opt_dir: Path | None) -> None:
        """Launch the sandbox; init continues in the background until the runtime's first `next`."""
        self.lifecycle.move(EnvState.INITIALIZING)
        self._launch_started = time.monotonic()
        self._session = RuntimeSession()
        spec = self.spec
        config = LaunchConfig(
            env_id=self.env_id,
            account_id=spec.account_id,
            runtime=spec.runtime,
            handler=spec.handler,
            memory_mb=spec.memory_mb,
            ephemeral_storage_mb=spec.ephemeral_storage_mb,
            code_dir=code_dir,
            opt_dir=opt_dir,
            build_environment=lambda layout: lambda_environment(spec, self.log_stream, layout),
            vpc=spec.vpc,
            function_name=spec.function_name,
        )
        try:
            if spec.runtime_version is not None:  # a kept version, checked against its digest
                files = await asyncio.to_thread(spec.runtime_version.load)
                config = replace(config, runtime_files=files)
            self._process = await self._backend.launch(config)
            loop = asyncio.get_running_loop()
            meter = OutputMeter(self._output_rates, loop.time())
            self._output = OutputReader(
                self._process.log_fd,
                meter,
                self._lines,
                self._now_ms,
                self._on_output,
                self._read_buffer,
            )
            self._output.start()
            self._server = RuntimeApiServer(self._session)
            await self._server.start(self._process.runtime_api_socket)
            sdk = self._process.sdk_api_socket
            if sdk is not None:
                if self._on_api_connection is None:
                    sdk.close()  # nobody serves it: connects are refused instead of hanging
                else:
                    origin = ChannelOrigin(
                        spec.account_id,
                        self.env_id,
                        self.current_trace,
                        self._process.channel_reach,
                    )
                    self._sdk = SdkChannel(sdk, self._on_api_connection, origin, loop)
                    self._sdk.start()
        except BaseException:
            await self._teardown()
            raise

    def current_trace(self) -> TraceContext | None:
        return self._trace

    def _on_output(self) -> None:
        """New lines are buffered: outside an invocation they go to the sink now, during one
        once a batch is worth it (the END of the invocation delivers the rest)."""
        if not self._in_invocation or self._lines.buffered_bytes >= logs.DELIVER_BYTES:
            self._deliver()

    def _deliver(self) -> None:
        events = self._lines.take()
        if not events:
            return
        if self._in_invocation:
            self._tail.extend(events)
        self._sink.append(self.spec.account_id, self.spec.log_group, self.log_stream, events)

    def _drain_logs(self) -> None:
        if self._output is not None:
            self._output.settle()
        self._lines.flush_partial(self._now_ms())

    def _now_ms(self) -> int:
        return int(self._clock.now().timestamp() * 1000)

    # -- invoke -----------------------------------------------------------------------------
    async def invoke(self, request: InvocationRequest) -> InvocationResult:
        """Run one invocation; never raises for function failures (see module docstring)."""
        if self._session is None or self._process is None:
            raise RuntimeError("environment was not started")
        spec = self.spec
        if request.tenant_id != spec.tenant_id:  # dedicated to one tenant, whatever the caller
            raise TenantMismatchError("the environment is dedicated to another tenant")
        rid = request.request_id
        if request.trace is not None:  # kept after the invocation: a late call still counts
            self._trace = request.trace
        self._deliver()  # what came before this invocation is not part of it
        self._tail.reset()
        self._in_invocation = True  # a cold start's init output is, as on Lambda's log tail
        if self.state is EnvState.INITIALIZING:
            early = await self._await_init(rid)
            if early is not None:
                return early
        self.lifecycle.move(EnvState.INVOKING)
        started = time.monotonic()
        deadline = request.deadline if request.deadline is not None else started + spec.timeout_s
        budget = max(0.0, deadline - started)
        self._add_lines(self._platform.start(self._clock.now(), rid))
        invocation = Invocation(
            request_id=rid,
            deadline_epoch_ms=self._now_ms() + int(budget * 1000),
            invoked_function_arn=request.invoked_function_arn,
            payload=request.payload,
            trace_id=routes.trace_header(request.trace_id),
            client_context_json=routes.client_context_header(request.client_context),
            cognito_identity_json=routes.compact_json_header(request.cognito_identity),
            tenant_id=request.tenant_id,
            sink=request.response_sink,
        )
        outcome_f = self._session.deliver(invocation)
        exit_f = asyncio.ensure_future(self._process.wait_exit())
        waiters: set[asyncio.Future[Outcome] | asyncio.Future[GuestExit]] = {outcome_f, exit_f}
        try:
            await asyncio.wait(waiters, timeout=budget, return_when=asyncio.FIRST_COMPLETED)
        finally:
            exit_f.cancel()
        duration_ms = (time.monotonic() - started) * 1000
        if outcome_f.done():
            outcome = outcome_f.result()
            self._drain_logs()
            error_type = outcome.error_type if outcome.is_error else None
            result = self._finish(rid, outcome.payload, error_type, duration_ms, keep=True)
            return dataclasses.replace(result, streamed=outcome.streamed)
        if exit_f.done() and not exit_f.cancelled():
            return self._crashed(rid, exit_f.result(), duration_ms)
        return self._timed_out(rid, duration_ms, float(spec.timeout_s))

    async def prewarm(self) -> str | None:
        """Run init ahead of any invocation (provisioned concurrency); None when ready, else
        why it failed. Invocations served afterwards report no Init Duration, as on Lambda."""
        if self.state is not EnvState.INITIALIZING:
            return None if self.state is EnvState.IDLE else f"environment is {self.state.value}"
        failed = await self._await_init("provisioning")
        if failed is not None:
            return f"{failed.error_type or 'Runtime.Unknown'}: init failed"
        self._init_reported = True  # the init happened before any request, as on Lambda
        return None

    async def _await_init(self, rid: str) -> InvocationResult | None:
        assert self._session is not None
        assert self._process is not None
        init_f = self._session.init_result
        exit_f = asyncio.ensure_future(self._process.wait_exit())
        remaining = INIT_LIMIT_S - (time.monotonic() - self._launch_started)
        waiters: set[asyncio.Future[Outcome | None] | asyncio.Future[GuestExit]] = {init_f, exit_f}
        try:
            await asyncio.wait(
                waiters, timeout=max(0.0, remaining), return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            exit_f.cancel()
        self._init_ms = (time.monotonic() - self._launch_started) * 1000
        if init_f.done() and not init_f.cancelled():
            failed = init_f.result()
            if failed is None:
                self._process.settle()
                self.lifecycle.move(EnvState.IDLE)
                return None
            self._drain_logs()
            return self._finish(rid, failed.payload, failed.error_type, 0.0, keep=False)
        if exit_f.done() and not exit_f.cancelled():
            return self._crashed(rid, exit_f.result(), 0.0)
        return self._timed_out(rid, 0.0, INIT_LIMIT_S)

    def _crashed(self, rid: str, gone: GuestExit, duration_ms: float) -> InvocationResult:
        reason = gone.describe()
        payload, error_type = function_errors.runtime_exited(rid, reason, gone.oom_killed)
        self._drain_logs()
        self._add_lines(self._platform.exited(rid, reason, error_type))
        return self._finish(rid, payload, error_type, duration_ms, keep=False, status=FAILURE)

    def _timed_out(self, rid: str, duration_ms: float, limit_s: float) -> InvocationResult:
        assert self._process is not None
        self._process.kill()
        self._drain_logs()
        now = self._clock.now()
        self._add_lines(self._platform.timed_out(now, rid, limit_s))
        payload = function_errors.timed_out(now, rid, limit_s)
        return self._finish(
            rid,
            payload,
            function_errors.TIMEDOUT,
            max(duration_ms, limit_s * 1000),
            keep=False,
            status=TIMEOUT,
        )

    def _add_lines(self, lines: list[str]) -> None:
        now = self._now_ms()
        for line in lines:
            self._lines.add(line, now)

    def _finish(
        self,
        rid: str,
        payload: bytes,
        error_type: str | None,
        duration_ms: float,
        keep: bool,
        status: str | None = None,
    ) -> InvocationResult:
        """Platform lines, log delivery and the result; `error_type` None means success."""
        assert self._process is not None
        spec = self.spec
        billed = max(1, math.ceil(duration_ms))  # Lambda bills in 1 ms steps
        used_mb = math.ceil(self._process.memory_peak_bytes() / (1024 * 1024))
        init_ms = None if self._init_reported else self._init_ms
        self._init_reported = True
        report = Report(
            request_id=rid,
            status=status or (SUCCESS if error_type is None else ERROR),
            error_type=error_type,
            duration_ms=duration_ms,
            billed_ms=billed,
            memory_mb=spec.memory_mb,
            max_used_mb=used_mb,
            init_ms=init_ms,
            produced_bytes=len(payload),
        )
        self._add_lines(self._platform.finish(self._clock.now(), report))
        self._deliver()
        self._in_invocation = False
        log_tail = self._tail.value()
        self._tail.reset()
        self.last_used = self._clock.monotonic()
        if keep and self.state is EnvState.INVOKING:
            self.lifecycle.move(EnvState.IDLE)
        elif not keep and self.lifecycle.can(EnvState.SHUTTING_DOWN):
            self.lifecycle.move(EnvState.SHUTTING_DOWN)  # the pool finishes the teardown
        return InvocationResult(
            payload=payload,
            function_error="Unhandled" if error_type is not None else None,
            error_type=error_type,
            log_tail=log_tail,
            duration_ms=round(duration_ms, 2),
            billed_duration_ms=billed,
            init_duration_ms=round(init_ms, 2) if init_ms is not None else None,
            max_memory_used_mb=used_mb,
            executed_version=spec.version,
        )

    # -- shutdown ---------------------------------------------------------------------------
    async def shutdown(self, grace_s: float = SHUTDOWN_GRACE_S) -> None:
        """SIGTERM, up to `grace_s` for the guest to exit, SIGKILL; then free everything."""
        if self.state is EnvState.DEAD:
            return
        if self.lifecycle.can(EnvState.SHUTTING_DOWN):
            self.lifecycle.move(EnvState.SHUTTING_DOWN)
        try:
            if self._process is not None:
                await self._process.terminate(grace_s)
        finally:
            await self._teardown()

    def kill(self) -> None:
        """Immediate SIGKILL (a cancelled or abandoned invocation); `shutdown` still follows."""
        if self._process is not None:
            self._process.kill()
        if self.lifecycle.can(EnvState.SHUTTING_DOWN):
            self.lifecycle.move(EnvState.SHUTTING_DOWN)

    async def _teardown(self) -> None:
        try:
            if self._server is not None:
                await self._server.close()
            elif self._session is not None:
                self._session.close()
            if self._process is not None:
                self._drain_logs()
                self._in_invocation = False
                self._deliver()
                if self._output is not None:
                    self._output.close()
                if self._sdk is not None:
                    self._sdk.close()
                await self._process.release()
        finally:
            if self.state is not EnvState.DEAD:
                self.lifecycle.move(EnvState.DEAD)
            if self._on_teardown is not None:
                callback, self._on_teardown = self._on_teardown, None
                callback()
