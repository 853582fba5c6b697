"""Audit records a use case makes for the request it serves (a KMS call a service makes on the
caller's behalf), held for the kernel to journal together with the request's own record.

The kernel answers no request before its records are on disk; holding a service's records
until then makes that one wait for the disk per request instead of one per record, without
weakening it: the held records are journalled before the request's own and awaited with it.
Once the kernel has taken them, a use case still running (a streamed answer) gets False from
`hold` and writes its record itself, waiting for the disk as before.
"""

from __future__ import annotations

import threading

from stockade.audit.events import AuditEvent


class HeldWrites:
    def __init__(self) -> None:
        self._lock = threading.Lock()  # handlers run on the executor, the kernel on the loop
        self._events: list[AuditEvent] | None = []

    def hold(self, event: AuditEvent) -> bool:
        """Keep `event` for the kernel; False once it has taken the held ones."""
        with self._lock:
            if self._events is None:
                return False
            self._events.append(event)
            return True

    def take(self) -> list[AuditEvent]:
        """The held events in the order they were held, once; later `hold`s are refused."""
        with self._lock:
            events, self._events = self._events or [], None
        return events

    def __repr__(self) -> str:
        return "HeldWrites()"  # events may name keys and contexts; never printed
