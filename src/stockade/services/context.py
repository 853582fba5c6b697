"""What every use case knows about the request it serves (built by the API edge)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from stockade.domain.identity import Principal
from stockade.types import Region, RequestId


@dataclass(frozen=True)
class RequestContext:
    request_id: RequestId
    principal: Principal
    region: Region
    source_ip: str
    user_agent: str
    secure_transport: bool
    received_at: datetime
    base_url: str  # how this client reached us; links handed back to it start here
