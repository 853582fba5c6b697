"""The SQLite adapter of the network port (tables of migrations 6, 7, 8 and 9)."""

from __future__ import annotations

from stockade.domain.network import InternetGateway, SecurityGroup, Subnet, Vpc
from stockade.domain.routing import RouteTable
from stockade.store.sqlite_flow_logs import FlowLogRows
from stockade.types import AccountId


class Networks(FlowLogRows):
    def get_vpc(self, account_id: AccountId, vpc_id: str) -> Vpc | None:
        return self.one(
            Vpc, "SELECT doc FROM ec2_vpcs WHERE account_id=? AND vpc_id=?", account_id, vpc_id
        )

    def vpcs(self, account_id: AccountId) -> list[Vpc]:
        return self.many(
            Vpc, "SELECT doc FROM ec2_vpcs WHERE account_id=? ORDER BY vpc_id", account_id
        )

    def put_vpc(self, vpc: Vpc) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO ec2_vpcs VALUES (?, ?, ?)",
            (vpc.account_id, vpc.vpc_id, self.codec.dumps(vpc)),
        )

    def delete_vpc(self, account_id: AccountId, vpc_id: str) -> None:
        self.conn.execute(
            "DELETE FROM ec2_vpcs WHERE account_id=? AND vpc_id=?", (account_id, vpc_id)
        )

    def get_subnet(self, account_id: AccountId, subnet_id: str) -> Subnet | None:
        return self.one(
            Subnet,
            "SELECT doc FROM ec2_subnets WHERE account_id=? AND subnet_id=?",
            account_id,
            subnet_id,
        )

    def subnets(self, account_id: AccountId, vpc_id: str | None = None) -> list[Subnet]:
        return self.many(
            Subnet,
            "SELECT doc FROM ec2_subnets WHERE account_id=? AND (? IS NULL OR vpc_id=?)"
            " ORDER BY subnet_id",
            account_id,
            vpc_id,
            vpc_id,
        )

    def put_subnet(self, subnet: Subnet) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO ec2_subnets VALUES (?, ?, ?, ?)",
            (subnet.account_id, subnet.subnet_id, subnet.vpc_id, self.codec.dumps(subnet)),
        )

    def delete_subnet(self, account_id: AccountId, subnet_id: str) -> None:
        self.conn.execute(
            "DELETE FROM ec2_subnets WHERE account_id=? AND subnet_id=?", (account_id, subnet_id)
        )

    def get_group(self, account_id: AccountId, group_id: str) -> SecurityGroup | None:
        return self.one(
            SecurityGroup,
            "SELECT doc FROM ec2_security_groups WHERE account_id=? AND group_id=?",
            account_id,
            group_id,
        )

    def groups(self, account_id: AccountId, vpc_id: str | None = None) -> list[SecurityGroup]:
        return self.many(
            SecurityGroup,
            "SELECT doc FROM ec2_security_groups WHERE account_id=? AND (? IS NULL OR vpc_id=?)"
            " ORDER BY group_id",
            account_id,
            vpc_id,
            vpc_id,
        )

    def put_group(self, group: SecurityGroup) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO ec2_security_groups VALUES (?, ?, ?, ?)",
            (group.account_id, group.group_id, group.vpc_id, self.codec.dumps(group)),
        )

    def delete_group(self, account_id: AccountId, group_id: str) -> None:
        self.conn.execute(
            "DELETE FROM ec2_security_groups WHERE account_id=? AND group_id=?",
            (account_id, group_id),
        )

    def get_gateway(self, account_id: AccountId, gateway_id: str) -> InternetGateway | None:
        return self.one(
            InternetGateway,
            "SELECT doc FROM ec2_internet_gateways WHERE account_id=? AND gateway_id=?",
            account_id,
            gateway_id,
        )

    def gateways(self, account_id: AccountId, vpc_id: str | None = None) -> list[InternetGateway]:
        return self.many(
            InternetGateway,
            "SELECT doc FROM ec2_internet_gateways WHERE account_id=?"
            " AND (? IS NULL OR vpc_id=?) ORDER BY gateway_id",
            account_id,
            vpc_id,
            vpc_id,
        )

    def put_gateway(self, gateway: InternetGateway) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO ec2_internet_gateways VALUES (?, ?, ?, ?)",
            (gateway.account_id, gateway.gateway_id, gateway.vpc_id, self.codec.dumps(gateway)),
        )

    def delete_gateway(self, account_id: AccountId, gateway_id: str) -> None:
        self.conn.execute(
            "DELETE FROM ec2_internet_gateways WHERE account_id=? AND gateway_id=?",
            (account_id, gateway_id),
        )

    def get_route_table(self, account_id: AccountId, table_id: str) -> RouteTable | None:
        return self.one(
            RouteTable,
            "SELECT doc FROM ec2_route_tables WHERE account_id=? AND route_table_id=?",
            account_id,
            table_id,
        )

    def route_tables(self, account_id: AccountId, vpc_id: str | None = None) -> list[RouteTable]:
        return self.many(
            RouteTable,
            "SELECT doc FROM ec2_route_tables WHERE account_id=? AND (? IS NULL OR vpc_id=?)"
            " ORDER BY route_table_id",
            account_id,
            vpc_id,
            vpc_id,
        )

    def put_route_table(self, table: RouteTable) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO ec2_route_tables VALUES (?, ?, ?, ?)",
            (table.account_id, table.route_table_id, table.vpc_id, self.codec.dumps(table)),
        )

    def delete_route_table(self, account_id: AccountId, table_id: str) -> None:
        self.conn.execute(
            "DELETE FROM ec2_route_tables WHERE account_id=? AND route_table_id=?",
            (account_id, table_id),
        )
