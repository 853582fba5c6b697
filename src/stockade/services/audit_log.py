"""What services record themselves in the audit trail: calls they make on a user's behalf
(Lambda using a KMS key for a function's environment), which no API request of the user's
shows. The edge records the requests users make; this is only for the calls behind them."""

from __future__ import annotations

from typing import Protocol

from stockade.audit.events import AuditEvent


class AuditLog(Protocol):
    def write(self, event: AuditEvent) -> None:
        """Journal `event`; returns once it is on disk. Call from worker threads only."""
        ...


class DiscardingAuditLog:
    """For use cases built without a trail (unit tests, offline commands)."""

    def write(self, event: AuditEvent) -> None:
        del event
