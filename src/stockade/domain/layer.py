"""Layers: versioned, immutable packages that functions mount under /opt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from stockade.domain.arn import layer_arn
from stockade.domain.function import Code
from stockade.types import AccountId


@dataclass(frozen=True)
class Layer:
    account_id: AccountId
    name: str
    last_version: int = 0  # numbers are never reused, even after deletion


@dataclass(frozen=True)
class LayerVersion:
    account_id: AccountId
    name: str
    version: int
    code: Code
    created: datetime
    description: str = ""
    compatible_runtimes: tuple[str, ...] = ()
    compatible_architectures: tuple[str, ...] = ()
    license_info: str | None = None

    def arn(self, region: str) -> str:
        return layer_arn(region, self.account_id, self.name, self.version)

    def layer_arn(self, region: str) -> str:
        return layer_arn(region, self.account_id, self.name)
