"""EC2's `IpPermissions` to rules and back.

One permission names a protocol and port range and any number of peers (IPv4 and IPv6
ranges, groups); EC2 keeps one rule (`sgr-` id) per peer, and Describe* answers regroup them
per protocol and ports. Protocols: `tcp`, `udp`, `icmp`, `icmpv6` or their numbers, and `-1`
(all); tcp and udp need both ports (0-65535), icmp a type and code (-1 for any).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from stockade.domain.network import ALL_PROTOCOLS, Rule
from stockade.services.ec2.common import IdSource, Request
from stockade.services.ec2.errors import (
    InvalidParameterValueError,
    MissingParameterError,
    UnsupportedOperationError,
)

_NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": ALL_PROTOCOLS}
_PORTED = frozenset({"tcp", "udp"})
_KNOWN = frozenset({"tcp", "udp", "icmp", "icmpv6", ALL_PROTOCOLS})
PORT_MAX = 65535


def requested(request: Request) -> list[Mapping[str, Any]]:
    """The permissions of a request: `IpPermissions`, or the older top-level form
    (`IpProtocol`, `FromPort`, `ToPort`, `CidrIp`)."""
    listed = list(request.get("IpPermissions", ()))
    if request.get("IpProtocol") is not None or request.get("CidrIp") is not None:
        single: dict[str, Any] = {
            k: request[k] for k in ("IpProtocol", "FromPort", "ToPort") if k in request
        }
        if request.get("CidrIp") is not None:
            single["IpRanges"] = [{"CidrIp": request["CidrIp"]}]
        listed.append(single)
    return listed


def to_rules(permissions: Sequence[Mapping[str, Any]], egress: bool, ids: IdSource) -> list[Rule]:
    rules: list[Rule] = []
    for permission in permissions:
        protocol, from_port, to_port = _protocol_and_ports(permission)
        base = Rule("", egress, protocol, from_port, to_port)
        peers = _peers(permission)
        if not peers:
            raise MissingParameterError(
                "The request must contain the parameter ipRanges, ipv6Ranges or groups"
            )
        for peer in peers:
            rules.append(_with_peer(base, peer, ids.new_id("sgr")))
    return rules


def _protocol_and_ports(permission: Mapping[str, Any]) -> tuple[str, int | None, int | None]:
    given = permission.get("IpProtocol")
    if given is None:
        raise MissingParameterError("The request must contain the parameter ipProtocol")
    protocol = _NAMES.get(str(given).lower(), str(given).lower())
    if protocol not in _KNOWN:
        raise InvalidParameterValueError(
            f"Invalid value '{str(given)[:32]}' for IP protocol. Unknown protocol."
        )
    if protocol == ALL_PROTOCOLS:
        return protocol, None, None  # EC2 ignores ports for all protocols
    from_port, to_port = permission.get("FromPort"), permission.get("ToPort")
    if from_port is None or to_port is None:
        raise InvalidParameterValueError(
            "Invalid value for portRange. Must specify both from and to ports with TCP/UDP."
            if protocol in _PORTED
            else "Invalid value for portRange. Must specify both ICMP type and code."
        )
    low, high = (0, PORT_MAX) if protocol in _PORTED else (-1, 255)
    if not (low <= from_port <= high and low <= to_port <= high) or (
        protocol in _PORTED and from_port > to_port
    ):
        raise InvalidParameterValueError(
            f"Invalid value for portRange. The range {from_port}-{to_port} is not valid."
        )
    return protocol, from_port, to_port


def _peers(permission: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(kind, value, description) of each peer."""
    if permission.get("PrefixListIds"):
        raise UnsupportedOperationError("Prefix lists are not supported by this server yet.")
    peers = []
    for item in permission.get("IpRanges", ()):
        peers.append(("ipv4", _cidr(item.get("CidrIp"), 4), item.get("Description", "")))
    for item in permission.get("Ipv6Ranges", ()):
        peers.append(("ipv6", _cidr(item.get("CidrIpv6"), 6), item.get("Description", "")))
    for item in permission.get("UserIdGroupPairs", ()):
        group_id = item.get("GroupId")
        if not group_id:
            raise MissingParameterError(
                "The request must contain the parameter groupId of each referenced group"
            )
        peers.append(("group", str(group_id), item.get("Description", "")))
    return peers


def _cidr(text: Any, version: int) -> str:
    try:
        if version == 4:
            return str(ipaddress.IPv4Network(str(text), strict=True))
        return str(ipaddress.IPv6Network(str(text), strict=True))
    except ValueError as exc:
        raise InvalidParameterValueError(f"CIDR block {str(text)[:64]} is malformed") from exc


def _with_peer(base: Rule, peer: tuple[str, str, str], rule_id: str) -> Rule:
    kind, value, description = peer
    fields = {"ipv4": "cidr_ipv4", "ipv6": "cidr_ipv6", "group": "group_id"}
    return Rule(
        rule_id, base.egress, base.protocol, base.from_port, base.to_port,
        description=description, **{fields[kind]: value},
    )  # fmt: skip


def describe(rule: Rule) -> str:
    """The rule as EC2 names it in InvalidPermission.Duplicate."""
    peer = rule.cidr_ipv4 or rule.cidr_ipv6 or rule.group_id
    protocol = "ALL" if rule.protocol == ALL_PROTOCOLS else rule.protocol.upper()
    ports = (
        "" if rule.from_port is None else f", from port: {rule.from_port}, to port: {rule.to_port}"
    )
    return f"peer: {peer}, {protocol}{ports}, ALLOW"


def to_permissions(rules: Iterable[Rule], account: str) -> list[dict[str, Any]]:
    """Rules regrouped per protocol and ports, in the order they were first added."""
    grouped: dict[tuple[str, int | None, int | None], dict[str, Any]] = {}
    for rule in rules:
        key = (rule.protocol, rule.from_port, rule.to_port)
        permission = grouped.get(key)
        if permission is None:
            permission = grouped[key] = {
                "IpProtocol": rule.protocol, "IpRanges": [], "Ipv6Ranges": [],
                "UserIdGroupPairs": [], "PrefixListIds": [],
            }  # fmt: skip
            if rule.from_port is not None:
                permission["FromPort"], permission["ToPort"] = rule.from_port, rule.to_port
        described = {"Description": rule.description} if rule.description else {}
        if rule.cidr_ipv4:
            permission["IpRanges"].append({"CidrIp": rule.cidr_ipv4, **described})
        elif rule.cidr_ipv6:
            permission["Ipv6Ranges"].append({"CidrIpv6": rule.cidr_ipv6, **described})
        else:
            pair = {"GroupId": rule.group_id, "UserId": account, **described}
            permission["UserIdGroupPairs"].append(pair)
    return list(grouped.values())


def render_rule(rule: Rule, group_id: str, account: str, region: str) -> dict[str, Any]:
    found: dict[str, Any] = {
        "SecurityGroupRuleId": rule.rule_id,
        "SecurityGroupRuleArn": f"arn:aws:ec2:{region}:{account}:security-group-rule/"
        f"{rule.rule_id}",
        "GroupId": group_id,
        "GroupOwnerId": account,
        "IsEgress": rule.egress,
        "IpProtocol": rule.protocol,
        "FromPort": -1 if rule.from_port is None else rule.from_port,
        "ToPort": -1 if rule.to_port is None else rule.to_port,
    }
    if rule.cidr_ipv4:
        found["CidrIpv4"] = rule.cidr_ipv4
    elif rule.cidr_ipv6:
        found["CidrIpv6"] = rule.cidr_ipv6
    else:
        found["ReferencedGroupInfo"] = {"GroupId": rule.group_id, "UserId": account}
    if rule.description:
        found["Description"] = rule.description
    return found
