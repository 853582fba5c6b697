"""The environment pool: warm reuse, one invocation per environment, bounds and reaping.

Rules (Lambda's):
  * an environment is reused only for the identical `WarmKey` (account, function ARN, version,
    configuration, tenant); never across versions, functions, accounts or tenants;
  * an environment serves one invocation at a time; with none idle, a new one is launched;
  * idle environments are shut down after their keep-alive, and every environment is drained
    and replaced once it reaches its maximum lifetime (it finishes its current invocation, is
    not reused, and the next request launches a fresh one);
  * after a timeout, crash or out-of-memory the environment is discarded;
  * at most `max_environments` exist at once (idle ones of other keys are evicted first);
    beyond that `CapacityError` is raised (the API answers TooManyRequestsException).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from stockade.clock import Clock, SystemClock
from stockade.sandbox import function_errors
from stockade.sandbox.backend import SandboxBackend
from stockade.sandbox.codecache import Extractor, default_extractor
from stockade.sandbox.entrypoint import EntrypointNotFoundError
from stockade.sandbox.environment import SHUTDOWN_GRACE_S, Environment
from stockade.sandbox.errors import CapacityError, PlacementClosedError, TenantMismatchError
from stockade.sandbox.limits import LimitsPolicy
from stockade.sandbox.logs import LogSink
from stockade.sandbox.placement import LocalPlacement, Placement
from stockade.sandbox.sdk_channel import ApiConnectionHandler
from stockade.sandbox.spec import EnvironmentSpec, InvocationRequest, InvocationResult, WarmKey
from stockade.sandbox.states import EnvState

_log = logging.getLogger(__name__)
SpecSource = Callable[[], Awaitable[EnvironmentSpec]]


@dataclass(frozen=True)
class PoolSettings:
    max_environments: int = 64
    reap_interval_s: float = 5.0
    shutdown_grace_s: float = SHUTDOWN_GRACE_S
    # Burst scale-up: new environments per function per 10 s (Lambda: 1,000), as a token
    # bucket refilled continuously. Warm environments are never limited.
    scale_up_per_10s: int = 1000


class ScaleUpLimiter:
    """Per-function token bucket for launching new environments."""

    def __init__(self, per_10s: int, clock: Clock) -> None:
        self._capacity = float(per_10s)
        self._rate = per_10s / 10.0
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # function ARN -> (tokens, at)

    def take(self, function_arn: str) -> bool:
        now = self._clock.monotonic()
        tokens, at = self._buckets.get(function_arn, (self._capacity, now))
        tokens = min(self._capacity, tokens + (now - at) * self._rate)
        if tokens < 1.0:
            self._buckets[function_arn] = (tokens, now)
            return False
        self._buckets[function_arn] = (tokens - 1.0, now)
        if len(self._buckets) > 100_000:  # bounded: forget full buckets first
            self._buckets = {k: v for k, v in self._buckets.items() if v[0] < self._capacity}
        return True


@dataclass(frozen=True)
class KeyStats:
    idle: int
    busy: int


@dataclass(frozen=True)
class PoolStats:
    idle: int  # initialised and waiting for an invocation
    busy: int  # initialising or invoking
    stopping: int  # being shut down (still holding resources)
    max_environments: int
    by_key: Mapping[WarmKey, KeyStats] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.idle + self.busy + self.stopping


class EnvironmentPool:
    def __init__(
        self, placement: Placement, settings: PoolSettings | None = None, clock: Clock | None = None
    ) -> None:
        self._placement = placement
        self._settings = settings or PoolSettings()
        self._clock = clock or SystemClock()
        self._idle: dict[WarmKey, list[Environment]] = {}
        self._busy: set[Environment] = set()
        self._stopping: set[Environment] = set()
        self._reserved = 0  # launches in flight, counted against the bound before they exist
        self._tasks: set[asyncio.Task[None]] = set()
        self._reaper: asyncio.Task[None] | None = None
        self._closed = False
        self._provisioned: dict[WarmKey, tuple[SpecSource, int]] = {}
        self._scale_up = ScaleUpLimiter(self._settings.scale_up_per_10s, self._clock)

    @classmethod
    def local(
        cls,
        backend: SandboxBackend,
        log_sink: LogSink,
        *,
        on_api_connection: ApiConnectionHandler | None = None,
        settings: PoolSettings | None = None,
        clock: Clock | None = None,
        extract: Extractor = default_extractor,
        limits: LimitsPolicy | None = None,
    ) -> EnvironmentPool:
        placement = LocalPlacement(
            backend,
            log_sink,
            clock=clock,
            on_api_connection=on_api_connection,
            extract=extract,
            limits=limits,
        )
        return cls(placement, settings, clock)

    # -- lifecycle of the pool --------------------------------------------------------------
    async def start(self) -> None:
        """Start the placement (raises SandboxUnavailableError naming a missing primitive)."""
        await self._placement.start()
        self._reaper = asyncio.get_running_loop().create_task(self._reap_forever())

    async def close(self) -> None:
        """Stop accepting work, shut every environment down, then the placement."""
        if self._closed:
            return
        self._closed = True
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
        for env in [e for envs in self._idle.values() for e in envs] + list(self._busy):
            self._discard(env)
        self._idle.clear()
        for _ in range(3):  # bounded: discards may spawn nothing new once closed
            if not self._tasks:
                break
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await self._placement.close()

    # -- provisioned concurrency -----------------------------------------------------------
    async def provision(
        self, spec: EnvironmentSpec, count: int, refresh: SpecSource | None = None
    ) -> str | None:
        """Keep `count` initialised environments for `spec.warm_key` (replacing the previous
        target for that key). Returns None once they are all ready, or why one failed.

        Provisioned environments are used first, are not reaped when idle, and are replaced
        when they die or reach their maximum lifetime; replacements are built from `refresh()`
        when given (fresh credentials), else from `spec`.
        """
        if self._closed:
            raise PlacementClosedError("the environment pool is closed")

        async def same() -> EnvironmentSpec:
            return spec

        self._provisioned[spec.warm_key] = (refresh or same, count)
        for env in self._live(spec.warm_key):
            env.provisioned = False
        kept = 0
        for env in self._idle.get(spec.warm_key, []):
            if kept < count:
                env.provisioned, kept = True, kept + 1
        results = await asyncio.gather(
            *(self._provision_one(spec) for _ in range(count - kept)), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                return f"{type(result).__name__}: {result}"
            if result is not None:
                return result
        return None

    def unprovision(self, key: WarmKey) -> None:
        """Stop keeping environments for `key`; the ones left age out like any other."""
        self._provisioned.pop(key, None)
        for env in self._live(key):
            env.provisioned = False
            env.last_used = self._clock.monotonic()

    def provisioned_count(self, key: WarmKey) -> int:
        return sum(1 for env in self._live(key) if env.provisioned)

    async def _provision_one(self, spec: EnvironmentSpec) -> str | None:
        if self._count() >= self._settings.max_environments and not self._evict_one_idle():
            return "the maximum number of execution environments is reached"
        self._reserved += 1
        try:
            env = await self._placement.launch(spec)
        except EntrypointNotFoundError as exc:
            return f"Runtime.InvalidEntrypoint: {exc}"
        finally:
            self._reserved -= 1
        failure = await env.prewarm()
        if failure is not None:
            self._discard(env)
            return failure
        env.provisioned = spec.warm_key in self._provisioned
        self._check_in(env)
        return None

    def _live(self, key: WarmKey) -> list[Environment]:
        return [*self._idle.get(key, []), *(e for e in self._busy if e.warm_key == key)]

    async def _replenish(self) -> None:
        for key, (source, count) in list(self._provisioned.items()):
            missing = count - self.provisioned_count(key)
            for _ in range(max(0, missing)):
                failure = await self._provision_one(await source())
                if failure is not None:
                    _log.warning("could not replace a provisioned environment: %s", failure)
                    break

    # -- invoke -----------------------------------------------------------------------------
    async def invoke(self, spec: EnvironmentSpec, request: InvocationRequest) -> InvocationResult:
        """Run one invocation in a warm environment for `spec.warm_key`, or a new one.

        Function failures are results; raises CapacityError, PlacementClosedError and
        EnvironmentStartError (a platform failure, not the function's).
        """
        if self._closed:
            raise PlacementClosedError("the environment pool is closed")
        if request.tenant_id != spec.tenant_id:  # the warm key carries the spec's tenant
            raise TenantMismatchError("the invocation's tenant is not the environment's")
        env = self._take_idle(spec.warm_key)
        if env is None:
            launched = await self._launch(spec, request)
            if isinstance(launched, InvocationResult):
                return launched
            env = launched
        self._busy.add(env)
        try:
            result = await env.invoke(request)
        except BaseException:
            # Cancelled (caller went away) or a bug: the guest may be mid-invocation, so it can
            # never be handed out again.
            self._busy.discard(env)
            env.kill()
            self._discard(env)
            raise
        self._busy.discard(env)
        self._check_in(env)
        return result

    def _take_idle(self, key: WarmKey) -> Environment | None:
        envs = self._idle.get(key)
        now = self._clock.monotonic()
        while envs:  # bounded by the idle list, which only shrinks here
            # Provisioned environments first; then the most recently used, so that the rest
            # age out sooner.
            ready = [i for i, e in enumerate(envs) if e.provisioned]
            env = envs.pop(ready[-1]) if ready else envs.pop()
            if env.state is EnvState.IDLE and not env.expired(now):
                if not envs:
                    del self._idle[key]
                return env
            self._discard(env)
        self._idle.pop(key, None)
        return None

    async def _launch(
        self, spec: EnvironmentSpec, request: InvocationRequest
    ) -> Environment | InvocationResult:
        if self._count() >= self._settings.max_environments and not self._evict_one_idle():
            raise CapacityError(
                f"the maximum of {self._settings.max_environments} execution environments "
                "is reached"
            )
        if not self._scale_up.take(spec.function_arn):
            raise CapacityError("the function's burst scale-up rate is exceeded")
        self._reserved += 1
        try:
            return await self._placement.launch(spec)
        except EntrypointNotFoundError as exc:
            return function_errors.invalid_entrypoint_result(request.request_id, spec.version, exc)
        finally:
            self._reserved -= 1

    def _check_in(self, env: Environment) -> None:
        if self._closed or env.state is not EnvState.IDLE or env.expired(self._clock.monotonic()):
            self._discard(env)
            return
        self._idle.setdefault(env.warm_key, []).append(env)

    def _count(self) -> int:
        idle = sum(len(envs) for envs in self._idle.values())
        return idle + len(self._busy) + len(self._stopping) + self._reserved

    def _evict_one_idle(self) -> bool:
        """Make room by shutting down the least recently used idle environment, if any."""
        oldest: Environment | None = None
        for envs in self._idle.values():
            for env in envs:
                if oldest is None or env.last_used < oldest.last_used:
                    oldest = env
        if oldest is None:
            return False
        self._remove_idle(oldest)
        self._discard(oldest)
        return True

    def _remove_idle(self, env: Environment) -> None:
        envs = self._idle.get(env.warm_key)
        if envs is not None and env in envs:
            envs.remove(env)
            if not envs:
                del self._idle[env.warm_key]

    def _discard(self, env: Environment) -> None:
        """Shut down in the background; the environment counts against the bound until dead."""
        if env in self._stopping:
            return
        self._stopping.add(env)

        async def stop() -> None:
            try:
                await env.shutdown(self._settings.shutdown_grace_s)
            except Exception:
                _log.exception("shutting down environment %s failed", env.env_id)
            finally:
                self._stopping.discard(env)

        task = asyncio.get_running_loop().create_task(stop())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- reaping ----------------------------------------------------------------------------
    async def reap(self) -> int:
        """Shut down idle environments past keep-alive or lifetime; returns how many."""
        now = self._clock.monotonic()
        victims = [
            env
            for envs in self._idle.values()
            for env in envs
            if env.state is not EnvState.IDLE
            or env.expired(now)
            or (not env.provisioned and now - env.last_used >= env.spec.keep_alive_s)
        ]
        for env in victims:
            self._remove_idle(env)
            self._discard(env)
        await self._placement.housekeeping()
        if not self._closed:
            await self._replenish()
        return len(victims)

    async def _reap_forever(self) -> None:
        while not self._closed:  # ends with the pool (cancelled by close)
            await asyncio.sleep(self._settings.reap_interval_s)
            try:
                await self.reap()
            except Exception:
                _log.exception("environment reaper failed")

    async def drain_stopping(self, timeout_s: float = 10.0) -> None:
        """Wait (bounded) until background shutdowns finish; for tests and orderly shutdown."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout_s)

    # -- observation ------------------------------------------------------------------------
    def stats(self) -> PoolStats:
        by_key: dict[WarmKey, list[int]] = {}
        for key, envs in self._idle.items():
            by_key.setdefault(key, [0, 0])[0] += len(envs)
        for env in self._busy:
            by_key.setdefault(env.warm_key, [0, 0])[1] += 1
        return PoolStats(
            idle=sum(len(envs) for envs in self._idle.values()),
            busy=len(self._busy) + self._reserved,
            stopping=len(self._stopping),
            max_environments=self._settings.max_environments,
            by_key=MappingProxyType({k: KeyStats(v[0], v[1]) for k, v in by_key.items()}),
        )
