"""Provisioned concurrency settings of a published version or alias."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ProvisionedStatus(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    READY = "READY"
    FAILED = "FAILED"


@dataclass(frozen=True)
class ProvisionedConfig:
    qualifier: str  # a version number or an alias name, never $LATEST
    requested: int
    last_modified: datetime
    status: ProvisionedStatus = ProvisionedStatus.IN_PROGRESS
    allocated: int = 0
    status_reason: str | None = None
