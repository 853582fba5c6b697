"""DescribeNetworkInterfaces: the interfaces of functions in a VPC, as Lambda's appear.

Lambda keeps an interface in each subnet of a function's VpcConfig (shared between functions
with the same subnet and groups). Stockade shows one per (function, subnet), shaped as
Lambda's in EC2's answers: InterfaceType `lambda`, Description "AWS Lambda VPC
ENI-<function>-<uuid>", Status `in-use`, RequesterManaged false and a RequesterId naming the
execution role (as observed in AWS's answers). Nothing is stored: the
id, MAC and address are derived from (account, function, subnet), so they stay the same for as
long as the function uses the subnet, and the data plane derives the same address
(`domain.network.interface_address`). The groups are those of every version using the subnet.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from stockade.domain.function import FunctionVersion
from stockade.domain.network import Subnet, interface_address, network
from stockade.services.context import RequestContext
from stockade.services.ec2.common import Request, check_dry_run
from stockade.services.ec2.describing import Listing
from stockade.services.ec2.errors import InterfaceNotFoundError
from stockade.services.ec2.function_users import versions_in_a_vpc
from stockade.store.ports import Store, Transaction
from stockade.types import AccountId

INTERFACE_TYPE = "lambda"


@dataclass(frozen=True)
class FunctionInterface:
    account_id: AccountId
    interface_id: str
    function_name: str
    description: str
    subnet: Subnet
    groups: tuple[tuple[str, str], ...]  # (id, name)
    requester_id: str
    mac_address: str
    private_ip: str


def interface_id(account: str, function_name: str, subnet_id: str) -> str:
    """Stable per (function, subnet), in EC2's long id form."""
    return f"eni-{_digest(account, function_name, subnet_id).hex()[:17]}"


def _digest(account: str, function_name: str, subnet_id: str) -> bytes:
    return hashlib.sha256(f"{account}:{function_name}:{subnet_id}".encode()).digest()


def function_interfaces(tx: Transaction, account: AccountId) -> list[FunctionInterface]:
    """The account's function interfaces, by id."""
    groups_of: dict[tuple[str, str], dict[str, None]] = {}
    roles: dict[str, str] = {}
    for version in versions_in_a_vpc(tx, account):
        vpc = version.config.vpc
        assert vpc is not None  # versions_in_a_vpc yields attached ones only
        for subnet_id in vpc.subnet_ids:
            key = (version.function_name, subnet_id)
            groups_of.setdefault(key, {}).update(dict.fromkeys(vpc.security_group_ids))
        if version.is_latest or version.function_name not in roles:
            roles[version.function_name] = _requester(tx, account, version)
    found = []
    for (function_name, subnet_id), group_ids in groups_of.items():
        subnet = tx.networks.get_subnet(account, subnet_id)
        block = None if subnet is None else network(subnet.cidr_block)
        if subnet is None or block is None:  # pragma: no cover - a used subnet stays
            continue
        groups = []
        for group_id in group_ids:
            group = tx.networks.get_group(account, group_id)
            groups.append((group_id, "" if group is None else group.name))
        digest = _digest(account, function_name, subnet_id)
        eni = interface_id(account, function_name, subnet_id)
        found.append(
            FunctionInterface(
                account_id=account,
                interface_id=eni,
                function_name=function_name,
                description=f"AWS Lambda VPC ENI-{function_name}-{uuid.UUID(bytes=digest[:16])}",
                subnet=subnet,
                groups=tuple(groups),
                requester_id=roles[function_name],
                # Locally administered unicast, as virtual interfaces' are.
                mac_address=":".join(f"{b:02x}" for b in (0x02, *digest[16:21])),
                private_ip=str(interface_address(block, eni)),
            )
        )
    return sorted(found, key=lambda i: i.interface_id)


def _requester(tx: Transaction, account: AccountId, version: FunctionVersion) -> str:
    """The execution role's unique id, with the account, as AWS's answers show."""
    role_name = version.config.role.rsplit("/", 1)[-1]
    role = tx.roles.get(account, role_name)
    return f"{role.role_id if role is not None else role_name}:{account}"


class NetworkInterfaces:
    def __init__(self, store: Store) -> None:
        self._store = store

    def describe_network_interfaces(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        check_dry_run(request)
        with self._store.read() as tx:
            found = function_interfaces(tx, ctx.principal.account_id)
        listing = Listing[FunctionInterface](
            "NetworkInterfaceIds", "NetworkInterfaces", lambda i: i.interface_id, _no_interface,
            _attributes, lambda i: (), self.render,
        )  # fmt: skip
        return listing.describe(found, request)

    def render(self, interface: FunctionInterface) -> dict[str, Any]:
        private = interface.private_ip
        dns = f"ip-{private.replace('.', '-')}.ec2.internal"
        return {
            "AvailabilityZone": interface.subnet.availability_zone,
            "Description": interface.description,
            "Groups": [{"GroupId": g, "GroupName": name} for g, name in interface.groups],
            "InterfaceType": INTERFACE_TYPE,
            "Ipv6Addresses": [],
            "MacAddress": interface.mac_address,
            "NetworkInterfaceId": interface.interface_id,
            "OwnerId": interface.account_id,
            "PrivateDnsName": dns,
            "PrivateIpAddress": private,
            "PrivateIpAddresses": [
                {"Primary": True, "PrivateDnsName": dns, "PrivateIpAddress": private}
            ],
            "RequesterId": interface.requester_id,
            "RequesterManaged": False,
            "SourceDestCheck": True,
            "Status": "in-use",
            "SubnetId": interface.subnet.subnet_id,
            "TagSet": [],
            "VpcId": interface.subnet.vpc_id,
        }


def _no_interface(interface_id: str) -> InterfaceNotFoundError:
    return InterfaceNotFoundError(f"The networkInterface ID '{interface_id[:64]}' does not exist")


def _attributes(interface: FunctionInterface) -> dict[str, list[str]]:
    # The filter names of DescribeNetworkInterfaces in the EC2 API reference this slice knows.
    return {
        "network-interface-id": [interface.interface_id],
        "vpc-id": [interface.subnet.vpc_id],
        "subnet-id": [interface.subnet.subnet_id],
        "group-id": [g for g, _ in interface.groups],
        "group-name": [name for _, name in interface.groups],
        "interface-type": [INTERFACE_TYPE],
        "description": [interface.description],
        "availability-zone": [interface.subnet.availability_zone],
        "owner-id": [interface.account_id],
        "requester-id": [interface.requester_id],
        "requester-managed": ["false"],
        "status": ["in-use"],
        "private-ip-address": [interface.private_ip],
        "addresses.private-ip-address": [interface.private_ip],
        "mac-address": [interface.mac_address],
    }
