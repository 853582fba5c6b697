"""Amazon VPC's default quotas, enforced per account: they are what keeps one tenant from
filling the store every tenant shares (Amazon VPC user guide, "Amazon VPC quotas"; the codes
are in the EC2 API's error code list, the messages are Stockade's)."""

from __future__ import annotations

from stockade.domain.network import SecurityGroup
from stockade.domain.routing import RouteTable
from stockade.services.ec2.errors import (
    InternetGatewayLimitExceededError,
    RouteLimitExceededError,
    RouteTableLimitExceededError,
    RulesPerSecurityGroupLimitExceededError,
    SecurityGroupLimitExceededError,
    SubnetLimitExceededError,
    VpcLimitExceededError,
)
from stockade.store.ports import Transaction
from stockade.types import AccountId

VPCS_PER_REGION = 5
SUBNETS_PER_VPC = 200
SECURITY_GROUPS_PER_REGION = 2500  # a VPC's default group counts too
RULES_PER_GROUP_DIRECTION = 60  # inbound and outbound rules are counted apart
INTERNET_GATEWAYS_PER_REGION = 5  # attached or not
ROUTE_TABLES_PER_VPC = 200  # the main table included
ROUTES_PER_TABLE = 50  # the `local` route not counted (AWS counts non-propagated routes)


def check_new_vpc(tx: Transaction, account: AccountId) -> None:
    if len(tx.networks.vpcs(account)) >= VPCS_PER_REGION:
        raise VpcLimitExceededError("The maximum number of VPCs has been reached.")
    check_new_group(tx, account)


def check_new_subnet(tx: Transaction, account: AccountId, vpc_id: str) -> None:
    if len(tx.networks.subnets(account, vpc_id)) >= SUBNETS_PER_VPC:
        raise SubnetLimitExceededError("The maximum number of subnets has been reached.")


def check_new_group(tx: Transaction, account: AccountId) -> None:
    if len(tx.networks.groups(account)) >= SECURITY_GROUPS_PER_REGION:
        raise SecurityGroupLimitExceededError(
            "The maximum number of security groups has been reached."
        )


def check_rules(group: SecurityGroup) -> None:
    for egress in (False, True):
        if sum(1 for rule in group.rules if rule.egress == egress) > RULES_PER_GROUP_DIRECTION:
            raise RulesPerSecurityGroupLimitExceededError(
                "The maximum number of rules per security group has been reached."
            )


def check_new_gateway(tx: Transaction, account: AccountId) -> None:
    if len(tx.networks.gateways(account)) >= INTERNET_GATEWAYS_PER_REGION:
        raise InternetGatewayLimitExceededError(
            "The maximum number of internet gateways has been reached."
        )


def check_new_route_table(tx: Transaction, account: AccountId, vpc_id: str) -> None:
    if len(tx.networks.route_tables(account, vpc_id)) >= ROUTE_TABLES_PER_VPC:
        raise RouteTableLimitExceededError("The maximum number of route tables has been reached.")


def check_new_route(table: RouteTable) -> None:
    if sum(1 for route in table.routes if not route.is_local) >= ROUTES_PER_TABLE:
        raise RouteLimitExceededError("The maximum number of routes has been reached.")
