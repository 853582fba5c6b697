"""Persistence port of the function state event outbox: each event is written in the same
transaction as the function change it reports, so a committed change always has its event; the
own-event publisher moves them to the default bus by position, then prunes what it moved."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class FunctionStateEventRepository(Protocol):
    def add(self, event: Mapping[str, Any]) -> None:
        """One event (EventBridge's envelope, complete), after every earlier one."""
        ...

    def after(self, seq: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
        """Events positioned after `seq`, oldest first, at most `limit`."""
        ...

    def last_seq(self) -> int:
        """The newest position (0 when none was ever written)."""
        ...

    def prune_through(self, seq: int) -> None:
        """Forget the events at or before `seq` (already on the bus)."""
        ...
