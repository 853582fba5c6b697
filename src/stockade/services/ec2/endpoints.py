"""CreateVpcEndpoint, DescribeVpcEndpoints, DeleteVpcEndpoints: interface endpoints that give
a VPC's subnets the platform's own APIs.

An endpoint has one interface, with one address of the subnet, in each subnet it is given (one
subnet a zone: DuplicateSubnetsInSameZone), and the VPC's default security group unless
others are named. With private DNS, the service's own name resolves to the endpoint in the VPC,
so one endpoint a service may have it (InvalidParameter). Other endpoint types, policies and
route tables are UnsupportedOperation. An endpoint is `available` at once (EC2 API reference,
"CreateVpcEndpoint", "DeleteVpcEndpoints"; AWS PrivateLink guide, "Interface VPC endpoints").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stockade.domain.egress import EndpointInterface, VpcEndpoint, endpoint_address
from stockade.domain.network import ResourceKind, SecurityGroup, Subnet
from stockade.sandbox.network.attachment import IgnoredChanges, NetworkChanges
from stockade.services.context import RequestContext
from stockade.services.ec2 import egress_quotas
from stockade.services.ec2.common import (
    IdSource,
    Request,
    check_dry_run,
    rendered_tags,
    tags_to_create,
)
from stockade.services.ec2.describing import Listing, refuse_unoffered
from stockade.services.ec2.egress_dependents import taken_in_subnet
from stockade.services.ec2.endpoint_services import EndpointServices
from stockade.services.ec2.errors import (
    DuplicateSubnetsInSameZoneError,
    InsufficientFreeAddressesError,
    InvalidParameterError,
    InvalidParameterValueError,
    MissingParameterError,
    UnsupportedOperationError,
    VpcEndpointNotFoundError,
)
from stockade.services.ec2.groups import load_group
from stockade.services.ec2.subnets import no_subnet
from stockade.services.ec2.vpcs import load_vpc
from stockade.store.ports import Store, Transaction
from stockade.types import AccountId

_UNOFFERED = ("PolicyDocument", "RouteTableIds", "DnsOptions", "SubnetConfigurations",
              "ServiceNetworkArn", "ResourceConfigurationArn", "ServiceRegion")  # fmt: skip
# What AWS answers as an interface endpoint's policy when none is given: everything allowed.
FULL_ACCESS = (
    '{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*",'
    '"Resource":"*"}]}'
)


def no_endpoint(endpoint_id: str) -> VpcEndpointNotFoundError:
    return VpcEndpointNotFoundError(f"The Vpc Endpoint Id '{endpoint_id[:64]}' does not exist")


class Endpoints:
    def __init__(
        self,
        store: Store,
        ids: IdSource,
        services: EndpointServices,
        network_changes: NetworkChanges | None = None,
    ) -> None:
        self._store = store
        self._ids = ids
        self._services = services
        # Told after a change commits: which APIs a VPC's functions reach may have changed.
        self._changes = network_changes or IgnoredChanges()

    def create_vpc_endpoint(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        refuse_unoffered(request, _UNOFFERED)
        if request.get("VpcEndpointType", "Gateway") != "Interface":
            raise UnsupportedOperationError(
                "Only interface endpoints (VpcEndpointType Interface) are supported by this server."
            )
        if request.get("IpAddressType", "ipv4") != "ipv4":
            raise UnsupportedOperationError("Only IPv4 endpoints are supported by this server.")
        name = request.get("ServiceName")
        if not name:
            raise MissingParameterError("The request must contain the parameter ServiceName")
        service = self._services.find(str(name))
        subnet_ids = list(dict.fromkeys(request.get("SubnetIds") or ()))
        if not subnet_ids:
            raise MissingParameterError("The request must contain the parameter SubnetIds")
        tags = tags_to_create(request, ResourceKind.VPC_ENDPOINT)
        private_dns = bool(request.get("PrivateDnsEnabled", True))
        token = str(request.get("ClientToken") or "")
        account = ctx.principal.account_id
        with self._store.write() as tx:
            again = [e for e in tx.egress.endpoints(account) if token and e.client_token == token]
            if again:
                check_dry_run(request)
                return {"VpcEndpoint": self._render_in(tx, again[0]), "ClientToken": token}
            vpc = load_vpc(tx, account, request["VpcId"])
            subnets = _subnets(tx, account, vpc.vpc_id, subnet_ids)
            groups = _groups(tx, account, vpc.vpc_id, request.get("SecurityGroupIds") or ())
            siblings = tx.egress.endpoints(account, vpc.vpc_id)
            if private_dns and any(
                e.private_dns and e.service_name == service.name for e in siblings
            ):
                raise InvalidParameterError(
                    "private-dns-enabled cannot be set because there is already a conflicting"
                    f" DNS domain for {service.private_dns_name} in the VPC {vpc.vpc_id}"
                )
            egress_quotas.check_new_endpoint(tx, account, vpc.vpc_id)
            endpoint_id = self._ids.new_id("vpce")
            interfaces = []
            for subnet in subnets:
                taken = taken_in_subnet(tx, account, subnet.subnet_id)
                address = endpoint_address(subnet.cidr_block, endpoint_id, subnet.subnet_id, taken)
                if address is None:
                    raise InsufficientFreeAddressesError(
                        f"Subnet {subnet.subnet_id} has insufficient free addresses"
                    )
                interfaces.append(
                    EndpointInterface(subnet.subnet_id, self._ids.new_id("eni"), address)
                )
            check_dry_run(request)
            endpoint = VpcEndpoint(
                account, endpoint_id, vpc.vpc_id, service.name, tuple(interfaces),
                tuple(g.group_id for g in groups), private_dns, ctx.received_at, token,
                tags)  # fmt: skip
            tx.egress.put_endpoint(endpoint)
            rendered = self._render_in(tx, endpoint)
        self._changes.vpc_changed(account, endpoint.vpc_id)
        return {"VpcEndpoint": rendered, **({"ClientToken": token} if token else {})}

    def describe_vpc_endpoints(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        check_dry_run(request)
        account = ctx.principal.account_id
        with self._store.read() as tx:
            found = tx.egress.endpoints(account)
            zones = {s.subnet_id: s.availability_zone for s in tx.networks.subnets(account)}
            names = {g.group_id: g.name for g in tx.networks.groups(account)}
        listing = Listing[VpcEndpoint](
            "VpcEndpointIds", "VpcEndpoints", lambda e: e.endpoint_id, no_endpoint,
            _attributes, lambda e: e.tags, lambda e: self.render(e, zones, names))  # fmt: skip
        return listing.describe(found, request)

    def delete_vpc_endpoints(self, ctx: RequestContext, request: Request) -> dict[str, Any]:
        """Each id named is deleted, or answered in `Unsuccessful` (the request succeeds)."""
        account = ctx.principal.account_id
        unsuccessful, vpcs = [], set()
        with self._store.write() as tx:
            check_dry_run(request)
            for endpoint_id in dict.fromkeys(request["VpcEndpointIds"]):
                endpoint = tx.egress.get_endpoint(account, endpoint_id)
                if endpoint is None:
                    error = no_endpoint(str(endpoint_id))
                    unsuccessful.append({
                        "ResourceId": endpoint_id,
                        "Error": {"Code": error.code, "Message": error.message},
                    })  # fmt: skip
                    continue
                tx.egress.delete_endpoint(account, endpoint_id)
                vpcs.add(endpoint.vpc_id)
        for vpc_id in sorted(vpcs):
            self._changes.vpc_changed(account, vpc_id)
        return {"Unsuccessful": unsuccessful}

    def _render_in(self, tx: Transaction, endpoint: VpcEndpoint) -> dict[str, Any]:
        account = endpoint.account_id
        zones = {s.subnet_id: s.availability_zone for s in tx.networks.subnets(account)}
        names = {g.group_id: g.name for g in tx.networks.groups(account)}
        return self.render(endpoint, zones, names)

    def render(
        self, endpoint: VpcEndpoint, zones: Mapping[str, str], names: Mapping[str, str]
    ) -> dict[str, Any]:
        service = self._services.of(endpoint.service_name)
        head = f"{endpoint.endpoint_id}.{service.base_dns_name}"
        dns = [{"DnsName": head}]
        dns += [
            {"DnsName": f"{endpoint.endpoint_id}-{zones[i.subnet_id]}.{service.base_dns_name}"}
            for i in endpoint.interfaces
            if i.subnet_id in zones
        ]
        if endpoint.private_dns:
            dns.append({"DnsName": service.private_dns_name})
        created = {"CreationTimestamp": endpoint.created} if endpoint.created else {}
        return {
            "VpcEndpointId": endpoint.endpoint_id,
            "VpcEndpointType": "Interface",
            "VpcId": endpoint.vpc_id,
            "ServiceName": endpoint.service_name,
            "State": "available",
            "PolicyDocument": FULL_ACCESS,
            "RouteTableIds": [],
            "SubnetIds": list(endpoint.subnet_ids),
            "Groups": [{"GroupId": g, "GroupName": names.get(g, "")} for g in endpoint.group_ids],
            "IpAddressType": "ipv4",
            "DnsOptions": {"DnsRecordIpType": "ipv4"},
            "PrivateDnsEnabled": endpoint.private_dns,
            "RequesterManaged": False,
            "NetworkInterfaceIds": [i.network_interface_id for i in endpoint.interfaces],
            "DnsEntries": dns,
            "OwnerId": endpoint.account_id,
            **created,
            **rendered_tags(endpoint.tags),
        }


def _subnets(tx: Transaction, account: AccountId, vpc_id: str, ids: list[str]) -> list[Subnet]:
    found, zones = [], set()
    for subnet_id in ids:
        subnet = tx.networks.get_subnet(account, subnet_id)
        if subnet is None:
            raise no_subnet(subnet_id)
        if subnet.vpc_id != vpc_id:
            raise InvalidParameterValueError(
                f"The subnet ID '{subnet_id}' does not belong to the VPC {vpc_id}"
            )
        if subnet.availability_zone in zones:
            raise DuplicateSubnetsInSameZoneError(
                f"Found another VPC endpoint subnet in the availability zone of {subnet_id}."
                " VPC endpoint subnets should be in different availability zones supported by"
                " the VPC endpoint service."
            )
        zones.add(subnet.availability_zone)
        found.append(subnet)
    return found


def _groups(tx: Transaction, account: AccountId, vpc_id: str, ids: Any) -> list[SecurityGroup]:
    """The groups named, each of the VPC, or the VPC's default group."""
    if not ids:
        return [g for g in tx.networks.groups(account, vpc_id) if g.is_default]
    found = []
    for group_id in dict.fromkeys(ids):
        group = load_group(tx, account, str(group_id))
        if group.vpc_id != vpc_id:
            raise InvalidParameterValueError(
                f"The security group '{group_id}' does not belong to the VPC {vpc_id}"
            )
        found.append(group)
    return found


def _attributes(endpoint: VpcEndpoint) -> dict[str, list[str]]:
    # The filter names of DescribeVpcEndpoints in the EC2 API reference that this slice knows.
    return {
        "vpc-endpoint-id": [endpoint.endpoint_id],
        "vpc-id": [endpoint.vpc_id],
        "service-name": [endpoint.service_name],
        "vpc-endpoint-state": ["available"],
        "vpc-endpoint-type": ["Interface"],
        "ip-address-type": ["ipv4"],
    }
