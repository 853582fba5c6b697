"""Which network functions without a VpcConfig get, decided once at start.

"default" needs CAP_NET_ADMIN and the `ip`, `nft` and `nsenter` tools; without them the
server still starts, says that function networking is off, and runs functions with loopback
and the API channel only (the mode the configuration history then records).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from ipaddress import IPv4Network, ip_network
from pathlib import Path

from stockade.clock import Clock
from stockade.config import Settings
from stockade.domain.function_snapshot import NetworkMode
from stockade.sandbox.network.attachment import VpcResolver
from stockade.sandbox.network.commands import HostCommands, SubprocessCommands
from stockade.sandbox.network.default_network import DefaultNetwork, DefaultNetworkSettings
from stockade.sandbox.network.errors import NetworkUnavailableError
from stockade.sandbox.network.flow_delivery import FlowLogSink
from stockade.sandbox.network.limits import EnvironmentLimits
from stockade.sandbox.network.vpc_network import VpcNetwork

LOG = logging.getLogger(__name__)
CAP_NET_ADMIN = 12


@dataclass(frozen=True)
class FunctionNetwork:
    mode: NetworkMode
    network: DefaultNetwork | None = None
    commands: HostCommands | None = None

    def vpc(
        self,
        resolver: VpcResolver,
        bindings: Mapping[str, str],
        flow_logs: FlowLogSink,
        clock: Clock,
        flow_window_s: int,
    ) -> VpcNetwork | None:
        """Environments of functions with a VpcConfig join their VPC's router (needs the
        default network: a router's way out is a port of its bridge)."""
        if self.network is None or self.commands is None:
            return None
        return VpcNetwork(
            self.network, resolver, self.commands, bindings, flow_logs, clock, flow_window_s
        )


def choose(settings: Settings, injected_sandbox: bool) -> FunctionNetwork:
    if settings.unsafe_no_sandbox:
        return FunctionNetwork(NetworkMode.HOST)
    if injected_sandbox or settings.function_network == "none":
        return FunctionNetwork(NetworkMode.ISOLATED)
    try:
        if not _has_net_admin():
            raise NetworkUnavailableError("the server lacks CAP_NET_ADMIN")
        commands = SubprocessCommands()
    except NetworkUnavailableError as exc:
        LOG.warning(
            "FUNCTION NETWORKING IS OFF: %s. Functions get loopback and the API channel only,"
            " and a VpcConfig is refused. Run as root (or with CAP_NET_ADMIN), or choose"
            " --function-network none to silence this.",
            exc,
        )
        return FunctionNetwork(NetworkMode.ISOLATED)
    block = settings.function_network_block
    network_settings = DefaultNetworkSettings(
        tag=hashlib.sha256(str(settings.data_dir.resolve()).encode()).hexdigest()[:6],
        block=IPv4Network(block) if block is not None else None,
        allowed=tuple(ip_network(text) for text in settings.function_network_allow),
        resolvers=settings.function_network_resolvers,
        limits=EnvironmentLimits(
            settings.function_network_bandwidth_mbit, settings.function_network_connection_rate
        ),
    )
    return FunctionNetwork(
        NetworkMode.OUTBOUND, DefaultNetwork(network_settings, commands), commands
    )


def _has_net_admin(status: Path = Path("/proc/self/status")) -> bool:
    for line in status.read_text(encoding="ascii").splitlines():
        if line.startswith("CapEff:"):
            return bool(int(line.split()[1], 16) >> CAP_NET_ADMIN & 1)
    return False
