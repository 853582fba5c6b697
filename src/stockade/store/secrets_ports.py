"""Persistence port of Secrets Manager: secrets (their versions in their record). Part of the
same transactional store as functions."""

from __future__ import annotations

from typing import Protocol

from stockade.domain.secrets import Secret
from stockade.types import AccountId


class SecretsRepository(Protocol):
    def get(self, account_id: AccountId, name: str) -> Secret | None: ...
    def by_arn(self, arn: str) -> Secret | None: ...
    def by_arn_prefix(self, account_id: AccountId, prefix: str) -> list[Secret]:
        """The account's secrets whose ARN starts with `prefix` (a partial ARN's matches)."""
        ...

    def all(self, account_id: AccountId) -> list[Secret]:
        """Every secret of the account, by name."""
        ...

    def put(self, secret: Secret) -> None: ...
    def delete(self, account_id: AccountId, name: str) -> None: ...
    def due_for_deletion(self, instant: str, limit: int) -> list[Secret]:
        """Secrets of every account whose recovery window ended at or before `instant`."""
        ...

    def due_for_rotation(self, instant: str, limit: int) -> list[Secret]:
        """Secrets of every account whose next rotation is due at or before `instant`."""
        ...
