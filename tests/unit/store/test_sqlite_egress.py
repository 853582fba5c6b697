"""The SQLite adapter of the egress port: Elastic IPs, NAT gateways and VPC endpoints
round-trip, survive reopening, stay in their account, and a failed write leaves nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from stockade.domain.egress import (
    Connectivity,
    ElasticIp,
    EndpointInterface,
    NatGateway,
    VpcEndpoint,
)
from stockade.store.sqlite import SqliteStore
from stockade.types import AccountId

ONE, TWO = AccountId("111122223333"), AccountId("444455556666")
WHEN = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
ADDRESS = ElasticIp(ONE, "eipalloc-0a", "198.51.100.1", "nat-0a", "eipassoc-0a", (("k", "v"),))
GATEWAY = NatGateway(
    ONE, "nat-0a", "vpc-0a", "subnet-0a", "us-east-1a", Connectivity.PUBLIC, "eni-0a",
    "10.0.1.9", "eipalloc-0a", "eipassoc-0a", "198.51.100.1", created=WHEN,
)  # fmt: skip
ENDPOINT = VpcEndpoint(
    ONE, "vpce-0a", "vpc-0a", "com.amazonaws.us-east-1.lambda",
    (EndpointInterface("subnet-0a", "eni-0b", "10.0.1.77"),), ("sg-0a",), True, WHEN,
)  # fmt: skip


def test_egress_round_trips_and_survives_reopening(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.db")
    with store.write() as tx:
        tx.egress.put_address(ADDRESS)
        tx.egress.put_nat_gateway(GATEWAY)
        tx.egress.put_endpoint(ENDPOINT)
    store.close()
    again = SqliteStore(tmp_path / "store.db")
    with again.read() as tx:
        assert tx.egress.get_address(ONE, "eipalloc-0a") == ADDRESS
        assert tx.egress.get_nat_gateway(ONE, "nat-0a") == GATEWAY
        assert tx.egress.get_endpoint(ONE, "vpce-0a") == ENDPOINT
        assert tx.egress.nat_gateways(ONE, "vpc-0a") == [GATEWAY]
        assert tx.egress.nat_gateways(ONE, "vpc-0b") == []
        assert tx.egress.endpoints(ONE, "vpc-0a") == [ENDPOINT]
        # Another account sees none of them.
        assert tx.egress.addresses(TWO) == []
        assert tx.egress.get_nat_gateway(TWO, "nat-0a") is None
        assert tx.egress.endpoints(TWO) == []
    with again.write() as tx:
        tx.egress.delete_address(ONE, "eipalloc-0a")
        tx.egress.delete_nat_gateway(ONE, "nat-0a")
        tx.egress.delete_endpoint(ONE, "vpce-0a")
    with again.read() as tx:
        assert tx.egress.addresses(ONE) == []
        assert tx.egress.nat_gateways(ONE) == []
        assert tx.egress.endpoints(ONE) == []
    again.close()


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.db")

    def half_written() -> None:
        with store.write() as tx:
            tx.egress.put_endpoint(ENDPOINT)
            raise RuntimeError("the use case failed after writing")

    with pytest.raises(RuntimeError):
        half_written()
    with store.read() as tx:
        assert tx.egress.endpoints(ONE) == []
    store.close()
