"""A function attacks the channel its SDK uses to reach Stockade: it opens connections until
refused, or streams a request head that never ends. Another account's functions keep working
(their own SDK calls included), and the server's memory stays where it was.

Runs a real server with real sandboxes; every loop in the hostile code is bounded in count and
time, and all traffic stays inside the sandbox's own network namespace and loopback.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stockade.api.edge_limits import EdgeLimits
from tests.integration.test_accounts import create_account
from tests.support.packages import make_zip
from tests.support.server import RunningServer, running_server

pytestmark = [pytest.mark.security, pytest.mark.slow]

HOSTILE = """
import os, socket, ssl, time

def _endpoint():
    host, port = os.environ["AWS_ENDPOINT_URL"].rsplit("/", 1)[1].split(":")
    return host, int(port)

def _connect(host, port, timeout):
    # The channel speaks what AWS_ENDPOINT_URL says: TLS, trusting the server's CA.
    s = socket.create_connection((host, port), timeout=timeout)
    if not os.environ["AWS_ENDPOINT_URL"].startswith("https://"):
        return s
    context = ssl.create_default_context(cafile=os.environ["AWS_CA_BUNDLE"])
    try:
        return context.wrap_socket(s, server_hostname=host)
    except OSError:
        s.close()
        raise

def flood(event, context):
    host, port = _endpoint()
    served, refused, unanswered = [], 0, 0
    deadline = time.monotonic() + event["seconds"]
    while time.monotonic() < deadline and len(served) + refused + unanswered < 3000:
        try:
            s = _connect(host, port, 0.5)
        except OSError:
            unanswered += 1  # the backlog is full: the host has stopped accepting for a while
            continue
        s.settimeout(0.5)
        try:
            s.sendall(b"GET /_stockade/health HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
            answer = s.recv(64)
        except OSError:
            answer = b""
        if answer.startswith(b"HTTP/1.1 200"):
            served.append(s)  # kept open: it counts against the limit until it closes
        else:
            refused += 1
            s.close()
    return {"served": len(served), "refused": refused, "unanswered": unanswered}

def endless_head(event, context):
    host, port = _endpoint()
    s = _connect(host, port, 5)
    s.sendall(b"GET / HTTP/1.1\\r\\nHost: x\\r\\nX-Endless: ")
    sent, chunk = 0, b"a" * 65536
    try:
        while sent < event["mib"] * 1048576:
            s.sendall(chunk)
            sent += len(chunk)
    except OSError:
        pass
    s.settimeout(2)
    try:
        answer = s.recv(64)
    except OSError:
        answer = b""
    return {"sent": sent, "answer": answer.decode("latin-1")}
"""

SPOOFER = """
import boto3
from botocore.exceptions import ClientError

CLAIMS = {"X-Forwarded-For": "203.0.113.7", "Forwarded": "for=203.0.113.7;proto=http",
          "X-Forwarded-Proto": "http"}

def _claim(request, **kwargs):
    request.headers.update(CLAIMS)

def handler(event, context):
    lam = boto3.client("lambda")
    lam.meta.events.register("before-send.lambda.*", _claim)
    out = {}
    for name, call in (("list", lam.list_functions), ("settings", lam.get_account_settings)):
        try:
            call()
            out[name] = "allowed"
        except ClientError as e:
            out[name] = e.response["Error"]["Code"]
    return out
"""

SDK_CALLER = """
import boto3

def handler(event, context):
    return {"account": boto3.client("sts").get_caller_identity()["Account"]}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("channel") / "data") as running:
        yield running


def _function(
    server: RunningServer, code: str, handler: str, creds: tuple[str, str], account: str
) -> str:
    lam = server.client("lambda", credentials=creds)
    name = f"chan-{uuid.uuid4().hex[:8]}"
    lam.create_function(
        FunctionName=name, Runtime="python3.11", Handler=handler, Timeout=30, MemorySize=256,
        Role=f"arn:aws:iam::{account}:role/stockade-lambda-basic-execution",
        Code={"ZipFile": make_zip({"app.py": code})},
    )  # fmt: skip
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return name


def _invoke(
    server: RunningServer, creds: tuple[str, str], name: str, event: dict[str, Any]
) -> dict[str, Any]:
    reply = server.client("lambda", credentials=creds).invoke(
        FunctionName=name, Payload=json.dumps(event).encode()
    )
    body: dict[str, Any] = json.loads(reply["Payload"].read())
    assert "FunctionError" not in reply, body
    return body


@pytest.fixture(scope="module")
def tenants(server: RunningServer) -> dict[str, Any]:
    """Account A (the server's first) runs the hostile code; account B is a bystander whose
    function calls STS through its own SDK channel."""
    a_creds = server.credentials()
    other = create_account(server, f"bystander-{uuid.uuid4().hex[:6]}")
    b_creds = (other["AccessKeyId"], other["SecretAccessKey"])
    b_account = str(other["account_id"])
    flood = _function(server, HOSTILE, "app.flood", a_creds, server.account_id)
    endless = _function(server, HOSTILE, "app.endless_head", a_creds, server.account_id)
    bystander = _function(server, SDK_CALLER, "app.handler", b_creds, b_account)
    assert _invoke(server, b_creds, bystander, {}) == {"account": b_account}  # warm, and works
    return {"a": a_creds, "b": b_creds, "b_account": b_account,
            "flood": flood, "endless": endless, "bystander": bystander}  # fmt: skip


def test_a_function_cannot_claim_another_source_address_or_tls_through_its_channel(
    server: RunningServer,
) -> None:
    """The channel reaches the server from the sandbox's loopback address, which uvicorn's own
    proxy-header handling used to trust: a function could then claim any aws:SourceIp and a
    transport it does not use. The channel speaks TLS (the server's own URL), so the claim
    tested is the opposite one: that the request came over plain HTTP."""
    iam = server.client("iam")
    role = f"spoof-{uuid.uuid4().hex[:8]}"
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"Service": "lambda.amazonaws.com"}}]}  # fmt: skip
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "lambda:ListFunctions", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Effect": "Allow", "Action": "lambda:GetAccountSettings", "Resource": "*",
         "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}},
    ]}  # fmt: skip
    iam.put_role_policy(RoleName=role, PolicyName="claims", PolicyDocument=json.dumps(policy))
    lam = server.client("lambda")
    name = f"spoofer-{uuid.uuid4().hex[:8]}"
    lam.create_function(
        FunctionName=name, Runtime="python3.11", Handler="app.handler", Timeout=30,
        Role=f"arn:aws:iam::{server.account_id}:role/{role}",
        Code={"ZipFile": make_zip({"app.py": SPOOFER})},
    )  # fmt: skip
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    answer = _invoke(server, server.credentials(), name, {})
    assert answer == {"list": "AccessDeniedException", "settings": "AccessDeniedException"}, answer


def _rss_mib(server: RunningServer) -> float:
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def _bystander_during(
    server: RunningServer, tenants: dict[str, Any], attack: str, event: dict[str, Any]
) -> tuple[dict[str, Any], list[float]]:
    outcome: dict[str, Any] = {}

    def attacker() -> None:
        outcome.update(_invoke(server, tenants["a"], tenants[attack], event))

    thread = threading.Thread(target=attacker, daemon=True)
    thread.start()
    latencies = []
    for _ in range(5):
        time.sleep(0.4)
        started = time.perf_counter()
        answer = _invoke(server, tenants["b"], tenants["bystander"], {})
        latencies.append(time.perf_counter() - started)
        assert answer == {"account": tenants["b_account"]}
    thread.join(60)
    assert not thread.is_alive()
    return outcome, latencies


def test_a_function_opening_connections_until_refused_leaves_other_tenants_working(
    server: RunningServer, tenants: dict[str, Any]
) -> None:
    limit = EdgeLimits().max_channel_connections_per_environment
    outcome, latencies = _bystander_during(server, tenants, "flood", {"seconds": 4})
    # The environment's own limit, not the channel's or the account's, stopped it (the host
    # closes keep-alive connections after 5 s, so within 4 s none of its slots came back).
    assert outcome["served"] == limit, outcome
    assert outcome["refused"] + outcome["unanswered"] > 0, outcome
    # Warm invokes that each make an SDK call: milliseconds here; generous for a loaded host.
    assert max(latencies) < 5.0, latencies


def test_an_endless_head_on_the_sdk_channel_is_cut_off_and_memory_stays_bounded(
    server: RunningServer, tenants: dict[str, Any]
) -> None:
    before = _rss_mib(server)
    outcome, latencies = _bystander_during(server, tenants, "endless", {"mib": 200})
    # The host stopped reading after the head limit: the guest could not push 200 MiB (but it
    # did reach the HTTP parser: the TLS handshake succeeded and some of the head went in).
    assert 0 < outcome["sent"] < 200 * 1048576, outcome
    if outcome["answer"]:  # a reset may beat the answer to the guest
        assert outcome["answer"].startswith("HTTP/1.1 431"), outcome
    assert _rss_mib(server) - before < 30
    assert max(latencies) < 5.0, latencies
