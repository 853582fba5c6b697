"""The SQLite adapter of the network port: documents round-trip, survive reopening, stay in
their account, and a failed write transaction leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from stockade.domain.network import Rule, SecurityGroup, Subnet, Vpc
from stockade.store.sqlite import SqliteStore
from stockade.types import AccountId

ONE, TWO = AccountId("111122223333"), AccountId("444455556666")
VPC = Vpc(ONE, "vpc-0a", "10.0.0.0/16", "vpc-cidr-assoc-0a", (("Name", "a"),))
SUBNET = Subnet(ONE, "subnet-0a", "vpc-0a", "10.0.1.0/24", "us-east-1a")
GROUP = SecurityGroup(
    ONE, "sg-0a", "vpc-0a", "web", "web servers",
    (Rule("sgr-1", False, "tcp", 22, 22, cidr_ipv4="10.0.0.0/8", description="ssh"),
     Rule("sgr-2", True, "-1", group_id="sg-0a")),
)  # fmt: skip


def test_resources_round_trip_and_survive_reopening(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.db")
    with store.write() as tx:
        tx.networks.put_vpc(VPC)
        tx.networks.put_subnet(SUBNET)
        tx.networks.put_group(GROUP)
    store.close()
    reopened = SqliteStore(tmp_path / "store.db")
    with reopened.read() as tx:
        assert tx.networks.get_vpc(ONE, "vpc-0a") == VPC
        assert tx.networks.subnets(ONE, "vpc-0a") == [SUBNET]
        assert tx.networks.groups(ONE) == [GROUP]
        assert tx.networks.get_vpc(TWO, "vpc-0a") is None  # another account's
        assert tx.networks.vpcs(TWO) == []
        assert tx.networks.subnets(ONE, "vpc-other") == []
    reopened.close()


def test_a_failed_transaction_writes_nothing(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.db")

    def half_written() -> None:
        with store.write() as tx:
            tx.networks.put_vpc(VPC)
            tx.networks.put_group(GROUP)
            raise RuntimeError("refused halfway")

    with pytest.raises(RuntimeError):
        half_written()
    with store.read() as tx:
        assert tx.networks.vpcs(ONE) == []
        assert tx.networks.groups(ONE) == []
    with store.write() as tx:
        tx.networks.put_vpc(VPC)
        tx.networks.delete_vpc(ONE, "vpc-0a")
    with store.read() as tx:
        assert tx.networks.vpcs(ONE) == []
    store.close()
