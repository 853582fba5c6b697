"""Persistence port of Parameter Store: one record per parameter (its versions and tags in it).
Part of the same transactional store as functions."""

from __future__ import annotations

from typing import Protocol

from stockade.domain.parameters import Parameter
from stockade.types import AccountId


class ParameterRepository(Protocol):
    def get(self, account_id: AccountId, name: str) -> Parameter | None: ...
    def put(self, parameter: Parameter) -> None: ...
    def delete(self, account_id: AccountId, name: str) -> bool:
        """Whether it existed."""
        ...

    def page(self, account_id: AccountId, prefix: str, after: str, limit: int) -> list[Parameter]:
        """Parameters named `prefix...` after `after`, by name, at most `limit`."""
        ...
