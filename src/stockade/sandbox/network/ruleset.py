"""The default network's nftables ruleset, as text for one atomic `nft -f` transaction.

Everything arriving from the bridge is an environment's traffic (its ports are isolated, so
environments never see one another at layer 2). The rules:
- input (to the host itself, any of its addresses): only replies and the platform's DNS;
- forward into the bridge: only replies, so no inbound connection ever reaches an environment
  and no environment reaches another through the gateway;
- forward from the bridge: the environment's own source address only, IPv4 only, at most so
  many new connections per second per environment, never the blocked ranges unless the
  operator allowed them, then anything else, masqueraded;
- output into the bridge: only replies (the host opens no connection to an environment).
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network

from stockade.sandbox.network.dns import DNS_PORT
from stockade.sandbox.network.limits import EnvironmentLimits
from stockade.sandbox.network.ranges import BLOCKED_V4, DefaultNetworkPlan


def _elements(blocks: Sequence[IPv4Network | IPv6Network]) -> str:
    return f"elements = {{ {', '.join(str(b) for b in blocks)} }}" if blocks else ""


def default_ruleset(
    plan: DefaultNetworkPlan,
    allowed: Sequence[IPv4Network | IPv6Network] = (),
    dns: bool = True,
    limits: EnvironmentLimits | None = None,
    log_group: int | None = None,
) -> str:
    """The whole table; loading it replaces any earlier version of it atomically."""
    br, gw, table = plan.bridge, plan.gateway, plan.table
    # What an environment sends that is dropped goes to the NFLOG group too (its rejected log).
    log = f"log group {log_group} " if log_group is not None else ""
    allowed4 = [b for b in allowed if isinstance(b, IPv4Network)]
    rate = (limits or EnvironmentLimits()).new_connections_per_second
    over = f"limit rate over {rate}/second burst {2 * rate} packets"
    rate_rule = (
        f'        iifname "{br}" ct state new add @new_connections {{ ip saddr {over} }}'
        f" {log}counter name rate_limited drop\n"
    )
    resolver = f"{{ {gw}, {plan.router_gateway} }}"
    dns_rules = (
        f'        iifname "{br}" ip daddr {resolver} udp dport {DNS_PORT} accept\n'
        f'        iifname "{br}" ip daddr {resolver} tcp dport {DNS_PORT} accept\n'
        if dns
        else ""
    )
    return f"""table inet {table}
delete table inet {table}
table inet {table} {{
    set allowed4 {{
        type ipv4_addr; flags interval; auto-merge
        {_elements(allowed4)}
    }}
    set blocked4 {{
        type ipv4_addr; flags interval; auto-merge
        {_elements(BLOCKED_V4)}
    }}
    counter rejected {{ }}
    counter rate_limited {{ }}
    set new_connections {{
        type ipv4_addr; flags dynamic; timeout 10s; size 65536
    }}
    chain input {{
        type filter hook input priority filter - 10; policy accept;
        iifname "{br}" ct state established,related accept
{dns_rules}        iifname "{br}" {log}counter name rejected drop
    }}
    chain forward {{
        type filter hook forward priority filter - 10; policy accept;
        oifname "{br}" ct state established,related accept
        oifname "{br}" counter name rejected drop
        iifname "{br}" meta nfproto != ipv4 counter name rejected drop
        iifname "{br}" ip saddr != {plan.block} {log}counter name rejected drop
{rate_rule}        iifname "{br}" ip daddr @allowed4 accept
        iifname "{br}" ip daddr @blocked4 {log}counter name rejected drop
        iifname "{br}" accept
    }}
    chain output {{
        type filter hook output priority filter - 10; policy accept;
        oifname "{br}" ct state established,related accept
        oifname "{br}" counter name rejected drop
    }}
    chain postrouting {{
        type nat hook postrouting priority srcnat; policy accept;
        ip saddr {plan.block} oifname != "{br}" masquerade
    }}
}}
"""


def removal(plan: DefaultNetworkPlan) -> str:
    """Delete the table if present (`table` first makes the delete succeed either way)."""
    return f"table inet {plan.table}\ndelete table inet {plan.table}\n"
