"""Where the default network lets a function go, and how its addresses are laid out.

Destinations a default-network environment never reaches unless the operator allows a range:
the host itself (dropped on the input hook, whatever its address), other environments, and the
blocks below: RFC 1918 private space, RFC 6598 shared (CGNAT) space, loopback, link-local
(which holds the 169.254.169.254 metadata address), "this network", IETF protocol
assignments, multicast and reserved space; for IPv6, which the default network does not route
at all, the same kinds (unique-local, link-local, loopback, multicast, v4-mapped).
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Network

BLOCKED_V4 = tuple(
    IPv4Network(block)
    for block in (
        "0.0.0.0/8",  # "this network" (RFC 791)
        "10.0.0.0/8",  # private (RFC 1918)
        "100.64.0.0/10",  # shared address space, CGNAT (RFC 6598)
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, instance metadata (RFC 3927)
        "172.16.0.0/12",  # private (RFC 1918)
        "192.0.0.0/24",  # IETF protocol assignments (RFC 6890)
        "192.168.0.0/16",  # private (RFC 1918)
        "224.0.0.0/3",  # multicast and reserved, up to 255.255.255.255
    )
)
BLOCKED_V6 = tuple(
    IPv6Network(block)
    for block in ("::1/128", "::ffff:0:0/96", "fc00::/7", "fe80::/10", "ff00::/8")
)

# Environments' own addresses: one /22 per server instance out of this pool (inside the CGNAT
# block, which environments may not reach, so no destination they need is shadowed).
ADDRESS_POOL = IPv4Network("100.92.0.0/14")
BLOCK_PREFIX = 22
# The top of each block: one address per VPC router's uplink, and the host's gateway for them.
ROUTER_SLOTS = 16


@dataclass(frozen=True)
class DefaultNetworkPlan:
    """Names and addresses of one server instance's default network.

    `tag` is a short hex digest of the instance: Linux interface names have 15 characters.
    """

    tag: str
    block: IPv4Network

    def __post_init__(self) -> None:
        if len(self.tag) != 6 or not all(c in "0123456789abcdef" for c in self.tag):
            raise ValueError("tag must be 6 lowercase hex digits")
        if self.block.prefixlen > 26:
            raise ValueError("the block must hold the gateways, the routers and environments")

    @property
    def bridge(self) -> str:
        return f"sb{self.tag}"

    @property
    def bridge_mac(self) -> str:
        """Locally administered, unicast, and distinct per instance."""
        t = self.tag
        return f"02:5a:{t[0:2]}:{t[2:4]}:{t[4:6]}:01"

    @property
    def table(self) -> str:
        return f"stockade_{self.tag}"

    @property
    def gateway(self) -> IPv4Address:
        return self.block.network_address + 1

    @property
    def capacity(self) -> int:
        """Environments the block holds: all but network, gateway, broadcast and the top
        addresses kept for VPC routers."""
        return self.block.num_addresses - 4 - ROUTER_SLOTS

    @property
    def router_gateway(self) -> IPv4Address:
        """The host's second address on the bridge: VPC routers' next hop (they hold
        `gateway` themselves, as their environments' gateway)."""
        return self.block.broadcast_address - 1

    def router_address(self, index: int) -> IPv4Address:
        if not 0 <= index < ROUTER_SLOTS:
            raise ValueError(f"router {index} is outside 0..{ROUTER_SLOTS - 1}")
        return self.block.broadcast_address - 2 - index

    def router_interface(self, index: int) -> str:
        return f"r{self.tag}-{index:x}"

    def router_namespace(self, vpc_id: str) -> str:
        return f"stk{self.tag}-{vpc_id.removeprefix('vpc-')}"

    def link_interface(self, index: int) -> str:
        """The host end of a VPC router's link into an operator's bridge."""
        return f"l{self.tag}-{index:x}"

    def address(self, slot: int) -> IPv4Address:
        if not 0 <= slot < self.capacity:
            raise ValueError(f"slot {slot} is outside the block {self.block}")
        return self.block.network_address + 2 + slot

    def host_interface(self, slot: int) -> str:
        """The host end of slot's veth pair (the guest end is always eth0)."""
        return f"s{self.tag}-{slot:x}"
