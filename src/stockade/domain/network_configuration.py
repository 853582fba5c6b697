"""AWS Config's configuration of a VPC, a subnet and a security group (the `configuration` of
their configuration items): the resource as EC2 describes it, in AWS Config's lower camel case
(AWS Config resource schema for AWS::EC2::VPC, AWS::EC2::Subnet, AWS::EC2::SecurityGroup).
Only what the resource's own changes change: no counts of free addresses."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from stockade.domain.network import ALL_PROTOCOLS, Rule, SecurityGroup, Subnet, Tags, Vpc

VPC_TYPE = "AWS::EC2::VPC"
SUBNET_TYPE = "AWS::EC2::Subnet"
SECURITY_GROUP_TYPE = "AWS::EC2::SecurityGroup"


def _tags(tags: Tags) -> list[dict[str, str]]:
    return [{"key": key, "value": value} for key, value in tags]


def vpc_configuration(vpc: Vpc) -> dict[str, Any]:
    return {
        "vpcId": vpc.vpc_id,
        "ownerId": vpc.account_id,
        "cidrBlock": vpc.cidr_block,
        "cidrBlockAssociationSet": [
            {"associationId": vpc.association_id, "cidrBlock": vpc.cidr_block,
             "cidrBlockState": {"state": "associated"}}
        ],
        "ipv6CidrBlockAssociationSet": [],
        "dhcpOptionsId": "default",
        "instanceTenancy": "default",
        "isDefault": False,
        "state": "available",
        "tags": _tags(vpc.tags),
    }  # fmt: skip


def subnet_configuration(subnet: Subnet, subnet_arn: str) -> dict[str, Any]:
    return {
        "subnetId": subnet.subnet_id,
        "subnetArn": subnet_arn,
        "vpcId": subnet.vpc_id,
        "ownerId": subnet.account_id,
        "cidrBlock": subnet.cidr_block,
        "availabilityZone": subnet.availability_zone,
        "ipv6CidrBlockAssociationSet": [],
        "assignIpv6AddressOnCreation": False,
        "defaultForAz": False,
        "mapPublicIpOnLaunch": False,
        "state": "available",
        "tags": _tags(subnet.tags),
    }


def security_group_configuration(group: SecurityGroup) -> dict[str, Any]:
    return {
        "groupId": group.group_id,
        "groupName": group.name,
        "description": group.description,
        "vpcId": group.vpc_id,
        "ownerId": group.account_id,
        "ipPermissions": _permissions((r for r in group.rules if not r.egress), group),
        "ipPermissionsEgress": _permissions((r for r in group.rules if r.egress), group),
        "tags": _tags(group.tags),
    }


def _permissions(rules: Iterable[Rule], group: SecurityGroup) -> list[dict[str, Any]]:
    """One permission per protocol and port range, its peers gathered, in a stable order."""
    gathered: dict[tuple[str, int | None, int | None], dict[str, Any]] = {}
    for rule in sorted(rules, key=lambda r: r.rule_id):
        key = (rule.protocol, rule.from_port, rule.to_port)
        permission = gathered.setdefault(key, _permission(rule))
        if rule.cidr_ipv4:
            permission["ipRanges"].append(rule.cidr_ipv4)
            permission["ipv4Ranges"].append(_described({"cidrIp": rule.cidr_ipv4}, rule))
        if rule.cidr_ipv6:
            permission["ipv6Ranges"].append(_described({"cidrIpv6": rule.cidr_ipv6}, rule))
        if rule.group_id:
            pair = {"groupId": rule.group_id, "userId": group.account_id}
            permission["userIdGroupPairs"].append(_described(pair, rule))
    return [gathered[key] for key in sorted(gathered, key=str)]


def _permission(rule: Rule) -> dict[str, Any]:
    ports = ({} if rule.protocol == ALL_PROTOCOLS or rule.from_port is None
             else {"fromPort": rule.from_port, "toPort": rule.to_port})  # fmt: skip
    return {"ipProtocol": rule.protocol, **ports, "ipRanges": [], "ipv4Ranges": [],
            "ipv6Ranges": [], "prefixListIds": [], "userIdGroupPairs": []}  # fmt: skip


def _described(peer: dict[str, Any], rule: Rule) -> dict[str, Any]:
    return {**peer, "description": rule.description} if rule.description else peer
