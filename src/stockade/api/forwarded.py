"""Who the client is: the socket's peer, or what a trusted proxy in front of Stockade says.

`X-Forwarded-For`, `Forwarded` (RFC 7239) and `X-Forwarded-Proto` are claims anyone can send;
they are read only when the connection comes from a configured trusted proxy, and then only
up to the first hop that is not itself trusted (walking from the nearest hop outwards, so a
client cannot prepend an address of its choosing). Everything else gets the socket's address
and transport, which decide `aws:SourceIp`, `aws:SecureTransport` and the audit record's
source address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_SCHEMES = ("http", "https")
_MAX_HOPS = 32  # more hops than any real chain; the rest of a longer header is not read


@dataclass(frozen=True)
class TrustedProxies:
    networks: tuple[IpNetwork, ...] = ()

    @classmethod
    def parse(cls, cidrs: Iterable[str]) -> TrustedProxies:
        """From CIDRs such as "10.0.0.0/8" or single addresses; ValueError names a bad one."""
        networks = []
        for cidr in cidrs:
            try:
                networks.append(ipaddress.ip_network(cidr.strip(), strict=False))
            except ValueError as exc:
                raise ValueError(f"not an IP address or CIDR block: {cidr!r}") from exc
        return cls(tuple(networks))

    def __bool__(self) -> bool:
        return bool(self.networks)

    def trusts(self, address: str) -> bool:
        parsed = _address(address)
        return parsed is not None and _within(parsed, self.networks)


@dataclass(frozen=True)
class Client:
    ip: str
    scheme: str


def resolve(
    peer_ip: str, scheme: str, headers: Sequence[tuple[bytes, bytes]], trusted: TrustedProxies
) -> Client:
    """The client as the edge should see it (`headers` as the server read them, names lower)."""
    if not trusted or not trusted.trusts(peer_ip):
        return Client(peer_ip, scheme)
    hops, protos = _forwarded(headers)
    if not hops:
        return Client(peer_ip, scheme)
    chosen: IpAddress | None = None
    proto: str | None = None
    for hop, hop_proto in zip(reversed(hops), reversed(protos), strict=True):
        address = _address(hop)
        if address is None:  # garbage where an address belongs: trust stops at the hop before
            break
        chosen, proto = address, hop_proto
        if not _within(address, trusted.networks):
            break
    if chosen is None:
        return Client(peer_ip, scheme)
    return Client(str(chosen), proto if proto in _SCHEMES else scheme)


def _forwarded(headers: Sequence[tuple[bytes, bytes]]) -> tuple[list[str], list[str | None]]:
    """Forwarding hops, client first, and the protocol each hop received (when said)."""
    rfc: list[bytes] = []
    xff: list[bytes] = []
    xfp: list[bytes] = []
    for name, value in headers:
        if name == b"forwarded":
            rfc.append(value)
        elif name == b"x-forwarded-for":
            xff.append(value)
        elif name == b"x-forwarded-proto":
            xfp.append(value)
    if rfc:
        return _rfc7239(b",".join(rfc).decode("latin-1"))
    hops = _last_items(b",".join(xff).decode("latin-1"))
    said = [p.lower() for p in _last_items(b",".join(xfp).decode("latin-1"))]
    if len(said) == len(hops):
        return hops, list(said)
    # Not one per hop: only the nearest proxy's word is meaningful, for the hop it received.
    protos: list[str | None] = [None] * len(hops)
    if hops and said:
        protos[-1] = said[-1]
    return hops, protos


def _rfc7239(text: str) -> tuple[list[str], list[str | None]]:
    hops: list[str] = []
    protos: list[str | None] = []
    for element in _last_items(text):
        found: dict[str, str] = {}
        for pair in element.split(";"):
            key, _, value = pair.partition("=")
            found[key.strip().lower()] = value.strip().strip('"')
        hops.append(found.get("for", ""))
        proto = found.get("proto")
        protos.append(proto.lower() if proto else None)
    return hops, protos


def _last_items(text: str) -> list[str]:
    items = [item.strip() for item in text.split(",")] if text.strip() else []
    return items[-_MAX_HOPS:]


def _address(text: str) -> IpAddress | None:
    """An address from a hop: bare, `v4:port`, `[v6]` or `[v6]:port`; None if it is none."""
    text = text.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _within(address: IpAddress, networks: Iterable[IpNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in networks)
