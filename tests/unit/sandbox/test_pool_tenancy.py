"""Tenant isolation in the pool and the environment (fake backend, real Runtime API).

The warm key includes the tenant, so an environment is reused only by its own tenant; the pool
and the environment each refuse a request whose tenant is not the environment's, so that a bug
upstream cannot put one tenant's invocation into another's environment.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from typing import Any

import pytest

from stockade.clock import FakeClock
from stockade.sandbox import EnvironmentPool, InMemoryLogSink, LocalPlacement, PoolSettings
from stockade.sandbox.backends.fake import FakeBackend, FakeContext
from stockade.sandbox.errors import TenantMismatchError
from tests.sandbox.support import make_request, make_spec, make_zip

CODE = make_zip({"app.py": "# fake backend: the handler below is the code"})


async def served(event: bytes, ctx: FakeContext) -> bytes:
    tenants = ctx.state.setdefault("tenants", [])
    assert isinstance(tenants, list)
    tenants.append(ctx.tenant_id)
    return json.dumps({"env": ctx.env_id, "tenant": ctx.tenant_id, "tenants": tenants}).encode()


def body(payload: bytes) -> dict[str, Any]:
    value = json.loads(payload)
    assert isinstance(value, dict)
    return value


def test_each_tenant_has_its_own_warm_environments() -> None:
    backend = FakeBackend({"app.handler": served})

    async def main() -> None:
        pool = EnvironmentPool.local(backend, InMemoryLogSink(), clock=FakeClock())
        await pool.start()
        try:
            base = make_spec(CODE)
            specs = {t: replace(base, tenant_id=t) for t in ("a", "b", "A")}
            results = []
            for tenant in ("a", "b", "A", "a", "b", "A"):
                spec = specs[tenant]
                request = replace(make_request(spec), tenant_id=tenant)
                results.append((tenant, body((await pool.invoke(spec, request)).payload)))
            envs: dict[str, set[str]] = {}
            for tenant, result in results:
                assert result["tenant"] == tenant  # Lambda-Runtime-Aws-Tenant-Id reached it
                assert set(result["tenants"]) == {tenant}
                envs.setdefault(tenant, set()).add(result["env"])
            assert all(len(e) == 1 for e in envs.values())  # reused warm by its tenant
            assert len(set().union(*envs.values())) == 3  # never by another
            assert len(backend.launches) == 3
            assert {key.tenant_id for key in pool.stats().by_key} == {"a", "b", "A"}
        finally:
            await pool.close()

    asyncio.run(asyncio.wait_for(main(), 30))


@pytest.mark.parametrize(("spec_tenant", "request_tenant"), [("a", "b"), ("a", None), (None, "a")])
def test_the_pool_refuses_a_request_of_another_tenant_before_launching(
    spec_tenant: str | None, request_tenant: str | None
) -> None:
    backend = FakeBackend({"app.handler": served})

    async def main() -> None:
        pool = EnvironmentPool.local(backend, InMemoryLogSink(), clock=FakeClock())
        await pool.start()
        try:
            spec = replace(make_spec(CODE), tenant_id=spec_tenant)
            request = replace(make_request(spec), tenant_id=request_tenant)
            with pytest.raises(TenantMismatchError):
                await pool.invoke(spec, request)
            assert backend.launches == []
        finally:
            await pool.close()

    asyncio.run(asyncio.wait_for(main(), 30))


def test_an_environment_refuses_a_request_of_another_tenant() -> None:
    backend = FakeBackend({"app.handler": served})

    async def main() -> None:
        placement = LocalPlacement(backend, InMemoryLogSink(), clock=FakeClock())
        await placement.start()
        spec = replace(make_spec(CODE), tenant_id="a")
        env = await placement.launch(spec)
        try:
            with pytest.raises(TenantMismatchError) as exc:
                await env.invoke(replace(make_request(spec), tenant_id="b"))
            assert "b" not in str(exc.value).split()  # names no tenant
            ok = await env.invoke(replace(make_request(spec), tenant_id="a"))
            assert body(ok.payload)["tenants"] == ["a"]  # the refused request never ran
        finally:
            await env.shutdown(0.1)
            await placement.close()

    asyncio.run(asyncio.wait_for(main(), 30))


def test_many_tenants_stay_within_the_bound_and_evictions_never_mix_them() -> None:
    # A flood of tenant ids cannot grow the pool past its bound: idle environments of other
    # tenants are shut down (least recently used first), never handed to a new tenant.
    backend = FakeBackend({"app.handler": served})

    async def main() -> None:
        pool = EnvironmentPool.local(
            backend, InMemoryLogSink(), settings=PoolSettings(max_environments=2), clock=FakeClock()
        )
        await pool.start()
        try:
            base = make_spec(CODE)
            envs: dict[str, str] = {}
            for tenant in ("a", "b", "c", "a"):  # bounded: four calls
                spec = replace(base, tenant_id=tenant)
                request = replace(make_request(spec), tenant_id=tenant)
                result = body((await pool.invoke(spec, request)).payload)
                assert result["tenants"] == [tenant]  # a fresh environment each time here
                assert result["env"] not in envs.values()
                envs[tenant] = result["env"]
                assert pool.stats().total <= 2
            assert len(backend.launches) == 4  # "a" came back after its eviction: cold again
        finally:
            await pool.close()

    asyncio.run(asyncio.wait_for(main(), 30))
