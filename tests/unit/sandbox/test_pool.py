"""Pool and environment behaviour against the fake backend (real Runtime API, no processes)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from stockade.clock import FakeClock
from stockade.sandbox import (
    CapacityError,
    EnvironmentPool,
    InMemoryLogSink,
    PlacementClosedError,
    PoolSettings,
    Runtime,
)
from stockade.sandbox.backends.fake import FakeBackend, FakeContext, FakeHandler, GuestCrash
from tests.sandbox.support import make_request, make_spec, make_zip

CODE = make_zip({"app.py": "# fake backend: the handler table below is the code"})
Scenario = Callable[[EnvironmentPool, FakeBackend, InMemoryLogSink, FakeClock], Awaitable[None]]


async def counting(event: bytes, ctx: FakeContext) -> bytes:
    count = int(str(ctx.state.get("count", 0))) + 1
    ctx.state["count"] = count
    ctx.log(f"invocation {count}")
    return json.dumps({"count": count, "env": ctx.env_id}).encode()


async def failing(event: bytes, ctx: FakeContext) -> bytes:
    raise ValueError("boom")


async def hanging(event: bytes, ctx: FakeContext) -> bytes:
    await asyncio.sleep(3600)
    return b""


async def exiting(event: bytes, ctx: FakeContext) -> bytes:
    raise GuestCrash(1 << 8)


async def oom(event: bytes, ctx: FakeContext) -> bytes:
    raise GuestCrash(9, oom_killed=True)


async def environment_dump(event: bytes, ctx: FakeContext) -> bytes:
    return json.dumps(dict(ctx.environment)).encode()


HANDLERS: dict[str, FakeHandler] = {
    "app.handler": counting,
    "app.fail": failing,
    "app.hang": hanging,
    "app.exit": exiting,
    "app.oom": oom,
    "app.env": environment_dump,
}


def run(
    scenario: Scenario,
    settings: PoolSettings | None = None,
    handlers: dict[str, FakeHandler] | None = None,
) -> FakeBackend:
    backend = FakeBackend(handlers or HANDLERS)
    sink = InMemoryLogSink()
    clock = FakeClock()

    async def main() -> None:
        pool = EnvironmentPool.local(backend, sink, settings=settings, clock=clock)
        await pool.start()
        try:
            await asyncio.wait_for(scenario(pool, backend, sink, clock), 30)
        finally:
            await pool.close()

    asyncio.run(main())
    return backend


def body(payload: bytes) -> dict[str, Any]:
    value = json.loads(payload)
    assert isinstance(value, dict)
    return value


def test_warm_invocations_reuse_one_environment_and_keep_its_globals() -> None:
    async def scenario(pool: EnvironmentPool, backend: FakeBackend, *_: object) -> None:
        spec = make_spec(CODE)
        first = await pool.invoke(spec, make_request(spec))
        second = await pool.invoke(spec, make_request(spec))
        assert body(first.payload)["count"] == 1
        assert body(second.payload)["count"] == 2
        assert body(first.payload)["env"] == body(second.payload)["env"]
        assert first.init_duration_ms is not None
        assert second.init_duration_ms is None
        assert len(backend.launches) == 1

    run(scenario)


@pytest.mark.parametrize(
    "other",
    [{"version": "2"}, {"name": "other"}, {"account": "210987654321"}, {"config_key": "c2"}],
    ids=["version", "function", "account", "configuration"],
)
def test_environments_are_never_shared_across_warm_keys(other: dict[str, str]) -> None:
    async def scenario(pool: EnvironmentPool, backend: FakeBackend, *_: object) -> None:
        one = make_spec(CODE)
        two = make_spec(CODE, **other)  # type: ignore[arg-type]
        a = await pool.invoke(one, make_request(one))
        b = await pool.invoke(two, make_request(two))
        assert body(a.payload)["env"] != body(b.payload)["env"]
        assert body(b.payload)["count"] == 1
        assert len(backend.launches) == 2

    run(scenario)


def test_concurrent_invocations_get_one_environment_each_serving_one_at_a_time() -> None:
    in_flight: dict[str, int] = {}
    peak: dict[str, int] = {}

    async def slow(event: bytes, ctx: FakeContext) -> bytes:
        in_flight[ctx.env_id] = in_flight.get(ctx.env_id, 0) + 1
        peak[ctx.env_id] = max(peak.get(ctx.env_id, 0), in_flight[ctx.env_id])
        await asyncio.sleep(0.05)
        in_flight[ctx.env_id] -= 1
        return b"{}"

    async def scenario(pool: EnvironmentPool, backend: FakeBackend, *_: object) -> None:
        spec = make_spec(CODE, handler="app.slow")
        await asyncio.gather(*(pool.invoke(spec, make_request(spec)) for _ in range(5)))
        assert len(backend.launches) == 5
        assert pool.stats().idle == 5
        await asyncio.gather(*(pool.invoke(spec, make_request(spec)) for _ in range(5)))
        assert len(backend.launches) == 5  # all five were warm
        assert set(peak.values()) == {1}

    run(scenario, handlers={"app.slow": slow})


def test_function_error_is_a_result_and_the_environment_stays_warm() -> None:
    async def scenario(pool: EnvironmentPool, backend: FakeBackend, *_: object) -> None:
        spec = make_spec(CODE, handler="app.fail")
        first = await pool.invoke(spec, make_request(spec))
        await pool.invoke(spec, make_request(spec))
        assert first.function_error == "Unhandled"
        assert first.error_type == "ValueError"
        assert body(first.payload)["errorMessage"] == "boom"
        assert len(backend.launches) == 1

    run(scenario)


def test_timeout_returns_lambdas_error_and_discards_the_environment() -> None:
    async def scenario(pool: EnvironmentPool, backend: FakeBackend, *_: object) -> None:
        spec = make_spec(CODE, handler="app.hang", timeout_s=1)
        request = make_request(spec)
        result = await pool.invoke(spec, request)
        assert result.error_type == "Sandbox.Timedout"
        assert result.function_error == "Unhandled"
        message = body(result.payload)["errorMessage"]
        assert message.endswith(f" {request.request_id} Task timed out after 1.00 seconds")
        assert result.duration_ms >= 1000
        await pool.invoke(spec, make_request(spec))
        assert len(backend.launches) == 2

    run(scenario)


def test_runtime_exit_is_exit_error_and_discards_the_environment() -> None:
    async def scenario(pool: EnvironmentPool, backend: FakeBackend, *_: object) -> None:
        spec = make_spec(CODE, handler="app.exit")
        result = await pool.invoke(spec, make_request(spec))
        assert result.error_type == "Runtime.ExitError"
        assert "Runtime exited with error: exit status 1" in body(result.payload)["errorMessage"]
        await pool.invoke(spec, make_request(spec))
        assert len(backend.launches) == 2

    run(scenario)


def test_out_of_memory_is_reported_as_lambda_does() -> None:
    async def scenario(pool: EnvironmentPool, *_: object) -> None:
        spec = make_spec(CODE, handler="app.oom")
        result = await pool.invoke(spec, make_request(spec))
        assert result.error_type == "Runtime.OutOfMemory"
        assert body(result.payload)["errorMessage"].endswith(
            "Runtime exited with error: signal: killed"
        )

    run(scenario)


def test_init_failure_is_reported_and_the_environment_discarded() -> None:
    async def scenario(pool: EnvironmentPool, backend: FakeBackend, *_: object) -> None:
        spec = make_spec(CODE, handler="app.missing")
        result = await pool.invoke(spec, make_request(spec))
        assert result.error_type == "Runtime.HandlerNotFound"
        assert result.init_duration_ms is not None
        await pool.drain_stopping()
        assert pool.stats().total == 0

    run(scenario)


def test_custom_runtime_without_bootstrap_is_invalid_entrypoint() -> None:
    async def scenario(pool: EnvironmentPool, backend: FakeBackend, *_: object) -> None:
        spec = make_spec(CODE, runtime=Runtime.PROVIDED_AL2023)
        result = await pool.invoke(spec, make_request(spec))
        assert result.error_type == "Runtime.InvalidEntrypoint"
        assert backend.launches == []
        assert pool.stats().total == 0

    run(scenario)


def test_capacity_bound_raises_when_every_environment_is_busy() -> None:
    async def scenario(pool: EnvironmentPool, *_: object) -> None:
        spec = make_spec(CODE, handler="app.hang", timeout_s=2)
        busy = [asyncio.ensure_future(pool.invoke(spec, make_request(spec))) for _ in range(2)]
        await asyncio.sleep(0.1)
        with pytest.raises(CapacityError, match="maximum of 2"):
            await pool.invoke(spec, make_request(spec))
        for task in busy:
            task.cancel()
        await asyncio.gather(*busy, return_exceptions=True)

    run(scenario, PoolSettings(max_environments=2))


def test_idle_environment_of_another_function_is_evicted_to_make_room() -> None:
    async def scenario(pool: EnvironmentPool, backend: FakeBackend, *_: object) -> None:
        one, two = make_spec(CODE, name="one"), make_spec(CODE, name="two")
        await pool.invoke(one, make_request(one))
        result = await pool.invoke(two, make_request(two))
        assert result.function_error is None
        await pool.drain_stopping()
        stats = pool.stats()
        assert stats.idle == 1
        assert set(stats.by_key) == {two.warm_key}

    run(scenario, PoolSettings(max_environments=1))


def test_idle_environments_are_reaped_after_keep_alive() -> None:
    async def scenario(
        pool: EnvironmentPool, backend: FakeBackend, _: object, clock: FakeClock
    ) -> None:
        spec = make_spec(CODE, keep_alive_s=60)
        await pool.invoke(spec, make_request(spec))
        clock.advance(30)
        assert await pool.reap() == 0
        clock.advance(31)
        assert await pool.reap() == 1
        await pool.drain_stopping()
        assert pool.stats().total == 0
        await pool.invoke(spec, make_request(spec))
        assert len(backend.launches) == 2

    run(scenario)


def test_environment_past_max_lifetime_is_replaced() -> None:
    async def scenario(
        pool: EnvironmentPool, backend: FakeBackend, _: object, clock: FakeClock
    ) -> None:
        spec = make_spec(CODE, max_lifetime_s=100, keep_alive_s=1000)
        first = await pool.invoke(spec, make_request(spec))
        clock.advance(101)
        second = await pool.invoke(spec, make_request(spec))
        assert body(second.payload)["env"] != body(first.payload)["env"]
        assert second.init_duration_ms is not None

    run(scenario)


def test_cancelled_invocation_discards_its_environment() -> None:
    async def scenario(pool: EnvironmentPool, backend: FakeBackend, *_: object) -> None:
        spec = make_spec(CODE, handler="app.hang", timeout_s=30)
        task = asyncio.ensure_future(pool.invoke(spec, make_request(spec)))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await pool.drain_stopping()
        assert pool.stats().total == 0

    run(scenario)


def test_closed_pool_refuses_invocations_and_closes_the_backend() -> None:
    async def scenario(pool: EnvironmentPool, *_: object) -> None:
        spec = make_spec(CODE)
        await pool.invoke(spec, make_request(spec))
        await pool.close()
        with pytest.raises(PlacementClosedError):
            await pool.invoke(spec, make_request(spec))

    backend = run(scenario)
    assert backend.closed


def test_stats_count_idle_and_busy_per_key() -> None:
    async def scenario(pool: EnvironmentPool, *_: object) -> None:
        quick, slow = make_spec(CODE), make_spec(CODE, name="slow", handler="app.hang")
        await pool.invoke(quick, make_request(quick))
        task = asyncio.ensure_future(pool.invoke(slow, make_request(slow)))
        await asyncio.sleep(0.1)
        stats = pool.stats()
        assert (stats.idle, stats.busy) == (1, 1)
        assert stats.by_key[quick.warm_key].idle == 1
        assert stats.by_key[slow.warm_key].busy == 1
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    run(scenario)


def test_logs_go_to_the_function_log_group_with_platform_lines() -> None:
    async def scenario(pool: EnvironmentPool, _: object, sink: InMemoryLogSink, __: object) -> None:
        spec = make_spec(CODE, name="logger")
        request = make_request(spec)
        result = await pool.invoke(spec, request)
        ((group, stream),) = sink.streams
        assert group == "/aws/lambda/logger"
        assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", stream)
        lines = sink.lines("/aws/lambda/logger")
        assert lines[0] == f"START RequestId: {request.request_id} Version: $LATEST"
        assert lines[1] == "invocation 1"
        assert lines[2] == f"END RequestId: {request.request_id}"
        assert lines[3].startswith(f"REPORT RequestId: {request.request_id}\tDuration: ")
        assert "Init Duration: " in lines[3]
        assert result.log_tail.decode().splitlines() == lines

    run(scenario)


def test_guest_sees_lambdas_variables_and_never_the_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STOCKADE_HOST_SECRET", "do-not-leak")

    async def scenario(pool: EnvironmentPool, *_: object) -> None:
        spec = make_spec(CODE, handler="app.env", environment={"MY_VAR": "1", "AWS_REGION": "x"})
        env = body((await pool.invoke(spec, make_request(spec))).payload)
        assert "STOCKADE_HOST_SECRET" not in env
        assert env["MY_VAR"] == "1"
        assert env["AWS_REGION"] == "us-east-1"  # Lambda's reserved variables win
        for name in (
            "AWS_LAMBDA_FUNCTION_NAME",
            "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            "AWS_DEFAULT_REGION",
            "AWS_LAMBDA_RUNTIME_API",
            "_HANDLER",
            "LAMBDA_TASK_ROOT",
            "LAMBDA_RUNTIME_DIR",
            "AWS_LAMBDA_LOG_GROUP_NAME",
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "AWS_EXECUTION_ENV",
            "TZ",
            "LANG",
            "PATH",
            "LD_LIBRARY_PATH",
            "AWS_LAMBDA_INITIALIZATION_TYPE",
            "AWS_ENDPOINT_URL",
        ):
            assert name in env, name
        assert env["TZ"] == ":UTC"
        assert env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"

    run(scenario)


def test_steady_state_limits_apply_once_init_is_done() -> None:
    async def scenario(pool: EnvironmentPool, backend: FakeBackend, *_: object) -> None:
        spec = make_spec(CODE)
        await pool.invoke(spec, make_request(spec))
        assert backend.processes[0].settled

    run(scenario)


def test_spec_and_request_reprs_hide_secrets() -> None:
    spec = make_spec(CODE, environment={"PASSWORD": "hunter2"})
    request = make_request(spec, b'{"card": "4111"}')
    assert "hunter2" not in repr(spec)
    assert "4111" not in repr(request)


def test_init_longer_than_the_init_limit_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    from stockade.sandbox import environment
    from stockade.sandbox.backend import LaunchConfig

    monkeypatch.setattr(environment, "INIT_LIMIT_S", 0.2)

    async def slow_init(config: LaunchConfig) -> None:
        await asyncio.sleep(30)

    backend = FakeBackend(HANDLERS, init=slow_init)
    clock = FakeClock()

    async def main() -> None:
        pool = EnvironmentPool.local(backend, InMemoryLogSink(), clock=clock)
        await pool.start()
        try:
            spec = make_spec(CODE)
            result = await pool.invoke(spec, make_request(spec))
            assert result.error_type == "Sandbox.Timedout"
            assert "Task timed out after 0.20 seconds" in body(result.payload)["errorMessage"]
            assert result.init_duration_ms is not None
            await pool.drain_stopping()
            assert pool.stats().total == 0
        finally:
            await pool.close()

    asyncio.run(main())


def test_failing_api_connection_handler_never_breaks_the_environment() -> None:
    import socket

    from stockade.sandbox import ChannelOrigin
    from stockade.sandbox.sdk_channel import SdkChannel

    calls: list[ChannelOrigin] = []

    def broken(conn: socket.socket, origin: ChannelOrigin) -> bool:
        calls.append(origin)
        raise RuntimeError("api side failed")

    async def main() -> None:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        channel = SdkChannel(
            listener, broken, ChannelOrigin("111122223333", "e1"), asyncio.get_running_loop()
        )
        channel.start()
        client = socket.create_connection(listener.getsockname())
        await asyncio.sleep(0.05)
        channel.accept_ready()
        channel.close()
        client.close()
        listener.close()

    asyncio.run(main())
    assert calls == [ChannelOrigin("111122223333", "e1")]


def test_provisioned_environments_are_ready_first_kept_and_replaced() -> None:
    async def scenario(
        pool: EnvironmentPool, backend: FakeBackend, _: object, clock: FakeClock
    ) -> None:
        spec = make_spec(CODE, keep_alive_s=60)
        assert await pool.provision(spec, 2) is None
        assert pool.provisioned_count(spec.warm_key) == 2
        assert pool.stats().idle == 2
        served = await pool.invoke(spec, make_request(spec))
        assert served.init_duration_ms is None  # initialised ahead: no Init Duration
        clock.advance(3600)  # far past keep-alive: provisioned environments stay
        assert await pool.reap() == 0
        assert pool.provisioned_count(spec.warm_key) == 2
        pool.unprovision(spec.warm_key)
        clock.advance(61)
        assert await pool.reap() == 2  # now ordinary: they age out

    run(scenario)


def test_provisioning_reports_an_init_failure() -> None:
    async def scenario(pool: EnvironmentPool, *_: object) -> None:
        spec = make_spec(CODE, handler="app.missing")
        failure = await pool.provision(spec, 1)
        assert failure is not None
        assert pool.provisioned_count(spec.warm_key) == 0

    run(scenario)


def test_burst_scale_up_is_limited_per_function_and_refills() -> None:
    async def scenario(pool: EnvironmentPool, _: object, __: object, clock: FakeClock) -> None:
        spec = make_spec(CODE, handler="app.hang", timeout_s=1)
        other = make_spec(CODE, name="other")
        # Two launches allowed per 10 s; both environments stay busy (hanging handler).
        first = [asyncio.create_task(pool.invoke(spec, make_request(spec))) for _ in range(2)]
        await asyncio.sleep(0.2)
        with pytest.raises(CapacityError, match="burst scale-up"):
            await pool.invoke(spec, make_request(spec))
        assert (await pool.invoke(other, make_request(other))).function_error is None
        clock.advance(5)  # one token back
        for task in first:
            task.cancel()
        await asyncio.gather(*first, return_exceptions=True)
        assert (await pool.invoke(spec, make_request(spec))).payload

    run(scenario, settings=PoolSettings(scale_up_per_10s=2))
