"""Publishing Stockade's own events on each account's default bus, off the request path.

    audit trail (journal fsync'd) -> audit_records(): write management events -> enqueue
    store (compliance changes, configuration items, by commit order) -> publish_pending(),
        every PUBLISH_INTERVAL_S: a batch after the saved positions -> enqueue -> save positions

An event is "published" once it is on the default bus's delivery queue, the same durable queue
PutEvents entries wait on (put_events.py), so rules match it and deliver it to targets, at
least once. Compliance changes and configuration items are committed with the request's own
change; the publisher follows them by position and saves how far it got only after the enqueue,
so a crash publishes a batch again, never loses one. Audit records are enqueued once the
journal has them on disk, by the trail's writer thread after the requests are released; a
failure there is logged and never reaches a request.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from stockade.domain.configuration_item import ConfigurationItem
from stockade.domain.events import DEFAULT_BUS
from stockade.private_files import write_file
from stockade.services.events.own_events import (
    api_call_event,
    compliance_change_event,
    configuration_item_event,
)
from stockade.services.events.put_events import DELIVERY_SETTINGS, QueuedEvent, delivery_queue
from stockade.store.ports import Store, Transaction
from stockade.store.queue_ports import OutgoingMessage, QueueEngine, QueueId

LOG = logging.getLogger(__name__)
PUBLISH_INTERVAL_S = 0.5
BATCH = 200
COMPLIANCE, ITEMS = "complianceChanges", "configurationItems"


class PublishCursor(Protocol):
    """How far the publisher got (positions in the store), kept across restarts."""

    def load(self) -> Mapping[str, int] | None:
        """None before the first save."""
        ...

    def save(self, positions: Mapping[str, int]) -> None:
        """Durable once this returns."""
        ...


class FileCursor:
    def __init__(self, path: Path) -> None:
        self._path = path

    def load(self) -> Mapping[str, int] | None:
        try:
            found = json.loads(self._path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return {key: int(found[key]) for key in (COMPLIANCE, ITEMS)}

    def save(self, positions: Mapping[str, int]) -> None:
        write_file(self._path, json.dumps(dict(positions), sort_keys=True).encode())


class MemoryCursor:
    def __init__(self) -> None:
        self.positions: dict[str, int] | None = None

    def load(self) -> Mapping[str, int] | None:
        return self.positions

    def save(self, positions: Mapping[str, int]) -> None:
        self.positions = dict(positions)


class OwnEventPublisher:
    def __init__(self, store: Store, queues: QueueEngine, cursor: PublishCursor) -> None:
        self._store = store
        self._queues = queues
        self._cursor = cursor
        self._ready: set[QueueId] = set()
        self._stopping = False

    # -- audit records (the trail's writer thread, once they are on disk) --------------------
    def audit_records(self, records: Sequence[Mapping[str, Any]]) -> None:
        events = [event for record in records if (event := api_call_event(record)) is not None]
        if not events:
            return
        try:
            self._enqueue(events)
        except Exception as exc:  # never the request's failure; the trail keeps the record
            LOG.error("could not publish %d API call events: %s", len(events), type(exc).__name__)

    # -- compliance changes and configuration items ------------------------------------------
    def publish_pending(self) -> int:
        """One batch of what was committed since the last saved positions; how many events."""
        positions = self._positions()
        with self._store.read() as tx:
            changes = tx.compliance.changes_after(positions[COMPLIANCE], BATCH)
            items = tx.configuration_items.added_after(positions[ITEMS], BATCH)
            events = [compliance_change_event(change) for _, change in changes]
            events += [configuration_item_event(item, _previous(tx, item)) for _, item in items]
        if not events:
            return 0
        self._enqueue(events)
        advanced = dict(positions)
        if changes:
            advanced[COMPLIANCE] = changes[-1][0]
        if items:
            advanced[ITEMS] = items[-1][0]
        self._cursor.save(advanced)  # after the enqueue: a crash between publishes twice
        return len(events)

    async def run(self) -> None:
        while not self._stopping:
            try:
                while await asyncio.to_thread(self.publish_pending) >= BATCH:
                    pass  # a backlog: the next batch at once
            except asyncio.CancelledError:
                raise
            except Exception:  # the positions stay; the same batch is tried next round
                LOG.exception("publishing Stockade's own events failed")
            await asyncio.sleep(PUBLISH_INTERVAL_S)

    async def stop(self) -> None:
        self._stopping = True

    def _positions(self) -> Mapping[str, int]:
        found = self._cursor.load()
        if found is not None:
            return found
        # First start: what was recorded before the bus existed is history, not news.
        with self._store.read() as tx:
            start = {
                COMPLIANCE: tx.compliance.last_change_seq(),
                ITEMS: tx.configuration_items.last_position(),
            }
        self._cursor.save(start)
        return start

    def _enqueue(self, events: Iterable[dict[str, Any]]) -> None:
        by_account: dict[str, list[OutgoingMessage]] = {}
        for event in events:
            queued = QueuedEvent(DEFAULT_BUS, event)
            by_account.setdefault(event["account"], []).append(
                OutgoingMessage(queued.encode(), b"", 0)
            )
        for account, messages in by_account.items():
            queue = delivery_queue(account, DEFAULT_BUS)
            if queue not in self._ready:  # create_queue is idempotent for equal settings
                self._queues.create_queue(queue, DELIVERY_SETTINGS)
                self._ready.add(queue)
            self._queues.send(queue, messages)


def _previous(tx: Transaction, item: ConfigurationItem) -> ConfigurationItem | None:
    if item.state_id <= 1:
        return None
    history = tx.configuration_items.history(item.account_id, item.resource_id,
                                             item.resource_type)  # fmt: skip
    return next((found for found in history if found.state_id == item.state_id - 1), None)
