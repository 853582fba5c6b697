"""The default network: each environment's namespace gets a veth into the instance's bridge.

The bridge carries the gateway address; environments' ports are isolated from one another;
the nftables table of `ruleset` decides everything else. Plugging happens when a shell is
pre-spawned, so it costs the warm and the cold path nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network

from stockade.clock import Clock
from stockade.sandbox.logs import LogSink
from stockade.sandbox.network.block_claim import BlockClaim, claim_block
from stockade.sandbox.network.commands import HostCommands
from stockade.sandbox.network.dns import DNS_PORT, DnsForwarder, host_resolvers
from stockade.sandbox.network.errors import NetworkError
from stockade.sandbox.network.limits import EnvironmentLimits
from stockade.sandbox.network.ranges import DefaultNetworkPlan
from stockade.sandbox.network.rejected_log import RejectedLog, nflog_group
from stockade.sandbox.network.ruleset import default_ruleset, removal

LOG = logging.getLogger(__name__)
GUEST_INTERFACE = "eth0"
GUEST_MTU = 1500


@dataclass(frozen=True)
class DefaultNetworkSettings:
    tag: str  # 6 hex digits naming this instance's bridge, table and interfaces
    block: IPv4Network | None = None  # None: claim a free one of the pool
    allowed: tuple[IPv4Network | IPv6Network, ...] = ()  # blocked ranges the operator opens
    dns: bool = True  # the platform's resolver answers on the gateway
    resolvers: tuple[str, ...] = ()  # where it asks; () the host's (/etc/resolv.conf)
    limits: EnvironmentLimits = field(default_factory=EnvironmentLimits)


class DefaultNetwork:
    def __init__(
        self,
        settings: DefaultNetworkSettings,
        commands: HostCommands,
        claim: BlockClaim | None = None,
    ) -> None:
        self._settings = settings
        self._commands = commands
        self._claim = claim
        self._plan: DefaultNetworkPlan | None = None
        self._dns: DnsForwarder | None = None
        self._rejected: RejectedLog | None = None
        self._watched: dict[int, str] = {}  # slot -> address, while an environment runs

    def report_rejected_to(self, sink: LogSink, clock: Clock, window_s: int) -> None:
        """Log what the rules drop from environments (before `start`)."""
        self._rejected = RejectedLog(sink, clock, window_s)

    def watch(self, slot: int, account_id: str, function_name: str) -> None:
        """The environment in `slot` now runs this function: its rejected attempts are its."""
        if self._rejected is not None and self._plan is not None:
            address = str(self._plan.address(slot))
            self._watched[slot] = address
            self._rejected.watch(address, account_id, function_name)

    def forget(self, slot: int) -> None:
        address = self._watched.pop(slot, None)
        if self._rejected is not None and address is not None:
            self._rejected.forget(address)

    @property
    def limits(self) -> EnvironmentLimits:
        return self._settings.limits

    @property
    def plan(self) -> DefaultNetworkPlan:
        if self._plan is None:
            raise NetworkError("the default network is not started")
        return self._plan

    async def start(self, dns_port: int | None = DNS_PORT) -> None:
        """Bridge, gateway address, rules, forwarding, resolver (on `dns_port`; None: not
        started, for tests); raises NetworkError if any step fails, having undone the rest."""
        s = self._settings
        await self._remove_leftovers()
        if self._claim is None:
            self._claim = claim_block(s.block, await self._commands.ipv4_networks())
        plan = DefaultNetworkPlan(s.tag, self._claim.block)
        try:
            await self._commands.ip_batch(
                [
                    # A fixed address: a bridge otherwise takes its lowest port's, and changes
                    # it as ports come and go, which strands environments' ARP entries.
                    f"link add {plan.bridge} address {plan.bridge_mac} type bridge",
                    f"addr add {plan.gateway}/{plan.block.prefixlen} dev {plan.bridge}",
                    f"addr add {plan.router_gateway}/32 dev {plan.bridge}",
                    f"link set {plan.bridge} up",
                ]
            )
            # No IPv6 on the bridge: the host would otherwise be reachable at its link-local.
            await self._commands.sysctl(f"net.ipv6.conf.{plan.bridge}.disable_ipv6", "1")
            group = nflog_group(s.tag) if self._rejected is not None else None
            await self._commands.nft(default_ruleset(plan, s.allowed, s.dns, s.limits, group))
            if self._rejected is not None and group is not None:
                await self._rejected.start(group)
            await self._commands.sysctl("net.ipv4.ip_forward", "1")
            if s.dns and dns_port is not None:
                upstreams = list(s.resolvers) or host_resolvers()
                self._dns = DnsForwarder(plan.gateway, upstreams)
                await self._dns.start(dns_port)
        except BaseException:
            self._plan = plan
            await self.close()
            raise
        self._plan = plan
        LOG.info(
            "default function network on %s: %s, gateway %s", plan.bridge, plan.block, plan.gateway
        )

    async def _remove_leftovers(self) -> None:
        """A crashed run of this instance may have left its bridge and table behind."""
        probe = DefaultNetworkPlan(self._settings.tag, IPv4Network("100.92.0.0/22"))
        with contextlib.suppress(NetworkError):  # none: the usual case
            await self._commands.ip_batch([f"link del {probe.bridge}"])
        await self._commands.nft(removal(probe))

    async def plug(self, pid: int, slot: int) -> dict[str, str | int]:
        """Give the namespace of `pid` an eth0 whose host end is an isolated port of the
        bridge; returns what the sandbox's shell needs to address and route it (the shell
        holds CAP_NET_ADMIN in its namespace until it drops it, so no second process is
        needed). The interfaces go away with the namespace."""
        plan = self.plan
        host_end = plan.host_interface(slot)
        steps = [
            f"link add {host_end} mtu {GUEST_MTU} type veth peer name {GUEST_INTERFACE}"
            f" mtu {GUEST_MTU} netns {pid}",
            f"link set {host_end} master {plan.bridge}",
            f"link set dev {host_end} type bridge_slave isolated on learning off",
            f"link set {host_end} up",
        ]
        try:
            await self._commands.ip_batch(steps)
        except NetworkError as exc:
            if "File exists" not in str(exc):
                raise
            # The slot's previous namespace is still being torn down (the kernel does it
            # asynchronously) and its veth with it: remove that one, then once more.
            with contextlib.suppress(NetworkError):
                await self._commands.ip_batch([f"link del {host_end}"])
            await self._commands.ip_batch(steps)
        # Both directions shaped: into the environment at the host end, out of it at its own
        # end (which it cannot change: it holds no capability in its namespace once it runs).
        shaping = self._settings.limits.tbf()
        await asyncio.gather(
            self._commands.tc_batch([f"qdisc add dev {host_end} root {shaping}"]),
            self._commands.tc_batch(
                [f"qdisc add dev {GUEST_INTERFACE} root {shaping}"], netns_pid=pid
            ),
        )
        return {
            "address": str(plan.address(slot)),
            "prefix": plan.block.prefixlen,
            "gateway": str(plan.gateway),
        }

    async def close(self) -> None:
        if self._rejected is not None:
            await self._rejected.close()
        if self._dns is not None:
            await self._dns.close()
            self._dns = None
        plan, self._plan = self._plan, None
        if plan is not None:
            for step in (
                self._commands.nft(removal(plan)),
                self._commands.ip_batch([f"link del {plan.bridge}"]),
            ):
                try:
                    await step
                except NetworkError as exc:
                    LOG.warning("removing the default network: %s", exc)
        if self._claim is not None:
            self._claim.release()
            self._claim = None
