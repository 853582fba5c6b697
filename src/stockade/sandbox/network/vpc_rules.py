"""A VPC router's nftables rules, as text: its base table and one chain per environment.

Each VPC with environments on this host has a router: a network namespace holding, for every
environment, the host end of its veth (with the environment's gateway address), an uplink into
the default network's bridge (the way to the internet, through the host's NAT, when the
subnet's route table sends 0.0.0.0/0 to a NAT gateway) and a link into each operator network a
subnet is bound to. The forward hook drops by default; an environment's packets jump to its
chain (through the `envs` verdict map), which holds its security groups' egress rules. Nothing
but replies ever enters an environment, whatever the groups' inbound rules say.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network

from stockade.sandbox.network.attachment import EgressRule, IpProtocol, ResolvedVpc
from stockade.sandbox.network.dns import DNS_PORT

TABLE = "vpc"
UPLINK = "up0"
# Every packet an environment's chain drops is logged to this NFLOG group: the flow logs'
# REJECT records (the router's own namespace: one group serves all its environments).
FLOW_LOG_GROUP = 19
REJECT = f"log group {FLOW_LOG_GROUP} counter name rejected drop"


def router_ruleset(gateway: IPv4Address, resolver: IPv4Address) -> str:
    """The base table; environments' elements and chains are added by `attach_rules`."""
    return f"""table inet {TABLE}
delete table inet {TABLE}
table inet {TABLE} {{
    map envs {{ type ifname : verdict; }}
    map sources {{ type ipv4_addr : ipv4_addr; }}
    counter rejected {{ }}
    counter rate_limited {{ }}
    chain prerouting {{
        type nat hook prerouting priority dstnat; policy accept;
        ip daddr {gateway} udp dport {DNS_PORT} dnat ip to {resolver}
        ip daddr {gateway} tcp dport {DNS_PORT} dnat ip to {resolver}
    }}
    chain forward {{
        type filter hook forward priority filter; policy drop;
        ct state established,related accept
        iifname vmap @envs
        counter name rejected
    }}
    chain input {{
        type filter hook input priority filter; policy drop;
        ct state established,related accept
        iifname "lo" accept
    }}
    chain output {{
        type filter hook output priority filter; policy accept;
    }}
    chain postrouting {{
        type nat hook postrouting priority srcnat; policy accept;
        oifname "{UPLINK}" masquerade
        oifname != "{UPLINK}" snat ip to ip saddr map @sources
    }}
}}
"""


def chain_name(slot: int) -> str:
    return f"env_{slot}"


def _rule(rule: EgressRule) -> str | None:
    if not isinstance(rule.destination, IPv4Network):
        return None  # environments have no IPv6 address: an IPv6 rule permits nothing
    to = f"ip daddr {rule.destination}"
    if rule.protocol is IpProtocol.ALL:
        return f"{to} accept"
    if rule.protocol in (IpProtocol.TCP, IpProtocol.UDP):
        assert rule.ports is not None
        low, high = rule.ports
        ports = str(low) if low == high else f"{low}-{high}"
        return f"{to} {rule.protocol.value} dport {ports} accept"
    if rule.protocol is IpProtocol.ICMP:
        kind, code = rule.ports if rule.ports is not None else (-1, -1)
        match = "meta l4proto icmp" if kind == -1 else f"icmp type {kind}"
        if kind != -1 and code != -1:
            match += f" icmp code {code}"
        return f"{to} {match} accept"
    return None  # icmpv6


def chain_rules(
    resolved: ResolvedVpc, resolver: IPv4Address, new_connections_per_second: int
) -> list[str]:
    """The environment's egress, in order: its connection rate, the platform's resolver, the
    VPC's own block never through the uplink, the uplink only with a NAT route, then the
    groups' rules."""
    subnet = resolved.subnet
    rate = new_connections_per_second
    rules = [
        f"ct state new limit rate over {rate}/second burst {2 * rate} packets"
        f" log group {FLOW_LOG_GROUP} counter name rate_limited drop",
        f"ip daddr {resolver} udp dport {DNS_PORT} accept",
        f"ip daddr {resolver} tcp dport {DNS_PORT} accept",
        f'oifname "{UPLINK}" ip daddr {subnet.vpc_cidr} {REJECT}',
    ]
    if not subnet.internet:
        rules.append(f'oifname "{UPLINK}" {REJECT}')
    rules.extend(r for r in map(_rule, resolved.egress) if r is not None)
    rules.append(REJECT)
    return rules


def attach_rules(
    slot: int,
    interface: str,
    resolved: ResolvedVpc,
    resolver: IPv4Address,
    source: tuple[IPv4Address, IPv4Address] | None,
    new_connections_per_second: int,
) -> str:
    """One transaction: the environment's chain, filled, and its entries in the maps
    (`source`: its address and the function's interface address it is translated to)."""
    chain = chain_name(slot)
    lines = [f"add chain inet {TABLE} {chain}", f"flush chain inet {TABLE} {chain}"]
    rules = chain_rules(resolved, resolver, new_connections_per_second)
    lines += [f"add rule inet {TABLE} {chain} {rule}" for rule in rules]
    lines.append(f'add element inet {TABLE} envs {{ "{interface}" : jump {chain} }}')
    if source is not None:
        lines.append(f"add element inet {TABLE} sources {{ {source[0]} : {source[1]} }}")
    return "\n".join(lines) + "\n"


def replace_rules(slot: int, rules: Iterable[str]) -> str:
    """Swap an environment's rules in one transaction: connections already tracked go on,
    the next new one meets the new rules."""
    chain = chain_name(slot)
    lines = [f"flush chain inet {TABLE} {chain}"]
    lines += [f"add rule inet {TABLE} {chain} {rule}" for rule in rules]
    return "\n".join(lines) + "\n"


def detach_rules(slot: int, interface: str, address: IPv4Address | None) -> str:
    chain = chain_name(slot)
    lines = [f'delete element inet {TABLE} envs {{ "{interface}" }}']
    if address is not None:
        lines.append(f"delete element inet {TABLE} sources {{ {address} }}")
    lines.append(f"delete chain inet {TABLE} {chain}")
    return "\n".join(lines) + "\n"
