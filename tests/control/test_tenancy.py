"""Tenant isolation mode at the API: TenancyConfig on CreateFunction, TenantId on Invoke.

Facts from botocore's lambda model (TenancyConfig {TenantIsolationMode: PER_TENANT} on
CreateFunctionRequest and FunctionConfiguration only; TenantId: 1-256 characters of
[a-zA-Z0-9._:/=+-@ ], the X-Amz-Tenant-Id header of Invoke) and the developer guide's "Tenant
isolation" pages (the mode cannot be changed after creation; invocations of such a function
must name a tenant; environments are never shared between tenants; provisioned concurrency is
incompatible). In-process, with the fake sandbox backend speaking the real Runtime API.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from stockade.sandbox.backends.fake import FakeBackend, FakeContext
from tests.support.inprocess import InProcessServer
from tests.support.packages import PYTHON_ECHO

PER_TENANT = {"TenantIsolationMode": "PER_TENANT"}
ASYNC_SEEN: list[dict[str, Any]] = []  # what the async poller's invocations saw


async def tenant_echo(event: bytes, ctx: FakeContext) -> bytes:
    # Per-environment state: which tenants this environment has ever served.
    served = ctx.state.setdefault("served", [])
    assert isinstance(served, list)
    served.append(ctx.tenant_id)
    reply = {"env": ctx.env_id, "tenant": ctx.tenant_id, "served": list(served)}
    received = json.loads(event or b"{}")
    if "async" in received or "requestPayload" in received:  # queued events, destination records
        ASYNC_SEEN.append(reply)
    return json.dumps(reply).encode()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    data = tmp_path_factory.mktemp("tenancy") / "data"
    with InProcessServer(data, sandbox=FakeBackend({"app.handler": tenant_echo})) as running:
        yield running


def create(server: InProcessServer, **extra: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "FunctionName": f"t-{uuid.uuid4().hex[:10]}",
        "Runtime": "python3.11",
        "Role": f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
        "Handler": "app.handler",
        "Code": {"ZipFile": PYTHON_ECHO},
        **extra,
    }
    created = server.client("lambda").create_function(**params)
    assert isinstance(created, dict)
    return created


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


def invoke(server: InProcessServer, name: str, **extra: Any) -> dict[str, Any]:
    reply = server.client("lambda").invoke(FunctionName=name, Payload=b"{}", **extra)
    assert "FunctionError" not in reply
    payload = json.loads(reply["Payload"].read())
    assert isinstance(payload, dict)
    return payload


def test_the_mode_is_set_at_creation_and_shown_in_every_configuration(
    server: InProcessServer,
) -> None:
    lam = server.client("lambda")
    created = create(server, TenancyConfig=PER_TENANT, Publish=True)
    name = created["FunctionName"]
    assert created["TenancyConfig"] == PER_TENANT
    assert lam.get_function_configuration(FunctionName=name)["TenancyConfig"] == PER_TENANT
    assert lam.get_function(FunctionName=name)["Configuration"]["TenancyConfig"] == PER_TENANT
    version = lam.get_function_configuration(FunctionName=name, Qualifier=created["Version"])
    assert version["TenancyConfig"] == PER_TENANT  # published versions keep it
    listed = [f for f in lam.list_functions()["Functions"] if f["FunctionName"] == name]
    assert listed[0]["TenancyConfig"] == PER_TENANT
    updated = lam.update_function_configuration(FunctionName=name, Description="still isolated")
    assert updated["TenancyConfig"] == PER_TENANT
    plain = create(server)
    assert "TenancyConfig" not in plain  # shared environments: no TenancyConfig member


def test_an_unknown_mode_is_refused_with_nothing_written(server: InProcessServer) -> None:
    lam = server.client("lambda", validate=False)
    name = f"t-{uuid.uuid4().hex[:10]}"
    with pytest.raises(ClientError) as exc:
        lam.create_function(
            FunctionName=name,
            Runtime="python3.11",
            Role=f"arn:aws:iam::{server.account_id}:role/stockade-lambda-basic-execution",
            Handler="app.handler",
            Code={"ZipFile": PYTHON_ECHO},
            TenancyConfig={"TenantIsolationMode": "SHARED"},
        )
    code, message = error(exc)
    assert code == "ValidationException"
    assert "[PER_TENANT]" in message
    with pytest.raises(ClientError):
        lam.get_function(FunctionName=name)


def test_the_mode_cannot_be_changed_after_creation(server: InProcessServer) -> None:
    plain = create(server)["FunctionName"]
    isolated = create(server, TenancyConfig=PER_TENANT)["FunctionName"]
    # The SDK itself refuses: UpdateFunctionConfiguration has no TenancyConfig in the model.
    with pytest.raises(ParamValidationError):
        server.client("lambda").update_function_configuration(
            FunctionName=plain, TenancyConfig=PER_TENANT
        )
    # On the wire (no SDK): an unknown member of the body, refused (not silently ignored).
    for name in (plain, isolated):
        status, _, body = server.signed(
            "lambda",
            "PUT",
            f"/2015-03-31/functions/{name}/configuration",
            {"Content-Type": "application/json"},
            json.dumps({"Description": "x", "TenancyConfig": PER_TENANT}).encode(),
        )
        assert status == 400
        assert "Unrecognized field 'TenancyConfig'" in json.loads(body)["message"]
    lam = server.client("lambda")
    assert "TenancyConfig" not in lam.get_function_configuration(FunctionName=plain)
    assert lam.get_function_configuration(FunctionName=plain)["Description"] == ""  # untouched
    assert lam.get_function_configuration(FunctionName=isolated)["TenancyConfig"] == PER_TENANT


def test_a_tenant_is_required_by_isolated_functions_and_refused_by_others(
    server: InProcessServer,
) -> None:
    lam = server.client("lambda")
    isolated = create(server, TenancyConfig=PER_TENANT)["FunctionName"]
    plain = create(server)["FunctionName"]
    for invocation_type in ("RequestResponse", "Event", "DryRun"):
        with pytest.raises(ClientError) as exc:
            lam.invoke(FunctionName=isolated, Payload=b"{}", InvocationType=invocation_type)
        code, message = error(exc)
        assert code == "InvalidParameterValueException"
        assert "TenantId" in message
        with pytest.raises(ClientError) as exc:
            lam.invoke(
                FunctionName=plain, Payload=b"{}", InvocationType=invocation_type, TenantId="a"
            )
        code, message = error(exc)
        assert code == "InvalidParameterValueException"
        assert message.startswith("TenantId can only be specified")
    assert invoke(server, plain)["tenant"] is None


@pytest.mark.parametrize(
    "tenant", ["", "x" * 257, "bad\ttab", "semi;colon", "caf\u00e9"], ids=str.__len__
)
def test_a_malformed_tenant_id_is_refused_by_the_model(
    server: InProcessServer, tenant: str
) -> None:
    isolated = create(server, TenancyConfig=PER_TENANT)["FunctionName"]
    raw = server.client("lambda", validate=False)
    with pytest.raises(ClientError) as exc:
        raw.invoke(FunctionName=isolated, Payload=b"{}", TenantId=tenant)
    code, message = error(exc)
    assert code == "ValidationException"  # the model's constraints, in AWS's message form
    assert "'tenantId'" in message


def test_each_tenant_gets_its_own_environments_and_reuses_them_warm(
    server: InProcessServer,
) -> None:
    isolated = create(server, TenancyConfig=PER_TENANT)["FunctionName"]
    longest = "Ab0._:/=+-@ " * 21 + "abcd"  # every allowed character, 256 of them
    assert len(longest) == 256
    a1 = invoke(server, isolated, TenantId="tenant-a")
    b1 = invoke(server, isolated, TenantId="tenant-b")
    a2 = invoke(server, isolated, TenantId="tenant-a")
    b2 = invoke(server, isolated, TenantId="tenant-b")
    c1 = invoke(server, isolated, TenantId=longest)
    assert a1["tenant"] == "tenant-a"
    assert b1["tenant"] == "tenant-b"
    assert c1["tenant"] == longest
    assert a1["env"] != b1["env"]
    assert c1["env"] not in (a1["env"], b1["env"])
    assert a2["env"] == a1["env"]
    assert b2["env"] == b1["env"]
    assert a2["served"] == ["tenant-a", "tenant-a"]  # never anyone else
    assert b2["served"] == ["tenant-b", "tenant-b"]
    assert c1["served"] == [longest]


def test_surrounding_spaces_are_not_part_of_the_tenant(server: InProcessServer) -> None:
    # A header value has none (RFC 9110, 5.5); the function must be told the very tenant
    # whose environment it runs in, and the Runtime API header could not carry them.
    isolated = create(server, TenancyConfig=PER_TENANT)["FunctionName"]
    plain = invoke(server, isolated, TenantId="pad")
    spaced = invoke(server, isolated, TenantId=" pad  ")
    assert spaced["tenant"] == "pad"
    assert spaced["env"] == plain["env"]
    assert spaced["served"] == ["pad", "pad"]


def test_asynchronous_invocations_carry_their_tenant(server: InProcessServer) -> None:
    lam = server.client("lambda")
    isolated = create(server, TenancyConfig=PER_TENANT)["FunctionName"]
    warm = invoke(server, isolated, TenantId="async-tenant")
    marker = uuid.uuid4().hex
    reply = lam.invoke(
        FunctionName=isolated,
        Payload=json.dumps({"async": marker}).encode(),
        InvocationType="Event",
        TenantId="async-tenant",
    )
    assert reply["StatusCode"] == 202
    deadline = time.monotonic() + 20
    while not ASYNC_SEEN and time.monotonic() < deadline:  # bounded wait for the poller
        time.sleep(0.05)
    assert ASYNC_SEEN, "the queued event never ran"
    seen = ASYNC_SEEN[-1]
    assert seen["tenant"] == "async-tenant"
    assert seen["env"] == warm["env"]  # the tenant's warm environment served it
    assert set(seen["served"]) == {"async-tenant"}


def test_a_destination_record_without_a_tenant_never_runs_an_isolated_function(
    server: InProcessServer,
) -> None:
    # A success record of a shared function names no tenant: it cannot run in a tenant's
    # environment, so it is dropped rather than run in a shared one; the poller carries on.
    lam = server.client("lambda")
    isolated = create(server, TenancyConfig=PER_TENANT)
    source = create(server)["FunctionName"]
    lam.put_function_event_invoke_config(
        FunctionName=source,
        DestinationConfig={"OnSuccess": {"Destination": isolated["FunctionArn"]}},
    )
    before = len(ASYNC_SEEN)
    lam.invoke(FunctionName=source, Payload=b'{"async": "source"}', InvocationType="Event")
    deadline = time.monotonic() + 20
    while len(ASYNC_SEEN) == before and time.monotonic() < deadline:  # bounded
        time.sleep(0.05)
    assert [seen["tenant"] for seen in ASYNC_SEEN[before:]] == [None]  # the source ran
    time.sleep(1.0)  # the record's turn: it must not run (bounded, fixed wait)
    follow = lam.invoke(
        FunctionName=isolated["FunctionName"],
        Payload=b'{"async": "after"}',
        InvocationType="Event",
        TenantId="after",
    )
    assert follow["StatusCode"] == 202
    deadline = time.monotonic() + 20
    while ASYNC_SEEN[-1]["tenant"] != "after" and time.monotonic() < deadline:  # bounded
        time.sleep(0.05)
    tenants = [seen["tenant"] for seen in ASYNC_SEEN[before:]]
    assert tenants == [None, "after"]  # the record never ran; later events still do


def test_provisioned_concurrency_is_refused_for_isolated_functions(
    server: InProcessServer,
) -> None:
    lam = server.client("lambda")
    isolated = create(server, TenancyConfig=PER_TENANT, Publish=True)
    with pytest.raises(ClientError) as exc:
        lam.put_provisioned_concurrency_config(
            FunctionName=isolated["FunctionName"],
            Qualifier=isolated["Version"],
            ProvisionedConcurrentExecutions=1,
        )
    code, message = error(exc)
    assert code == "InvalidParameterValueException"
    assert "tenant isolation" in message
    listed = lam.list_provisioned_concurrency_configs(FunctionName=isolated["FunctionName"])
    assert listed["ProvisionedConcurrencyConfigs"] == []  # nothing half-written


def test_invocations_record_their_tenant_in_the_audit_trail(
    server: InProcessServer, tmp_path: Path
) -> None:
    lam, trail = server.client("lambda"), server.client("cloudtrail")
    isolated = create(server, TenancyConfig=PER_TENANT)
    selectors = [
        {
            "ReadWriteType": "All",
            "IncludeManagementEvents": True,
            "DataResources": [
                {"Type": "AWS::Lambda::Function", "Values": [isolated["FunctionArn"]]}
            ],
        }
    ]
    default = trail.get_event_selectors(TrailName="stockade")["EventSelectors"]
    trail.put_event_selectors(TrailName="stockade", EventSelectors=selectors)
    try:
        reply = lam.invoke(FunctionName=isolated["FunctionName"], Payload=b"{}", TenantId="t-9")
        wanted = reply["ResponseMetadata"]["RequestId"]
        found: list[dict[str, Any]] = []
        deadline = time.monotonic() + 10
        while not found and time.monotonic() < deadline:  # bounded: the index catches up
            events = trail.lookup_events(
                LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "Invoke"}]
            )["Events"]
            records = [json.loads(e["CloudTrailEvent"]) for e in events]
            found = [r for r in records if r["requestID"] == wanted]
            if not found:
                time.sleep(0.1)
    finally:
        trail.put_event_selectors(TrailName="stockade", EventSelectors=default)
    assert found, "the invocation was not recorded"
    assert found[0]["requestParameters"]["TenantId"] == "t-9"
    assert found[0]["requestParameters"]["FunctionName"] == isolated["FunctionName"]


def test_a_streamed_invoke_names_its_tenant_and_runs_in_that_tenants_environment(
    server: InProcessServer,
) -> None:
    """InvokeWithResponseStream has TenantId too (botocore's model): the same rules as Invoke."""
    lam = server.client("lambda")
    name = create(server, TenancyConfig=PER_TENANT)["FunctionName"]
    with pytest.raises(ClientError) as missing:
        lam.invoke_with_response_stream(FunctionName=name, Payload=b"{}")
    assert missing.value.response["Error"]["Code"] == "InvalidParameterValueException"
    streamed = lam.invoke_with_response_stream(FunctionName=name, Payload=b"{}", TenantId="s1")
    chunks = b"".join(e["PayloadChunk"]["Payload"] for e in streamed["EventStream"]
                      if "PayloadChunk" in e)  # fmt: skip
    assert json.loads(chunks)["tenant"] == "s1"
    plain = create(server)["FunctionName"]
    with pytest.raises(ClientError) as refused:
        lam.invoke_with_response_stream(FunctionName=plain, Payload=b"{}", TenantId="s1")
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
