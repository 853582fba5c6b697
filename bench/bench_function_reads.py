"""Reads a warm function makes under its execution role, timed inside the handler.

Prints, for each entry of READS, p50/p99 over N calls timed with perf_counter inside one warm
function (its boto3 clients made once, as functions do), and each entry's p50 as a ratio to
the same-run baselines: GetParameter on a String (the same service, no KMS work) and sts
GetCallerIdentity (the SDK's round trip to the platform, nothing read). Rounds are
interleaved across entries, so drift hits them alike. With --profile it also profiles the
server side of a decrypting GetParameter in-process (a stack sampler over every thread, the
top platform functions by inclusive time): where the platform spends it.

A new read is one more entry in READS: a label, a setup (makes the resource, gives the call's
parameters and the policy statements the execution role needs) and the call (service and
boto3 method) the function makes.

Usage: python bench/bench_function_reads.py [--calls N] [--rounds N] [--memory MB]
                                            [--profile N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.inprocess import InProcessServer
from tests.support.packages import make_zip
from tests.support.server import RunningServer, start_server

from bench.stack_sampler import StackSampler

# The function: one client per service, made at import (warm invocations reuse them); each
# invocation times `count` calls of one operation, bounded by a time budget.
READER = """
import time
import boto3

CLIENTS = {}

def handler(event, context):
    service = event["service"]
    client = CLIENTS.setdefault(service, boto3.client(service))
    call = getattr(client, event["method"])
    params = event["params"]
    call(**params)  # the connection is open before the first timed call
    deadline = time.monotonic() + event["budget_s"]
    samples = []
    for _ in range(event["count"]):
        started = time.perf_counter()
        call(**params)
        samples.append((time.perf_counter() - started) * 1000)
        if time.monotonic() > deadline:
            break
    return samples
"""
_BUDGET_S = 30.0
_TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
          "Principal": {"Service": "lambda.amazonaws.com"}}]}  # fmt: skip


@dataclass(frozen=True)
class Fixture:
    """What every setup may use: the server's clients (as its admin), a customer KMS key, a
    prefix for names."""

    client: Callable[[str], Any]  # by service name: "ssm", "secretsmanager", ...
    kms_key_arn: str
    region: str
    account: str
    prefix: str  # a unique name prefix for this run

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"


@dataclass(frozen=True)
class Prepared:
    params: dict[str, Any]
    statements: list[dict[str, Any]]


@dataclass(frozen=True)
class Read:
    label: str
    setup: Callable[[Fixture], Prepared]
    call: tuple[str, str]  # service, boto3 method
    baseline: bool = False


def secure_string(fixture: Fixture) -> Prepared:
    name = f"/{fixture.prefix}/secure"
    fixture.client("ssm").put_parameter(Name=name, Value="s" * 64, Type="SecureString",
                                        KeyId=fixture.kms_key_arn)  # fmt: skip
    return Prepared({"Name": name, "WithDecryption": True}, [
        _allow("ssm:GetParameter", fixture.arn("ssm", f"parameter{name}")),
        _allow("kms:Decrypt", fixture.kms_key_arn)])  # fmt: skip


def plain_string(fixture: Fixture) -> Prepared:
    name = f"/{fixture.prefix}/plain"
    fixture.client("ssm").put_parameter(Name=name, Value="s" * 64, Type="String")
    arn = fixture.arn("ssm", f"parameter{name}")
    return Prepared({"Name": name}, [_allow("ssm:GetParameter", arn)])


def secret_value(fixture: Fixture) -> Prepared:
    made = fixture.client("secretsmanager").create_secret(
        Name=f"{fixture.prefix}/secret", SecretString="s" * 64, KmsKeyId=fixture.kms_key_arn
    )
    return Prepared({"SecretId": made["ARN"]}, [
        _allow("secretsmanager:GetSecretValue", made["ARN"]),
        _allow("kms:Decrypt", fixture.kms_key_arn)])  # fmt: skip


def caller_identity(fixture: Fixture) -> Prepared:
    return Prepared({}, [])  # allowed to every caller, as on AWS


def _allow(action: str, resource: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


READS = (
    Read("GetSecretValue, customer key", secret_value,
         ("secretsmanager", "get_secret_value")),
    Read("GetParameter SecureString decrypted, customer key", secure_string,
         ("ssm", "get_parameter")),
    Read("GetParameter String (no KMS work)", plain_string, ("ssm", "get_parameter"),
         baseline=True),
    Read("sts GetCallerIdentity", caller_identity, ("sts", "get_caller_identity"),
         baseline=True),
)  # fmt: skip


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99


def fixture_of(client: Callable[[str], Any], region: str, account: str) -> Fixture:
    key = client("kms").create_key(Description="bench function reads")["KeyMetadata"]["Arn"]
    return Fixture(client, key, region, account, f"bench-{uuid.uuid4().hex[:8]}")


def in_function(server: RunningServer, calls: int, rounds: int, memory_mb: int) -> None:
    fixture = fixture_of(server.client, server.region, server.account_id)
    prepared = {read.label: read.setup(fixture) for read in READS}
    iam, lam = server.client("iam"), server.client("lambda")
    role_name = f"{fixture.prefix}-reader"
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(_TRUST))
    statements = [s for p in prepared.values() for s in p.statements]
    iam.put_role_policy(RoleName=role_name, PolicyName="reads", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": statements}))  # fmt: skip
    function = f"{fixture.prefix}-reader"
    lam.create_function(FunctionName=function, Runtime="python3.11", Handler="app.handler",
                        Role=role["Role"]["Arn"], Code={"ZipFile": make_zip({"app.py": READER})},
                        Timeout=int(_BUDGET_S) + 30, MemorySize=memory_mb)  # fmt: skip
    lam.get_waiter("function_active_v2").wait(FunctionName=function)
    samples: dict[str, list[float]] = {read.label: [] for read in READS}
    per_round = max(1, calls // rounds)
    for _ in range(rounds):  # interleaved: drift hits every entry alike
        for read in READS:
            service, method = read.call
            event = {"service": service, "method": method, "count": per_round,
                     "params": prepared[read.label].params, "budget_s": _BUDGET_S}  # fmt: skip
            reply = lam.invoke(FunctionName=function, Payload=json.dumps(event))
            body = json.loads(reply["Payload"].read())
            assert "FunctionError" not in reply, body
            samples[read.label] += body
    report(samples)


def report(samples: dict[str, list[float]]) -> None:
    figures = {label: percentiles(found) for label, found in samples.items()}
    baselines = [read.label for read in READS if read.baseline]
    width = max(len(label) for label in figures)
    for read in READS:
        p50, p99 = figures[read.label]
        ratios = "  ".join(
            f"{p50 / figures[b][0]:5.2f}x {b.split(' (')[0]}" for b in baselines if b != read.label
        )
        print(f"{read.label:<{width}}  p50 {p50:7.3f} ms  p99 {p99:7.3f} ms"
              f"  (n={len(samples[read.label])})  p50 vs {ratios}")  # fmt: skip


def profile_server_side(count: int) -> None:
    """The server side of a decrypting GetParameter, in-process, as an assumed role."""
    with tempfile.TemporaryDirectory() as tmp, InProcessServer(Path(tmp) / "data") as server:
        account = server.account_id
        fixture = fixture_of(server.client, "us-east-1", account)
        prepared = secure_string(fixture)
        iam = server.client("iam")
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                 "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                 "Action": "sts:AssumeRole"}]}  # fmt: skip
        role = iam.create_role(RoleName="profiled", AssumeRolePolicyDocument=json.dumps(trust))
        iam.put_role_policy(RoleName="profiled", PolicyName="reads", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": prepared.statements}))  # fmt: skip
        session = server.client("sts").assume_role(
            RoleArn=role["Role"]["Arn"], RoleSessionName="bench"
        )["Credentials"]
        ssm = server.client("ssm", (session["AccessKeyId"], session["SecretAccessKey"],
                                    session["SessionToken"]))  # fmt: skip
        plain_params = plain_string(fixture)
        iam.put_role_policy(RoleName="profiled", PolicyName="plain", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": plain_params.statements}))  # fmt: skip
        for _ in range(20):
            ssm.get_parameter(**prepared.params)
            ssm.get_parameter(**plain_params.params)
        timings: dict[str, list[float]] = {"decrypted": [], "plain": []}
        for _ in range(count):
            for label, params in (("decrypted", prepared.params),
                                  ("plain", plain_params.params)):  # fmt: skip
                started = time.perf_counter()
                ssm.get_parameter(**params)
                timings[label].append((time.perf_counter() - started) * 1000)
        for label, found in timings.items():
            p50, p99 = percentiles(found)
            print(f"in-process GetParameter {label:<9} p50 {p50:7.3f} ms  p99 {p99:7.3f} ms"
                  f"  (n={count}; client and ASGI included)")  # fmt: skip
        # The server answers on its loop thread and its handlers' executor: sample them all.
        with StackSampler(roots=("stockade/api/", "stockade/kernel/")) as sampler:
            for _ in range(count):
                ssm.get_parameter(**prepared.params)
    sweeps = max(1, sampler.samples)
    print(f"where a decrypting GetParameter spends the server's time: {sweeps} samples over"
          f" {count} calls; % of samples on the stack (inclusive), on top (exclusive)")  # fmt: skip
    for name, inclusive, exclusive in sampler.top("stockade/", 30):
        print(f"  {100 * inclusive / sweeps:5.1f}  {100 * exclusive / sweeps:5.1f}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000, help="timed calls per entry")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved invocations each")
    parser.add_argument("--profile", type=int, default=0, help="profile N calls in-process")
    # CPU is proportional to memory, as on Lambda (1769 MB: one vCPU); below that the SDK's own
    # work in the guest (signing, parsing) waits for the next CPU period and hides the server.
    parser.add_argument("--memory", type=int, default=1769, help="the function's MemorySize")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "data", None)
        print(f"server: {server.url}; function MemorySize {args.memory} MB")
        try:
            in_function(server, args.calls, args.rounds, args.memory)
        finally:
            server.stop()
        log = server.log()
        print(f"server log: {len(log.splitlines())} lines; errors: {log.count(' ERROR ')}")
    if args.profile > 0:
        profile_server_side(args.profile)


if __name__ == "__main__":
    main()
