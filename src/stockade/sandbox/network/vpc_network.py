"""Environments of functions with a VpcConfig: attached to their VPC's router on this host.

At launch, the pre-spawned sandbox's veth (already addressed and routed by its shell, never
used yet) leaves the default network's bridge for the router of the function's VPC, created
on first use: the environment keeps its address and gateway, but its packets now meet its
security groups' egress rules in the router, leave through the host's NAT only if its subnet
routes 0.0.0.0/0 to a NAT gateway, and reach an operator's network only where a subnet is
bound to one (translated to the function's interface address in the subnet). When a
security group or route table changes, every environment of that VPC gets its rules again,
atomically; connections already tracked go on, the next one meets the new rules.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from ipaddress import IPv4Address

from stockade.clock import Clock, SystemClock
from stockade.sandbox.network.attachment import ResolvedVpc, VpcPlacement, VpcResolver
from stockade.sandbox.network.commands import HostCommands
from stockade.sandbox.network.conntrack_events import ConntrackEvents
from stockade.sandbox.network.default_network import DefaultNetwork
from stockade.sandbox.network.errors import NetworkError
from stockade.sandbox.network.flow_aggregator import FlowAggregator, FlowInterface
from stockade.sandbox.network.flow_delivery import FlowLogSink, NoFlowLogs, Observed
from stockade.sandbox.network.nflog import NflogReader
from stockade.sandbox.network.ranges import ROUTER_SLOTS
from stockade.sandbox.network.vpc_rules import (
    FLOW_LOG_GROUP,
    REJECT,
    UPLINK,
    attach_rules,
    chain_rules,
    detach_rules,
    replace_rules,
    router_ruleset,
)
from stockade.types import AccountId

LOG = logging.getLogger(__name__)
FLOW_WINDOW_S = 60  # records' capture window: AWS's shorter maximum aggregation interval
TIME_WAIT_S = 5


@dataclass
class _Router:
    namespace: str
    index: int
    links: dict[str, str] = field(default_factory=dict)  # subnet id -> router-side link
    addressed: set[tuple[str, IPv4Address]] = field(default_factory=set)  # (link, address)
    observers: list[asyncio.Task[None]] = field(default_factory=list)  # flow-log readers


@dataclass(frozen=True)
class _Attached:
    placement: VpcPlacement
    subnet_id: str
    vpc_key: tuple[str, str]  # (account, vpc id)
    address: IPv4Address
    interface: str
    translated: bool  # has an entry in the router's sources map


class VpcNetwork:
    def __init__(
        self,
        default: DefaultNetwork,
        resolver: VpcResolver,
        commands: HostCommands,
        bindings: Mapping[str, str] | None = None,  # subnet id -> operator's host bridge
        flow_logs: FlowLogSink | None = None,
        clock: Clock | None = None,
        flow_window_s: int = FLOW_WINDOW_S,
    ) -> None:
        self._default = default
        self._resolver = resolver
        self._commands = commands
        self._bindings = dict(bindings or {})
        self._routers: dict[tuple[str, str], _Router] = {}
        self._attached: dict[int, _Attached] = {}
        self._current: dict[int, ResolvedVpc | None] = {}  # as last resolved, per slot
        self._lock = asyncio.Lock()  # routers and links are made one at a time
        # Rules are read and applied under this lock, so the last to apply read the newest
        # state: a change notice never loses to an attach or a refresh that read before it.
        self._rules_lock = asyncio.Lock()
        self._link_count = 0
        self._refreshing: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None  # the one environments live on
        # Flow logs: what routers drop (NFLOG) and the connections that end (conntrack),
        # aggregated per interface and window, then handed to the sink.
        self._flow_logs = flow_logs or NoFlowLogs()
        self._observing = flow_logs is not None  # no sink: no readers either
        self._flows = FlowAggregator(clock or SystemClock(), flow_window_s)
        self._flow_window_s = flow_window_s
        self._placed: dict[str, tuple[str, str]] = {}  # interface id -> (vpc, subnet)
        # interface id -> (environment's address, interface's): records show the interface's,
        # as the VPC sees the function's traffic.
        self._shown_as: dict[str, tuple[str, str]] = {}
        self._delivering: asyncio.Task[None] | None = None
        # (account, subnets) -> router key: the subnets of a placement are of one VPC.
        self._routes_of: dict[tuple[str, tuple[str, ...]], tuple[str, str]] = {}
        self._prepared: dict[int, tuple[str, str]] = {}  # slot -> router it waits in

    async def start(self) -> None:
        """Remove the routers a crashed run of this server left (their names carry its tag)."""
        self._loop = asyncio.get_running_loop()
        self._delivering = self._loop.create_task(self._deliver_forever())
        prefix = self._default.plan.router_namespace("vpc-")
        for name in await asyncio.to_thread(_named_namespaces):
            if name.startswith(prefix):
                with contextlib.suppress(NetworkError):
                    await self._commands.ip_batch([f"netns del {name}"])

    # -- attach / detach ---------------------------------------------------------------------
    async def attach(self, pid: int, slot: int, placement: VpcPlacement) -> ResolvedVpc:
        if not placement.subnet_ids:
            raise NetworkError("the VpcConfig names no subnet")
        subnet_id = placement.subnet_ids[slot % len(placement.subnet_ids)]
        async with self._rules_lock:
            return await self._attach(pid, slot, placement, subnet_id)

    async def _attach(
        self, pid: int, slot: int, placement: VpcPlacement, subnet_id: str
    ) -> ResolvedVpc:
        plan = self._default.plan
        resolved = await asyncio.to_thread(self._resolver.resolve, placement, subnet_id)
        if resolved is None:
            raise NetworkError(f"{subnet_id} or one of the function's security groups is gone")
        key = (placement.account_id, resolved.subnet.vpc_id)
        async with self._lock:
            router = self._routers.get(key) or await self._new_router(key)
            link = await self._link(router, resolved)
        self._routes_of[(placement.account_id, placement.subnet_ids)] = key
        interface, address = plan.host_interface(slot), plan.address(slot)
        waited_in = self._prepared.pop(slot, None)
        if waited_in is None:
            await self._move(slot, router)
        elif waited_in != key:  # cannot happen: a placement's subnets are of one VPC
            raise NetworkError("a sandbox prepared for another VPC")
        source = None
        if link is not None and resolved.interface_address is not None:
            source = (address, resolved.interface_address)
        limits = self._default.limits
        rate = limits.new_connections_per_second
        rules = attach_rules(slot, interface, resolved, plan.router_gateway, source, rate)
        await self._commands.nft(rules, netns=router.namespace)
        self._attached[slot] = _Attached(
            placement, subnet_id, key, address, interface, source is not None
        )
        self._current[slot] = resolved
        if resolved.interface_id:
            watched = FlowInterface(AccountId(placement.account_id), resolved.interface_id)
            self._flows.watch(interface, watched)  # what it drops arrives on this interface
            self._flows.watch(str(address), watched)  # what it connects starts from here
            self._placed[resolved.interface_id] = (resolved.subnet.vpc_id, subnet_id)
            if resolved.interface_address is not None:
                self._shown_as[resolved.interface_id] = (
                    str(address),
                    str(resolved.interface_address),
                )
        return resolved

    async def _move(self, slot: int, router: _Router) -> None:
        """The slot's veth leaves the default bridge for the router: the environment keeps its
        address and gateway (the router holds that address on every environment's port)."""
        plan, limits = self._default.plan, self._default.limits
        interface, address = plan.host_interface(slot), plan.address(slot)
        move = [f"link set {interface} nomaster", f"link set {interface} netns {router.namespace}"]
        try:
            await self._commands.ip_batch(move)
        except NetworkError as exc:
            if "File exists" not in str(exc):
                raise
            # The slot's previous veth is still in the router (its namespace is being torn
            # down): remove it there, then once more.
            with contextlib.suppress(NetworkError):
                await self._commands.ip_batch([f"link del {interface}"], netns=router.namespace)
            await self._commands.ip_batch(move)
        await asyncio.gather(
            self._commands.ip_batch(
                [
                    f"addr add {plan.gateway}/32 dev {interface}",
                    f"link set {interface} up",
                    f"route add {address}/32 dev {interface}",
                ],
                netns=router.namespace,
            ),
            # The host end's shaping did not survive the move: shape it again in the router.
            self._commands.tc_batch(
                [f"qdisc add dev {interface} root {limits.tbf()}"], netns=router.namespace
            ),
        )

    def router_of(self, placement: VpcPlacement) -> tuple[str, str] | None:
        """The router a placement's environments joined before (None: none yet)."""
        key = self._routes_of.get((placement.account_id, placement.subnet_ids))
        return key if key is not None and key in self._routers else None

    async def prepare(self, slot: int, key: tuple[str, str]) -> bool:
        """Move a pre-spawned sandbox into a router ahead of a launch, so that the launch only
        loads its rules; until then no rule lets its packets anywhere. False: no router."""
        async with self._lock:
            router = self._routers.get(key)
            if router is None:
                return False
            await self._move(slot, router)
        self._prepared[slot] = key
        return True

    def reaches_service(self, slot: int, service: str | None) -> bool:
        """The SDK channel's reachability for the environment in `slot` (see
        ResolvedVpc.reaches_service); nothing when its VPC state is unknown or gone."""
        resolved = self._current.get(slot)
        return resolved is not None and resolved.reaches_service(service)

    async def detach(self, slot: int) -> None:
        """After the environment's namespace is gone (its veth went with it)."""
        self._prepared.pop(slot, None)
        attached = self._attached.pop(slot, None)
        self._current.pop(slot, None)
        if attached is None:
            return
        self._flows.forget(attached.interface)
        self._flows.forget(str(attached.address))
        router = self._routers.get(attached.vpc_key)
        if router is None:
            return
        translated = attached.address if attached.translated else None
        try:
            await self._commands.nft(
                detach_rules(slot, attached.interface, translated), netns=router.namespace
            )
        except NetworkError as exc:
            LOG.warning("removing the rules of a VPC environment: %s", exc)

    # -- changes -----------------------------------------------------------------------------
    def vpc_changed(self, account_id: str, vpc_id: str) -> None:
        """NetworkChanges, from any thread (handlers run in workers): re-resolve every
        environment of the VPC on the environments' loop."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return  # not started: no environment is attached
        loop.call_soon_threadsafe(self._schedule_refresh, (account_id, vpc_id))

    def _schedule_refresh(self, key: tuple[str, str]) -> None:
        task = asyncio.get_running_loop().create_task(self.refresh(key))
        self._refreshing.add(task)
        task.add_done_callback(self._refreshing.discard)

    async def refresh(self, key: tuple[str, str]) -> None:
        async with self._rules_lock:
            await self._refresh(key)

    async def _refresh(self, key: tuple[str, str]) -> None:
        router = self._routers.get(key)
        if router is None:
            return
        resolver_address = self._default.plan.router_gateway
        for slot, attached in list(self._attached.items()):  # bounded by live environments
            if attached.vpc_key != key:
                continue
            resolved = await asyncio.to_thread(
                self._resolver.resolve, attached.placement, attached.subnet_id
            )
            self._current[slot] = resolved
            # Gone subnet or group: the environment keeps only its resolver (fail closed).
            rate = self._default.limits.new_connections_per_second
            rules = (
                chain_rules(resolved, resolver_address, rate) if resolved is not None else [REJECT]
            )
            try:
                await self._commands.nft(replace_rules(slot, rules), netns=router.namespace)
            except NetworkError as exc:
                LOG.error("could not update the rules of a VPC environment: %s", exc)

    # -- routers -----------------------------------------------------------------------------
    async def _new_router(self, key: tuple[str, str]) -> _Router:
        plan = self._default.plan
        used = {r.index for r in self._routers.values()}
        free = [i for i in range(ROUTER_SLOTS) if i not in used]
        if not free:
            raise NetworkError(f"more than {ROUTER_SLOTS} VPCs with environments on this host")
        router = _Router(plan.router_namespace(key[1]), free[0])
        uplink = plan.router_interface(router.index)
        try:
            await self._commands.ip_batch(
                [
                    f"netns add {router.namespace}",
                    f"link add {uplink} type veth peer name {UPLINK} netns {router.namespace}",
                    f"link set {uplink} master {plan.bridge}",
                    f"link set dev {uplink} type bridge_slave isolated on learning off",
                    f"link set {uplink} up",
                ]
            )
            await self._commands.ip_batch(
                [
                    "link set lo up",
                    f"addr add {plan.router_address(router.index)}/32 dev {UPLINK}",
                    f"link set {UPLINK} up",
                    f"route add {plan.router_gateway}/32 dev {UPLINK} scope link",
                    f"route add default via {plan.router_gateway} dev {UPLINK}",
                ],
                netns=router.namespace,
            )
            await self._commands.sysctl("net.ipv4.ip_forward", "1", netns=router.namespace)
            await self._commands.nft(
                router_ruleset(plan.gateway, plan.router_gateway), netns=router.namespace
            )
            if self._observing:
                await self._observe(router)
        except BaseException:
            await self._remove_router(router)
            raise
        self._routers[key] = router
        return router

    async def _observe(self, router: _Router) -> None:
        """Start the router's flow readers (after its ruleset: conntrack's settings exist in a
        namespace once a rule uses it). A closed TCP connection is reported when conntrack
        forgets it: shorten TIME_WAIT's hold in the router so records come within seconds."""
        await self._commands.sysctl(
            "net.netfilter.nf_conntrack_tcp_timeout_time_wait", str(TIME_WAIT_S),
            netns=router.namespace,
        )  # fmt: skip
        rejected = await NflogReader.open(router.namespace, FLOW_LOG_GROUP)
        ended = await ConntrackEvents.open(router.namespace)
        loop = asyncio.get_running_loop()
        router.observers = [
            loop.create_task(self._read_rejected(rejected)),
            loop.create_task(self._read_ended(ended)),
        ]

    async def _read_rejected(self, reader: NflogReader) -> None:
        try:
            async for packet in reader.packets():
                self._flows.rejected(packet)
        finally:
            reader.close()

    async def _read_ended(self, reader: ConntrackEvents) -> None:
        try:
            async for flow in reader.flows():
                self._flows.ended(flow)
        finally:
            reader.close()

    async def _deliver_forever(self) -> None:
        while True:  # until close() cancels it
            await asyncio.sleep(max(1.0, self._flow_window_s / 4))
            await self.deliver_due()

    async def deliver_due(self) -> int:
        """Hand the records of closed windows to the flow-log sink; lines written."""
        observed = []
        for seen in self._flows.due():
            vpc_id, subnet_id = self._placed.get(seen.interface_id, ("", ""))
            inside, shown = self._shown_as.get(seen.interface_id, ("", ""))
            record = seen
            if shown:
                record = replace(
                    seen,
                    srcaddr=shown if seen.srcaddr == inside else seen.srcaddr,
                    dstaddr=shown if seen.dstaddr == inside else seen.dstaddr,
                )
            observed.append(Observed(record, vpc_id, subnet_id))
        if not observed:
            return 0
        try:
            return await asyncio.to_thread(self._flow_logs.deliver, observed)
        except Exception:  # the records are lost, not the server: flow logs are best effort
            LOG.exception("could not deliver %d flow records", len(observed))
            return 0

    async def _link(self, router: _Router, resolved: ResolvedVpc) -> str | None:
        """The router's link into the operator network its subnet is bound to, if any, with
        the function's interface address on it."""
        subnet = resolved.subnet
        bridge = self._bindings.get(subnet.subnet_id)
        if bridge is None:
            return None
        link = router.links.get(subnet.subnet_id)
        if link is None:
            index = self._link_count
            self._link_count += 1
            host_end, link = self._default.plan.link_interface(index), f"sn{index:x}"
            await self._commands.ip_batch(
                [
                    f"link add {host_end} type veth peer name {link} netns {router.namespace}",
                    f"link set {host_end} master {bridge}",
                    f"link set {host_end} up",
                ]
            )
            await self._commands.ip_batch([f"link set {link} up"], netns=router.namespace)
            router.links[subnet.subnet_id] = link
        address = resolved.interface_address
        if address is not None and (link, address) not in router.addressed:
            prefix = subnet.cidr.prefixlen
            await self._commands.ip_batch(
                [f"addr add {address}/{prefix} dev {link}"], netns=router.namespace
            )
            router.addressed.add((link, address))
        return link

    async def _remove_router(self, router: _Router) -> None:
        for task in router.observers:
            task.cancel()
        await asyncio.gather(*router.observers, return_exceptions=True)
        # Deleting the namespace deletes its veths, and with them their host ends.
        try:
            await self._commands.ip_batch([f"netns del {router.namespace}"])
        except NetworkError as exc:
            LOG.warning("removing a VPC router: %s", exc)

    async def close(self) -> None:
        if self._delivering is not None:
            self._delivering.cancel()
            await asyncio.gather(self._delivering, return_exceptions=True)
        for task in list(self._refreshing):
            task.cancel()
        await asyncio.gather(*self._refreshing, return_exceptions=True)
        routers, self._routers = list(self._routers.values()), {}
        self._attached.clear()
        self._current.clear()
        for router in routers:
            await self._remove_router(router)


def _named_namespaces(directory: str = "/run/netns") -> list[str]:
    try:
        return os.listdir(directory)
    except OSError:
        return []
