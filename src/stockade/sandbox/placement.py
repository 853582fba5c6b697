"""Where environments are created: the `Placement` port and its local implementation.

The pool decides WHEN an environment is needed (no idle one for the warm key) and keeps reuse,
bounds and reaping; a placement decides WHERE and HOW one is built. `LocalPlacement` builds on
this host: code from the code cache, isolation from a `SandboxBackend`, logs to a `LogSink`
at the output rates the limits policy gives each environment's size.
A multi-host placement would implement the same Protocol.
"""

from __future__ import annotations

import secrets
from typing import Protocol

from stockade.clock import Clock, SystemClock
from stockade.sandbox.backend import SandboxBackend
from stockade.sandbox.codecache import CodeCache, CodeLease, Extractor, default_extractor
from stockade.sandbox.environment import Environment
from stockade.sandbox.limits import LimitsPolicy, default_policy_dir
from stockade.sandbox.logs import LogSink
from stockade.sandbox.output_reader import CHUNK_BYTES
from stockade.sandbox.sdk_channel import ApiConnectionHandler
from stockade.sandbox.spec import EnvironmentSpec


class Placement(Protocol):
    async def start(self) -> None:
        """Prepare (and check) the place; raises SandboxUnavailableError naming what is missing."""
        ...

    async def launch(self, spec: EnvironmentSpec) -> Environment:
        """A started environment (init runs on); raises EnvironmentStartError subclasses."""
        ...

    async def housekeeping(self) -> None:
        """Periodic cleanup of shared resources (called by the pool's reaper)."""
        ...

    async def close(self) -> None: ...


class LocalPlacement:
    def __init__(
        self,
        backend: SandboxBackend,
        log_sink: LogSink,
        *,
        clock: Clock | None = None,
        on_api_connection: ApiConnectionHandler | None = None,
        extract: Extractor = default_extractor,
        code_cache_ttl_s: float = 60.0,
        limits: LimitsPolicy | None = None,
    ) -> None:
        self.backend = backend
        self._limits = limits or LimitsPolicy.load(default_policy_dir() / "limits.json")
        # One read buffer for every environment's output: they are all read on one event loop.
        self._read_buffer = bytearray(CHUNK_BYTES)
        self._sink = log_sink
        self._clock = clock or SystemClock()
        self._on_api_connection = on_api_connection
        self._cache = CodeCache(backend.code_root, extract, code_cache_ttl_s)

    async def start(self) -> None:
        await self.backend.start()

    async def launch(self, spec: EnvironmentSpec) -> Environment:
        leases: list[CodeLease] = []

        def release_code() -> None:
            for lease in leases:
                self._cache.release(lease)
            leases.clear()

        try:
            leases.append(await self._cache.acquire(spec.account_id, (spec.code,)))
            if spec.layers:
                leases.append(await self._cache.acquire(spec.account_id, spec.layers))
        except BaseException:
            release_code()
            raise
        env = Environment(
            spec,
            secrets.token_hex(8),
            self.backend,
            self._sink,
            self._clock,
            on_api_connection=self._on_api_connection,
            on_teardown=release_code,
            output_rates=self._limits.output_rates(spec.memory_mb),
            read_buffer=self._read_buffer,
        )
        opt_dir = leases[1].path if len(leases) > 1 else None
        await env.start(leases[0].path, opt_dir)  # tears itself down (and releases) on failure
        return env

    async def housekeeping(self) -> None:
        await self._cache.evict_unused()

    async def close(self) -> None:
        await self._cache.evict_unused(force=True)
        await self.backend.close()
