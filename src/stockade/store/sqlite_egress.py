"""The SQLite adapter of the egress port (tables of migration 9)."""

from __future__ import annotations

from stockade.domain.egress import ElasticIp, NatGateway, VpcEndpoint
from stockade.store.sqlite_docs import Docs
from stockade.types import AccountId


class Egress(Docs):
    def get_address(self, account_id: AccountId, allocation_id: str) -> ElasticIp | None:
        return self.one(
            ElasticIp,
            "SELECT doc FROM ec2_addresses WHERE account_id=? AND allocation_id=?",
            account_id,
            allocation_id,
        )

    def addresses(self, account_id: AccountId) -> list[ElasticIp]:
        return self.many(
            ElasticIp,
            "SELECT doc FROM ec2_addresses WHERE account_id=? ORDER BY allocation_id",
            account_id,
        )

    def put_address(self, address: ElasticIp) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO ec2_addresses VALUES (?, ?, ?)",
            (address.account_id, address.allocation_id, self.codec.dumps(address)),
        )

    def delete_address(self, account_id: AccountId, allocation_id: str) -> None:
        self.conn.execute(
            "DELETE FROM ec2_addresses WHERE account_id=? AND allocation_id=?",
            (account_id, allocation_id),
        )

    def get_nat_gateway(self, account_id: AccountId, nat_gateway_id: str) -> NatGateway | None:
        return self.one(
            NatGateway,
            "SELECT doc FROM ec2_nat_gateways WHERE account_id=? AND nat_gateway_id=?",
            account_id,
            nat_gateway_id,
        )

    def nat_gateways(self, account_id: AccountId, vpc_id: str | None = None) -> list[NatGateway]:
        return self.many(
            NatGateway,
            "SELECT doc FROM ec2_nat_gateways WHERE account_id=? AND (? IS NULL OR vpc_id=?)"
            " ORDER BY nat_gateway_id",
            account_id,
            vpc_id,
            vpc_id,
        )

    def put_nat_gateway(self, gateway: NatGateway) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO ec2_nat_gateways VALUES (?, ?, ?, ?)",
            (gateway.account_id, gateway.nat_gateway_id, gateway.vpc_id,
             self.codec.dumps(gateway)),
        )  # fmt: skip

    def delete_nat_gateway(self, account_id: AccountId, nat_gateway_id: str) -> None:
        self.conn.execute(
            "DELETE FROM ec2_nat_gateways WHERE account_id=? AND nat_gateway_id=?",
            (account_id, nat_gateway_id),
        )

    def get_endpoint(self, account_id: AccountId, endpoint_id: str) -> VpcEndpoint | None:
        return self.one(
            VpcEndpoint,
            "SELECT doc FROM ec2_vpc_endpoints WHERE account_id=? AND endpoint_id=?",
            account_id,
            endpoint_id,
        )

    def endpoints(self, account_id: AccountId, vpc_id: str | None = None) -> list[VpcEndpoint]:
        return self.many(
            VpcEndpoint,
            "SELECT doc FROM ec2_vpc_endpoints WHERE account_id=? AND (? IS NULL OR vpc_id=?)"
            " ORDER BY endpoint_id",
            account_id,
            vpc_id,
            vpc_id,
        )

    def put_endpoint(self, endpoint: VpcEndpoint) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO ec2_vpc_endpoints VALUES (?, ?, ?, ?)",
            (endpoint.account_id, endpoint.endpoint_id, endpoint.vpc_id,
             self.codec.dumps(endpoint)),
        )  # fmt: skip

    def delete_endpoint(self, account_id: AccountId, endpoint_id: str) -> None:
        self.conn.execute(
            "DELETE FROM ec2_vpc_endpoints WHERE account_id=? AND endpoint_id=?",
            (account_id, endpoint_id),
        )
