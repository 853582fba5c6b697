"""What the key service needs from persistence: keys, their wrapped material, and aliases.

Key material is only ever stored wrapped by the root key (`stockade.crypto`); nothing here
sees plaintext key bytes. `KeyStore.write()` is one atomic unit of work; `read()` a snapshot.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from stockade.types import AccountId


class KeyState(Enum):
    """KMS's KeyState values that Stockade's keys can be in (transitions: services/kms)."""

    ENABLED = "Enabled"
    DISABLED = "Disabled"
    PENDING_DELETION = "PendingDeletion"


class KeyManager(Enum):
    CUSTOMER = "CUSTOMER"
    AWS = "AWS"


@dataclass(frozen=True)
class KeyRecord:
    account_id: AccountId
    key_id: str  # a UUID
    arn: str
    region: str
    description: str
    manager: KeyManager
    state: KeyState
    created: str  # ISO-8601 UTC instants throughout
    policy: str
    current_version: int
    rotation_enabled: bool = False
    rotation_period_days: int = 365
    next_rotation: str | None = None
    deletion_date: str | None = None
    state_before_deletion: KeyState | None = None
    tags: tuple[tuple[str, str], ...] = ()  # (key, value), sorted by key


@dataclass(frozen=True)
class MaterialRecord:
    key_id: str
    version: int
    wrapped: bytes
    created: str
    on_demand: bool = False  # a rotation asked for with RotateKeyOnDemand

    def __repr__(self) -> str:
        return f"MaterialRecord({self.key_id!r}, v{self.version}, wrapped=<redacted>)"


@dataclass(frozen=True)
class AliasRecord:
    account_id: AccountId
    region: str
    name: str  # "alias/..."
    target_key_id: str
    created: str
    updated: str


class KeyRepository(Protocol):
    def get(self, key_id: str) -> KeyRecord | None: ...
    def page(
        self, account_id: AccountId, region: str, after: str | None, limit: int
    ) -> list[KeyRecord]:
        """Keys of the account and region in key id order, after `after`."""
        ...

    def put(self, key: KeyRecord) -> None: ...
    def delete(self, key_id: str) -> None:
        """The key, its material and its aliases."""
        ...

    def due_for_deletion(self, before: str) -> list[KeyRecord]: ...
    def due_for_rotation(self, before: str) -> list[KeyRecord]: ...


class MaterialRepository(Protocol):
    def get(self, key_id: str, version: int) -> MaterialRecord | None: ...
    def all_of(self, key_id: str) -> list[MaterialRecord]: ...
    def put(self, material: MaterialRecord) -> None: ...


class AliasRepository(Protocol):
    def get(self, account_id: AccountId, region: str, name: str) -> AliasRecord | None: ...
    def page(
        self,
        account_id: AccountId,
        region: str,
        key_id: str | None,
        after: str | None,
        limit: int,
    ) -> list[AliasRecord]: ...
    def put(self, alias: AliasRecord) -> None: ...
    def delete(self, account_id: AccountId, region: str, name: str) -> None: ...


class KeyTransaction(Protocol):
    @property
    def keys(self) -> KeyRepository: ...
    @property
    def materials(self) -> MaterialRepository: ...
    @property
    def aliases(self) -> AliasRepository: ...


class KeyStore(Protocol):
    def read(self) -> AbstractContextManager[KeyTransaction]: ...
    def write(self) -> AbstractContextManager[KeyTransaction]: ...
