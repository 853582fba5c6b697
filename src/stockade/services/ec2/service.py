"""The EC2-compatible network API (control plane only), as a declared table: needs -> handler.

Every create needs `ec2:<Action>` on the new resource's kind (`.../vpc/*`) and on the VPC it
goes into; every action on one resource needs it on that resource's ARN
(`arn:aws:ec2:<region>:<account>:vpc/vpc-...`); Describe* need their action on `*`, as in
EC2's service authorization reference. Resources are the caller's account's only: a request
names them by id, and ids are looked up in the caller's account.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stockade.domain.network import ResourceKind
from stockade.domain.violations import Violation, summarize
from stockade.errors import ApiError
from stockade.sandbox.network.attachment import IgnoredChanges, NetworkChanges
from stockade.services.context import RequestContext
from stockade.services.declaration import (
    READ,
    WRITE,
    Need,
    Needs,
    Operation,
    ServiceErrors,
    ServiceTable,
    operation,
)
from stockade.services.ec2.addresses import DEFAULT_POOL, Addresses
from stockade.services.ec2.common import IdSource, RandomIds, Request, arn
from stockade.services.ec2.endpoint_services import SERVED_APIS, EndpointServices
from stockade.services.ec2.endpoints import Endpoints
from stockade.services.ec2.errors import (
    InternalFailureError,
    InvalidParameterValueError,
    MissingParameterError,
    UnauthorizedOperationError,
)
from stockade.services.ec2.flow_log_request import KINDS, resource_type_of
from stockade.services.ec2.flow_logs import FlowLogs
from stockade.services.ec2.function_interfaces import NetworkInterfaces
from stockade.services.ec2.gateways import Gateways
from stockade.services.ec2.group_rules import GroupRules
from stockade.services.ec2.groups import Groups
from stockade.services.ec2.nat_gateways import NatGateways
from stockade.services.ec2.route_tables import RouteTables
from stockade.services.ec2.routes import Routes
from stockade.services.ec2.subnets import Subnets
from stockade.services.ec2.tags import ResourceTags, kind_of
from stockade.services.ec2.vpcs import Vpcs
from stockade.store.ports import Store

FLOW_LOGS_SERVICE = "vpc-flow-logs.amazonaws.com"  # the principal a flow log role trusts


def _refuse_invalid(problems: Sequence[Violation]) -> ApiError:
    """EC2 names a missing member MissingParameter and anything else InvalidParameterValue
    ("Error codes for the Amazon EC2 API"), not the common ValidationException."""
    missing = [p.path for p in problems if p.constraint == "Member must not be null"]
    if missing:
        return MissingParameterError(f"The request must contain the parameter {missing[0]}")
    return InvalidParameterValueError(summarize([problem.text for problem in problems]))


ERRORS = ServiceErrors(
    UnauthorizedOperationError, InvalidParameterValueError, InternalFailureError, _refuse_invalid
)


class Ec2Service:
    def __init__(
        self,
        store: Store,
        region: str,
        ids: IdSource | None = None,
        network_changes: NetworkChanges | None = None,
        address_pool: str = DEFAULT_POOL,
        endpoint_apis: Sequence[str] = SERVED_APIS,
    ) -> None:
        """`address_pool`: the IPv4 block Elastic IPs are drawn from; `endpoint_apis`: the
        APIs interface endpoints may reach."""
        self._region = region
        made = ids or RandomIds()
        changes = network_changes or IgnoredChanges()
        self.vpcs = Vpcs(store, made, region)
        self.subnets = Subnets(store, made, region)
        self.groups = Groups(store, made, region)
        self.rules = GroupRules(store, made, region, changes)
        self.tags = ResourceTags(store, region)
        self.gateways = Gateways(store, made)
        self.route_tables = RouteTables(store, made)
        self.routes = Routes(store, made, changes)
        self.interfaces = NetworkInterfaces(store)
        self.flow_logs = FlowLogs(store, made, region)
        # Egress: Elastic IPs, NAT gateways, interface VPC endpoints.
        self.addresses = Addresses(store, made, region, address_pool)
        self.nat_gateways = NatGateways(store, made, changes)
        self.endpoint_services = EndpointServices(region, endpoint_apis)
        self.endpoints = Endpoints(store, made, self.endpoint_services, changes)

    def table(self) -> ServiceTable:
        return ServiceTable.of(
            "ec2",
            [
                *self._vpc_operations(),
                *self._subnet_operations(),
                *self._group_operations(),
                *self._rule_operations(),
                *self._tag_operations(),
                *self._gateway_operations(),
                *self._route_table_operations(),
                *self._route_operations(),
                *self._interface_operations(),
                *self._flow_log_operations(),
                *self._address_operations(),
                *self._nat_gateway_operations(),
                *self._endpoint_operations(),
                *self._route_replacement_operations(),
            ],
            ERRORS,
        )

    def _vpc_operations(self) -> list[Operation[Any]]:
        v = self.vpcs
        return [
            operation(
                "CreateVpc", v.create_vpc, self._create("CreateVpc", ResourceKind.VPC, None), WRITE
            ),
            operation("DescribeVpcs", v.describe_vpcs, _anything("DescribeVpcs"), READ),
            operation(
                "DeleteVpc", v.delete_vpc, self._on("DeleteVpc", ResourceKind.VPC, "VpcId"), WRITE
            ),
        ]

    def _subnet_operations(self) -> list[Operation[Any]]:
        s = self.subnets
        return [
            operation("CreateSubnet", s.create_subnet,
                      self._create("CreateSubnet", ResourceKind.SUBNET, "VpcId"), WRITE),
            operation("DescribeSubnets", s.describe_subnets, _anything("DescribeSubnets"), READ),
            operation("DeleteSubnet", s.delete_subnet,
                      self._on("DeleteSubnet", ResourceKind.SUBNET, "SubnetId"), WRITE),
        ]  # fmt: skip

    def _group_operations(self) -> list[Operation[Any]]:
        g = self.groups
        sg = ResourceKind.SECURITY_GROUP
        return [
            operation("CreateSecurityGroup", g.create_security_group,
                      self._create("CreateSecurityGroup", sg, "VpcId"), WRITE),
            operation("DescribeSecurityGroups", g.describe_security_groups,
                      _anything("DescribeSecurityGroups"), READ),
            operation("DeleteSecurityGroup", g.delete_security_group,
                      self._on_group("DeleteSecurityGroup"), WRITE),
        ]  # fmt: skip

    def _rule_operations(self) -> list[Operation[Any]]:
        r, on = self.rules, self._on_group
        return [
            operation("AuthorizeSecurityGroupIngress", r.authorize_ingress,
                      on("AuthorizeSecurityGroupIngress"), WRITE),
            operation("AuthorizeSecurityGroupEgress", r.authorize_egress,
                      on("AuthorizeSecurityGroupEgress"), WRITE),
            operation("RevokeSecurityGroupIngress", r.revoke_ingress,
                      on("RevokeSecurityGroupIngress"), WRITE),
            operation("RevokeSecurityGroupEgress", r.revoke_egress,
                      on("RevokeSecurityGroupEgress"), WRITE),
            operation("DescribeSecurityGroupRules", r.describe_security_group_rules,
                      _anything("DescribeSecurityGroupRules"), READ),
        ]  # fmt: skip

    def _tag_operations(self) -> list[Operation[Any]]:
        t = self.tags
        return [
            operation("CreateTags", t.create_tags, self._on_each("CreateTags"), WRITE),
            operation("DeleteTags", t.delete_tags, self._on_each("DeleteTags"), WRITE),
            operation("DescribeTags", t.describe_tags, _anything("DescribeTags"), READ),
        ]

    def _gateway_operations(self) -> list[Operation[Any]]:
        g, igw = self.gateways, ResourceKind.INTERNET_GATEWAY
        return [
            operation("CreateInternetGateway", g.create_internet_gateway,
                      self._create("CreateInternetGateway", igw, None), WRITE),
            operation("DescribeInternetGateways", g.describe_internet_gateways,
                      _anything("DescribeInternetGateways"), READ),
            operation("AttachInternetGateway", g.attach_internet_gateway,
                      self._on_gateway_and_vpc("AttachInternetGateway"), WRITE),
            operation("DetachInternetGateway", g.detach_internet_gateway,
                      self._on_gateway_and_vpc("DetachInternetGateway"), WRITE),
            operation("DeleteInternetGateway", g.delete_internet_gateway,
                      self._on("DeleteInternetGateway", igw, "InternetGatewayId"), WRITE),
        ]  # fmt: skip

    def _route_table_operations(self) -> list[Operation[Any]]:
        t, rtb = self.route_tables, ResourceKind.ROUTE_TABLE
        return [
            operation("CreateRouteTable", t.create_route_table,
                      self._create("CreateRouteTable", rtb, "VpcId"), WRITE),
            operation("DescribeRouteTables", t.describe_route_tables,
                      _anything("DescribeRouteTables"), READ),
            operation("DeleteRouteTable", t.delete_route_table,
                      self._on("DeleteRouteTable", rtb, "RouteTableId"), WRITE),
        ]  # fmt: skip

    def _route_operations(self) -> list[Operation[Any]]:
        r, rtb = self.routes, ResourceKind.ROUTE_TABLE
        return [
            operation("CreateRoute", r.create_route,
                      self._on("CreateRoute", rtb, "RouteTableId"), WRITE),
            operation("DeleteRoute", r.delete_route,
                      self._on("DeleteRoute", rtb, "RouteTableId"), WRITE),
            operation("AssociateRouteTable", r.associate_route_table,
                      self._on_table_and_subnet("AssociateRouteTable"), WRITE),
            # Named by association id only: the action on the account's route tables.
            operation("DisassociateRouteTable", r.disassociate_route_table,
                      self._on_kind("DisassociateRouteTable", rtb), WRITE),
        ]  # fmt: skip

    def _interface_operations(self) -> list[Operation[Any]]:
        i = self.interfaces
        return [
            operation("DescribeNetworkInterfaces", i.describe_network_interfaces,
                      _anything("DescribeNetworkInterfaces"), READ),
        ]  # fmt: skip

    def _flow_log_operations(self) -> list[Operation[Any]]:
        f = self.flow_logs
        return [
            operation("CreateFlowLogs", f.create_flow_logs, self._create_flow_logs, WRITE),
            operation("DescribeFlowLogs", f.describe_flow_logs, _anything("DescribeFlowLogs"),
                      READ),
            operation("DeleteFlowLogs", f.delete_flow_logs, self._on_flow_logs, WRITE),
        ]  # fmt: skip

    def _address_operations(self) -> list[Operation[Any]]:
        a, eip = self.addresses, ResourceKind.ELASTIC_IP
        return [
            operation("AllocateAddress", a.allocate_address,
                      self._create("AllocateAddress", eip, None), WRITE),
            operation("DescribeAddresses", a.describe_addresses,
                      _anything("DescribeAddresses"), READ),
            operation("ReleaseAddress", a.release_address,
                      self._on_optional("ReleaseAddress", eip, "AllocationId"), WRITE),
        ]  # fmt: skip

    def _nat_gateway_operations(self) -> list[Operation[Any]]:
        n, nat = self.nat_gateways, ResourceKind.NAT_GATEWAY
        return [
            operation("CreateNatGateway", n.create_nat_gateway,
                      self._create_nat_gateway(), WRITE),
            operation("DescribeNatGateways", n.describe_nat_gateways,
                      _anything("DescribeNatGateways"), READ),
            operation("DeleteNatGateway", n.delete_nat_gateway,
                      self._on("DeleteNatGateway", nat, "NatGatewayId"), WRITE),
        ]  # fmt: skip

    def _endpoint_operations(self) -> list[Operation[Any]]:
        e = self.endpoints
        return [
            operation("CreateVpcEndpoint", e.create_vpc_endpoint,
                      self._create_endpoint(), WRITE),
            operation("DescribeVpcEndpoints", e.describe_vpc_endpoints,
                      _anything("DescribeVpcEndpoints"), READ),
            operation("DeleteVpcEndpoints", e.delete_vpc_endpoints,
                      self._on_endpoints("DeleteVpcEndpoints"), WRITE),
            operation("DescribeVpcEndpointServices",
                      self.endpoint_services.describe_vpc_endpoint_services,
                      _anything("DescribeVpcEndpointServices"), READ),
        ]  # fmt: skip

    def _route_replacement_operations(self) -> list[Operation[Any]]:
        r, rtb = self.routes, ResourceKind.ROUTE_TABLE
        return [
            operation("ReplaceRoute", r.replace_route,
                      self._on("ReplaceRoute", rtb, "RouteTableId"), WRITE),
        ]  # fmt: skip

    # -- needs of egress: Elastic IPs, NAT gateways, VPC endpoints ------------------------------
    def _on_optional(self, action: str, kind: ResourceKind, member: str) -> Needs[Request]:
        """The action on the resource named, or on the kind's resources when none is."""

        def needs(ctx: RequestContext, request: Request) -> Sequence[Need]:
            return [Need(f"ec2:{action}", self._arn(ctx, kind, request.get(member) or "*"))]

        return needs

    def _create_nat_gateway(self) -> Needs[Request]:
        """On the new gateway, its subnet and its Elastic IP (service authorization
        reference, "CreateNatGateway")."""
        action = "ec2:CreateNatGateway"

        def needs(ctx: RequestContext, request: Request) -> Sequence[Need]:
            found = [Need(action, self._arn(ctx, ResourceKind.NAT_GATEWAY, "*"))]
            if request.get("SubnetId"):
                found.append(Need(action, self._arn(ctx, ResourceKind.SUBNET,
                                                    request["SubnetId"])))  # fmt: skip
            if request.get("AllocationId"):
                found.append(Need(action, self._arn(ctx, ResourceKind.ELASTIC_IP,
                                                    request["AllocationId"])))  # fmt: skip
            return found

        return needs

    def _create_endpoint(self) -> Needs[Request]:
        """On the new endpoint, its VPC, and each subnet and security group it is given
        (service authorization reference, "CreateVpcEndpoint")."""
        action = "ec2:CreateVpcEndpoint"

        def needs(ctx: RequestContext, request: Request) -> Sequence[Need]:
            found = [
                Need(action, self._arn(ctx, ResourceKind.VPC_ENDPOINT, "*")),
                Need(action, self._arn(ctx, ResourceKind.VPC, request["VpcId"])),
            ]
            for subnet_id in request.get("SubnetIds") or ():
                found.append(Need(action, self._arn(ctx, ResourceKind.SUBNET, subnet_id)))
            for group_id in request.get("SecurityGroupIds") or ():
                found.append(Need(action, self._arn(ctx, ResourceKind.SECURITY_GROUP, group_id)))
            return found

        return needs

    def _on_endpoints(self, action: str) -> Needs[Request]:
        def needs(ctx: RequestContext, request: Request) -> Sequence[Need]:
            kind = ResourceKind.VPC_ENDPOINT
            named = request["VpcEndpointIds"] or ["*"]
            return [Need(f"ec2:{action}", self._arn(ctx, kind, e)) for e in named]

        return needs

    # -- needs -------------------------------------------------------------------------------
    def _arn(self, ctx: RequestContext, kind: ResourceKind, resource_id: str) -> str:
        return arn(self._region, ctx.principal.account_id, kind, resource_id)

    def _create(self, action: str, kind: ResourceKind, vpc_member: str | None) -> Needs[Request]:
        """The action on the new resource's kind, and on the VPC it goes into, if any."""

        def needs(ctx: RequestContext, request: Request) -> Sequence[Need]:
            found = [Need(f"ec2:{action}", self._arn(ctx, kind, "*"))]
            vpc_id = request.get(vpc_member) if vpc_member else None
            if vpc_id:
                found.append(Need(f"ec2:{action}", self._arn(ctx, ResourceKind.VPC, vpc_id)))
            return found

        return needs

    def _on(self, action: str, kind: ResourceKind, member: str) -> Needs[Request]:
        def needs(ctx: RequestContext, request: Request) -> Sequence[Need]:
            return [Need(f"ec2:{action}", self._arn(ctx, kind, request[member]))]

        return needs

    def _on_gateway_and_vpc(self, action: str) -> Needs[Request]:
        """The action on the gateway and on the VPC (service authorization reference)."""

        def needs(ctx: RequestContext, request: Request) -> Sequence[Need]:
            igw = ResourceKind.INTERNET_GATEWAY
            return [
                Need(f"ec2:{action}", self._arn(ctx, igw, request["InternetGatewayId"])),
                Need(f"ec2:{action}", self._arn(ctx, ResourceKind.VPC, request["VpcId"])),
            ]

        return needs

    def _on_table_and_subnet(self, action: str) -> Needs[Request]:
        def needs(ctx: RequestContext, request: Request) -> Sequence[Need]:
            table = self._arn(ctx, ResourceKind.ROUTE_TABLE, request["RouteTableId"])
            found = [Need(f"ec2:{action}", table)]
            if request.get("SubnetId"):
                subnet = self._arn(ctx, ResourceKind.SUBNET, request["SubnetId"])
                found.append(Need(f"ec2:{action}", subnet))
            return found

        return needs

    def _on_kind(self, action: str, kind: ResourceKind) -> Needs[Request]:
        def needs(ctx: RequestContext, request: Request) -> Sequence[Need]:
            return [Need(f"ec2:{action}", self._arn(ctx, kind, "*"))]

        return needs

    def _on_group(self, action: str) -> Needs[Request]:
        """The action on the group named by id (on the account's groups when only a name is
        given: the handler answers that a name names no group without a default VPC)."""

        def needs(ctx: RequestContext, request: Request) -> Sequence[Need]:
            group_id = request.get("GroupId") or "*"
            return [Need(f"ec2:{action}", self._arn(ctx, ResourceKind.SECURITY_GROUP, group_id))]

        return needs

    def _on_each(self, action: str) -> Needs[Request]:
        """The action on every resource named (an id of no kind served is refused by the
        handler with InvalidID, after authorization on the account's resources)."""

        def needs(ctx: RequestContext, request: Request) -> Sequence[Need]:
            # None named still needs the action (on the account's resources): the handler's
            # MissingParameter is for callers who may act at all.
            found = [Need(f"ec2:{action}", self._arn_any(ctx))] if not request["Resources"] else []
            for resource_id in request["Resources"]:
                kind = kind_of(str(resource_id))
                resource = self._arn(ctx, kind, resource_id) if kind else self._arn_any(ctx)
                found.append(Need(f"ec2:{action}", resource))
            return found

        return needs

    def _create_flow_logs(self, ctx: RequestContext, request: Request) -> Sequence[Need]:
        """ec2:CreateFlowLogs on `vpc-flow-log/*` and on each resource named, and passing the
        delivery role to the flow logs service (service authorization reference; Amazon VPC
        user guide, "IAM role for publishing flow logs to CloudWatch Logs")."""
        action = "ec2:CreateFlowLogs"
        found = [Need(action, self._arn(ctx, ResourceKind.FLOW_LOG, "*"))]
        resource_type = resource_type_of(request)
        for resource_id in request["ResourceIds"] or ():
            kind = KINDS.get(resource_type) if resource_type else None
            where = self._arn(ctx, kind, str(resource_id)) if kind else self._arn_any(ctx)
            found.append(Need(action, where))
        role = request.get("DeliverLogsPermissionArn")
        if role:
            passed = {"iam:PassedToService": (FLOW_LOGS_SERVICE,)}
            found.append(Need("iam:PassRole", str(role), context=passed))
        return found

    def _on_flow_logs(self, ctx: RequestContext, request: Request) -> Sequence[Need]:
        action = "ec2:DeleteFlowLogs"
        ids = request["FlowLogIds"] or ("*",)
        return [Need(action, self._arn(ctx, ResourceKind.FLOW_LOG, str(i))) for i in ids]

    def _arn_any(self, ctx: RequestContext) -> str:
        return f"arn:aws:ec2:{self._region}:{ctx.principal.account_id}:*"


def _anything(action: str) -> Needs[Request]:
    def needs(ctx: RequestContext, request: Request) -> Sequence[Need]:
        return [Need(f"ec2:{action}", "*")]

    return needs
