"""The tenant isolation guarantee under attack: one tenant's environment never serves another.

A tenant-isolated function whose code is hostile to other tenants: it plants a secret in /tmp,
in a global and in a lingering background thread, then looks for other tenants' plants. Tenants
run interleaved and concurrently, with tenant ids chosen to collide under any normalisation
(case, surrounding spaces, separators); none may ever see another's plant or share an
environment, while each keeps reusing its own warm ones. Real server, real sandboxes, boto3.
"""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.packages import make_zip
from tests.support.server import RunningServer

pytestmark = [pytest.mark.security, pytest.mark.slow]

SNOOP = """
import glob, os, threading, time, uuid

ENVIRONMENT = uuid.uuid4().hex
SERVED = []
PLANTED = {}  # tenant -> secret, in this environment's memory

def _linger(tenant, secret):  # a thread that outlives the invocation, holding the secret
    deadline = time.time() + 5
    while time.time() < deadline:
        with open(f"/tmp/linger-{ENVIRONMENT}", "w") as f:
            f.write(f"{tenant}={secret}")
        time.sleep(0.05)

def handler(event, context):
    tenant = context.tenant_id
    SERVED.append(tenant)
    seen = {}
    for path in glob.glob("/tmp/*"):
        try:
            seen[path] = open(path).read()
        except OSError:
            pass
    secret = event["secret"]
    with open(f"/tmp/plant-{uuid.uuid4().hex}", "w") as f:
        f.write(f"{tenant}={secret}")
    PLANTED[tenant] = secret
    threading.Thread(target=_linger, args=(tenant, secret), daemon=True).start()
    time.sleep(event.get("hold", 0))
    return {"environment": ENVIRONMENT, "tenant": tenant, "served": sorted(set(SERVED)),
            "seen_files": list(seen.values()), "planted": dict(PLANTED)}
"""

# Ids that are distinct to Lambda (exact strings) but equal under careless normalisation.
# (Leading or trailing spaces are not among them: a header's value has none, RFC 9110 section
# 5.5, so " acme " IS "acme" on the wire; see the last test.)
TENANTS = ["acme", "ACME", "ac me", "ac  me", "acme/", "acme:1", "acme.1", "acme@x", "acme-"]


@pytest.fixture(scope="module")
def function(server: RunningServer) -> str:
    name = f"snoop-{uuid.uuid4().hex[:8]}"
    server.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        Handler="app.handler",
        Code={"ZipFile": make_zip({"app.py": SNOOP})},
        Timeout=10,
        TenancyConfig={"TenantIsolationMode": "PER_TENANT"},
    )
    return name


def invoke(server: RunningServer, name: str, tenant: str, secret: str, hold: float = 0) -> Any:
    reply = server.client("lambda").invoke(
        FunctionName=name,
        Payload=json.dumps({"secret": secret, "hold": hold}).encode(),
        TenantId=tenant,
    )
    body = reply["Payload"].read()
    assert "FunctionError" not in reply, body
    return json.loads(body)


def check_alone(result: Any, tenant: str, secrets: dict[str, str]) -> None:
    """What one invocation saw: only its own tenant, anywhere."""
    assert result["tenant"] == tenant
    assert result["served"] == [tenant]
    assert set(result["planted"]) == {tenant}
    for other, secret in secrets.items():
        if other != tenant:
            assert all(secret not in seen for seen in result["seen_files"]), (tenant, other)
            assert secret not in json.dumps(result["planted"])


def test_tenants_with_colliding_ids_never_share_or_see_each_other(
    server: RunningServer, function: str
) -> None:
    secrets = {tenant: f"s-{uuid.uuid4().hex}" for tenant in TENANTS}
    environments: dict[str, set[str]] = {tenant: set() for tenant in TENANTS}
    for _ in range(2):  # interleaved rounds: every tenant after every other
        for tenant in TENANTS:
            result = invoke(server, function, tenant, secrets[tenant])
            check_alone(result, tenant, secrets)
            environments[tenant].add(result["environment"])
    for tenant, mine in environments.items():
        assert len(mine) == 1, f"{tenant!r} was not served warm"  # reused, as Lambda does
        for other, theirs in environments.items():
            if other != tenant:
                assert mine.isdisjoint(theirs), (tenant, other)


def test_concurrent_tenants_never_share_an_environment(
    server: RunningServer, function: str
) -> None:
    tenants = [f"burst-{i}" for i in range(4)]
    secrets = {tenant: f"s-{uuid.uuid4().hex}" for tenant in tenants}
    calls = [tenant for tenant in tenants for _ in range(3)]
    with ThreadPoolExecutor(max_workers=6) as pool:  # bounded: 12 calls, 6 at once
        results = list(
            pool.map(lambda t: (t, invoke(server, function, t, secrets[t], hold=0.3)), calls)
        )
    owner: dict[str, str] = {}
    for tenant, result in results:
        check_alone(result, tenant, secrets)
        assert owner.setdefault(result["environment"], tenant) == tenant


def test_an_isolated_function_refuses_invocations_without_a_tenant(
    server: RunningServer, function: str
) -> None:
    # Otherwise a caller could land in a shared environment of a tenant-isolated function.
    with pytest.raises(ClientError) as exc:
        server.client("lambda").invoke(FunctionName=function, Payload=b'{"secret": "x"}')
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_surrounding_spaces_do_not_make_another_tenant_and_the_context_says_so(
    server: RunningServer, function: str
) -> None:
    # Found by this test: " padded " once got an environment of its own while the function
    # was told (through the trimmed Runtime API header) that it served "padded". The tenant an
    # environment is keyed by and the tenant its code is told must be the same string.
    secrets = {"padded": f"s-{uuid.uuid4().hex}", " padded ": f"s-{uuid.uuid4().hex}"}
    plain = invoke(server, function, "padded", secrets["padded"])
    spaced = invoke(server, function, " padded ", secrets[" padded "])
    assert spaced["tenant"] == "padded"
    assert spaced["environment"] == plain["environment"]  # the same tenant: one environment
    assert spaced["served"] == ["padded"]
    with pytest.raises(ClientError) as exc:  # only spaces: an empty value, under the minimum
        server.client("lambda").invoke(FunctionName=function, Payload=b"{}", TenantId="   ")
    assert exc.value.response["Error"]["Code"] == "ValidationException"
