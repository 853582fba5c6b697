"""The default network, against namespaces standing in for the internet and private hosts.

A function without a VpcConfig reaches the "internet" (a namespace on 198.18.0.0/15, through
NAT) and nothing else: not the host (any of its addresses), not another environment, not
169.254.169.254, not a private (RFC 1918) host, unless the operator opened that range; nothing
connects into an environment. With `--function-network none` it reaches nothing at all.
Real server, real sandboxes, real nftables; every connection attempt is bounded in time.
"""

from __future__ import annotations

import ipaddress
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sandbox.support import real_sandbox_unavailable
from tests.support.netns import BULK_BYTES, BULK_DOWN, BULK_UP, NetHost, connect_from, net_host
from tests.support.network_probe import create_probe as _function
from tests.support.network_probe import invoke_probe as _invoke
from tests.support.server import RunningServer, running_server

pytestmark = [pytest.mark.security, pytest.mark.slow]


def _unavailable() -> str | None:
    reason = real_sandbox_unavailable()
    if reason is None and not Path("/usr/sbin/nft").exists():
        reason = "nft is not installed (scripts/setup installs nftables)"
    return reason


@pytest.fixture(scope="module")
def internet() -> Iterator[NetHost]:
    if (reason := _unavailable()) is not None:
        pytest.skip(reason)
    with net_host(41, extra=("169.254.169.254", "10.77.0.5", "172.31.9.9")) as host:
        yield host


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, internet: NetHost) -> Iterator[RunningServer]:
    data = tmp_path_factory.mktemp("default-network") / "data"
    with running_server(
        data,
        "--function-network-allow",
        "172.31.9.0/24",
        "--function-network-resolver",
        internet.address,
        "--flow-log-window",
        "2",
    ) as running:
        yield running


@pytest.fixture(scope="module")
def probe(server: RunningServer) -> str:
    name = f"probe-{uuid.uuid4().hex[:8]}"
    _function(server, name)
    return name


def _host_listener() -> tuple[socket.socket, int]:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", 0))
    s.listen(8)
    return s, s.getsockname()[1]


def test_a_default_network_function_reaches_the_internet_through_nat(
    server: RunningServer, probe: str, internet: NetHost
) -> None:
    out = _invoke(server, probe, {"targets": [[internet.address, 8080]]})
    # Seen from outside at the host's address: masqueraded.
    assert out[f"{internet.address}:8080"] == f"ok:{internet.name} {internet.host_address}"
    assert out["self"] is not None
    assert out["self"].startswith("100.")


def test_names_resolve_through_the_platforms_resolver(
    server: RunningServer, probe: str, internet: NetHost
) -> None:
    """The guest's resolv.conf names the gateway; the forwarder asks the configured server."""
    out = _invoke(server, probe, {"resolve": ["db.example.test", "nowhere.invalid"]})
    assert out["db.example.test"] == internet.address
    assert out["nowhere.invalid"].startswith("error:")


def test_it_never_reaches_the_host_metadata_or_private_ranges(
    server: RunningServer, probe: str, internet: NetHost
) -> None:
    listener, port = _host_listener()
    try:
        out = _invoke(
            server,
            probe,
            {
                "targets": [
                    [internet.host_address, port],  # the host, at its end of the link
                    [_gateway_of(server, probe), port],  # the host, at the gateway
                    ["169.254.169.254", 8080],  # routed to the namespace: still refused
                    ["10.77.0.5", 8080],  # a private host, routed likewise
                ]
            },
        )
    finally:
        listener.close()
    refused = {k: v for k, v in out.items() if k != "self"}
    # Each has a listener and a route: only the firewall's drop makes the connect time out.
    assert set(refused.values()) == {"error:TimeoutError"}, out


def test_rejected_attempts_are_logged_for_the_function(
    server: RunningServer, probe: str, internet: NetHost
) -> None:
    """In AWS's flow-log format, in the account's /stockade/function-network/rejected group,
    the function's stream (a default-network environment has no interface: `-`)."""
    _invoke(server, probe, {"targets": [["10.77.0.5", 8080]]})
    logs = server.client("logs")
    group, lines = "/stockade/function-network/rejected", []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            events = logs.get_log_events(logGroupName=group, logStreamName=probe)["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        lines = [str(e["message"]).split() for e in events]
        if any(f[4] == "10.77.0.5" and f[6] == "8080" and f[12] == "REJECT" for f in lines):
            break
        time.sleep(1)
    rejected = [f for f in lines if f[4] == "10.77.0.5" and f[6] == "8080"]
    assert rejected, lines
    assert rejected[0][:3] == ["2", server.account_id, "-"]
    assert rejected[0][3].startswith("100.")  # the environment's own address
    assert rejected[0][7] == "6"  # TCP
    assert rejected[0][12:] == ["REJECT", "OK"]


def test_an_operator_allowed_range_is_reachable(
    server: RunningServer, probe: str, internet: NetHost
) -> None:
    out = _invoke(server, probe, {"targets": [["172.31.9.9", 8080]]})
    assert out["172.31.9.9:8080"].startswith(f"ok:{internet.name} ")


def test_nothing_connects_into_an_environment(
    server: RunningServer, probe: str, internet: NetHost
) -> None:
    """Not the host, not another function's environment, not the internet namespace."""
    listening = _invoke(server, probe, {"listen": True})
    address = listening["self"]
    other = f"other-{uuid.uuid4().hex[:8]}"
    _function(server, other)
    out = _invoke(server, other, {"targets": [[address, 7000]]})
    assert out[f"{address}:7000"].startswith("error:"), out
    with pytest.raises(TimeoutError):  # dropped: not even refused
        socket.create_connection((address, 7000), timeout=1.5).close()
    attempt = connect_from(internet.name, address, 7000)
    assert attempt.startswith("error"), attempt


def _gateway_of(server: RunningServer, probe: str) -> str:
    own = _invoke(server, probe, {})["self"]
    assert own is not None
    return str(_network_of(own))


def _network_of(address: str) -> str:
    """The gateway is the first address of the environment's block (a /22 by default)."""
    network = ipaddress.ip_interface(f"{address}/22").network
    return str(network.network_address + 1)


def test_function_network_none_reaches_nothing(tmp_path: Path, internet: NetHost) -> None:
    with running_server(tmp_path / "data", "--function-network", "none") as server:
        name = f"none-{uuid.uuid4().hex[:8]}"
        _function(server, name)
        out = _invoke(server, name, {"targets": [[internet.address, 8080]]})
    assert out[f"{internet.address}:8080"].startswith("error:"), out
    assert out["self"] is None


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory, internet: NetHost) -> Iterator[RunningServer]:
    data = tmp_path_factory.mktemp("limited-network") / "data"
    with running_server(
        data, "--function-network-bandwidth", "8", "--function-network-connection-rate", "5"
    ) as running:
        yield running


@pytest.mark.parametrize("direction", ["download", "upload"])
def test_an_environments_bandwidth_is_shaped(
    limited: RunningServer, internet: NetHost, direction: str
) -> None:
    """2 MB at 8 Mbit/s takes 2 s; a little over the rate is a burst of the bucket."""
    name = f"bulk-{direction}-{uuid.uuid4().hex[:6]}"
    _function(limited, name)
    port = BULK_DOWN if direction == "download" else BULK_UP
    moved = _invoke(limited, name, {direction: [internet.address, port, BULK_BYTES]})[direction]
    assert moved["bytes"] == BULK_BYTES
    mbit_per_s = BULK_BYTES * 8 / moved["seconds"] / 1e6
    assert mbit_per_s < 8 * 1.25, moved


def test_new_connections_beyond_the_rate_are_dropped(
    limited: RunningServer, internet: NetHost
) -> None:
    """Rate 5/s, burst 10: of thirty connections opened at once, the excess times out."""
    name = f"conns-{uuid.uuid4().hex[:6]}"
    _function(limited, name)
    out = _invoke(limited, name, {"burst": [internet.address, 8080, 30]})
    assert out["tried"] == 30
    assert 1 <= out["opened"] <= 20  # the burst, plus what the rate refills while they wait
