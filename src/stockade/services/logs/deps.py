"""The ports and settings every logs use case shares."""

from __future__ import annotations

from dataclasses import dataclass

from stockade.clock import Clock
from stockade.store.log_ports import LogStore
from stockade.types import Region

GROUPS_PER_ACCOUNT_MAX = 10_000  # log groups one account may create with CreateLogGroup
RESPONSE_BYTES_MAX = 1024 * 1024  # event reads answer at most 1 MB of events, as AWS does


@dataclass(frozen=True)
class LogsDeps:
    store: LogStore
    clock: Clock
    region: Region
