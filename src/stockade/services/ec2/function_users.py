"""Which functions use a subnet or security group through their VpcConfig (any version).

While one does, Lambda keeps a network interface in the subnet with the group, and EC2 refuses
to delete either (DependencyViolation, "resource sg-... has a dependent object").
"""

from __future__ import annotations

from collections.abc import Iterator

from stockade.domain.function import FunctionVersion
from stockade.store.ports import Transaction
from stockade.types import AccountId

_PAGE = 500
_PAGES_MAX = 10_000  # far above any account's versions (75 GB of code at most)


def versions_in_a_vpc(tx: Transaction, account: AccountId) -> Iterator[FunctionVersion]:
    """Every version of the account's functions attached to a VPC, by (function, version)."""
    after: tuple[str, str] | None = None
    for _ in range(_PAGES_MAX):
        found = tx.versions.page_all(account, after, _PAGE)
        for version in found:
            vpc = version.config.vpc
            if vpc is not None and vpc.attached:
                yield version
        if len(found) < _PAGE:
            return
        after = (found[-1].function_name, found[-1].version)


def used_by_a_function(tx: Transaction, account: AccountId, resource_id: str) -> bool:
    for version in versions_in_a_vpc(tx, account):
        vpc = version.config.vpc
        if vpc is not None and vpc.uses(resource_id):
            return True
    return False
