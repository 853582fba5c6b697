"""Function networking, end to end against a real server on this host.

Prints, with baselines measured in the same run (machines here are noisy: read the ratios):
  * cold start p50 of functions with a VpcConfig against the same functions without one
    (goal: ratio <= 1.3); the VPC's environments join its router at launch;
  * throughput from a host in a network namespace (198.18.0.0/15, never leaving the machine):
    to a default-network environment and to an environment in a VPC whose subnet is bound to
    the namespace's bridge, against the host's own throughput to the same namespace host.

Needs root (namespaces, nftables). Usage:
  python bench/bench_network.py [--cold N] [--megabytes N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.netns import BULK_DOWN, LanHost, NetHost, lan_host, net_host
from tests.support.network_probe import create_probe, invoke_probe
from tests.support.server import RunningServer, running_server

from bench.bench_invoke import NOOP, SignedConnection

VPC_ACCESS = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
LAN_ADDRESS = "10.62.1.10"


def make_vpc(server: RunningServer) -> tuple[str, str, str]:
    """(subnet, group, role arn): a subnet whose group allows everything outbound."""
    ec2, iam = server.client("ec2"), server.client("iam")
    vpc = ec2.create_vpc(CidrBlock="10.62.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.62.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="bench", Description="bench", VpcId=vpc)["GroupId"]
    role = f"bench-vpc-{uuid.uuid4().hex[:6]}"
    arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    iam.attach_role_policy(RoleName=role, PolicyArn=VPC_ACCESS)
    return subnet, group, arn


def cold_starts(
    server: RunningServer, count: int, vpc: dict[str, list[str]] | None, role: str
) -> list[float]:
    lam = server.client("lambda")
    names = [f"cold-{uuid.uuid4().hex[:8]}" for _ in range(count)]
    for name in names:
        extra = {"VpcConfig": vpc} if vpc else {}
        lam.create_function(
            FunctionName=name, Runtime="python3.11", Role=role, Handler="app.handler",
            Code={"ZipFile": NOOP}, **extra,
        )  # fmt: skip
    conn = SignedConnection(server)
    timings = []
    for name in names:
        started = time.perf_counter()
        status, _ = conn.invoke(name)
        timings.append((time.perf_counter() - started) * 1000)
        assert status == 200, status
        time.sleep(0.1)  # let the pool pre-spawn the next sandbox, as between real cold starts
    conn.close()
    return timings


def host_download(host: str, namespace_route: str | None, megabytes: int) -> float:
    """Mbit/s the host itself gets from the namespace host (the baseline)."""
    code = (
        "import socket,time\n"
        f"s=socket.create_connection(({host!r},{BULK_DOWN}),timeout=10)\n"
        f"n={megabytes * 1_000_000}\n"
        "t=time.monotonic(); s.sendall(f'{n}\\n'.encode()); got=0\n"
        "while (c:=s.recv(65536)): got+=len(c)\n"
        "print(got*8/(time.monotonic()-t)/1e6)\n"
    )
    argv = [sys.executable, "-c", code]
    if namespace_route is not None:
        argv = ["ip", "netns", "exec", namespace_route, *argv]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=True)
    return float(done.stdout)


def function_download(server: RunningServer, name: str, host: str, megabytes: int) -> float:
    moved = invoke_probe(server, name, {"download": [host, BULK_DOWN, megabytes * 1_000_000]})
    result = moved["download"]
    assert isinstance(result, dict), result
    return float(result["bytes"] * 8 / result["seconds"] / 1e6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", type=int, default=10)
    parser.add_argument("--megabytes", type=int, default=200)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        net_host(44) as internet,
        lan_host([LAN_ADDRESS], ports=(8080, BULK_DOWN)) as lan,
    ):
        data = Path(tmp) / "data"
        with running_server(data) as first:
            subnet, group, role = make_vpc(first)
        with running_server(
            data, "--subnet-binding", f"{subnet}={lan.bridge}",
            "--function-network-bandwidth", "100000",
        ) as server:  # fmt: skip
            report(server, args, internet, lan, subnet, group, role)


def report(
    server: RunningServer, args: argparse.Namespace, internet: NetHost, lan: LanHost,
    subnet: str, group: str, role: str,
) -> None:  # fmt: skip
    vpc = {"SubnetIds": [subnet], "SecurityGroupIds": [group]}
    plain, in_vpc = [], []
    for _ in range(args.cold):  # interleaved, so that drift hits both alike
        plain += cold_starts(server, 1, None, role)
        in_vpc += cold_starts(server, 1, vpc, role)
    p_plain, p_vpc = statistics.median(plain), statistics.median(in_vpc)
    print(
        f"cold start p50   no VpcConfig {p_plain:7.1f} ms   VpcConfig {p_vpc:7.1f} ms"
        f"   ratio {p_vpc / p_plain:.2f}x   (n={args.cold} each; goal <= 1.3x)"
    )
    default_fn, vpc_fn = f"tp-{uuid.uuid4().hex[:6]}", f"tp-vpc-{uuid.uuid4().hex[:6]}"
    create_probe(server, default_fn)
    create_probe(server, vpc_fn, role, VpcConfig=vpc)
    mb = args.megabytes
    host_inet = host_download(internet.address, None, mb)
    env_inet = function_download(server, default_fn, internet.address, mb)
    print(
        f"throughput       host -> namespace {host_inet:8.0f} Mbit/s   default-network"
        f" environment {env_inet:8.0f} Mbit/s   ratio {env_inet / host_inet:.2f}   ({mb} MB)"
    )
    host_lan = host_download(LAN_ADDRESS, lan.name, mb)  # from inside the LAN host itself
    env_lan = function_download(server, vpc_fn, LAN_ADDRESS, mb)
    print(
        f"throughput       LAN host loopback {host_lan:8.0f} Mbit/s   VPC environment via"
        f" bound subnet {env_lan:8.0f} Mbit/s   ratio {env_lan / host_lan:.2f}   ({mb} MB)"
    )


if __name__ == "__main__":
    main()
