"""Publishing Stockade's own events on each account's default bus, off the request path.

    audit trail (journal fsync'd) -> audit_records(): write management events, kept in memory
        -> the next round enqueues them
    store (compliance changes, configuration items, function state events, by commit order)
        -> publish_pending(), every PUBLISH_INTERVAL_S: a batch after the saved positions
        -> enqueue -> save positions -> prune the published function state events

An event is "published" once it is on the default bus's delivery queue, the same durable queue
PutEvents entries wait on (put_events.py), so rules match it and deliver it to targets, at
least once. Compliance changes and configuration items are committed with the request's own
change; the publisher follows them by position and saves how far it got only after the enqueue,
so a crash publishes a batch again, never loses one. Audit records are handed over once the
journal has them on disk; the trail's writer thread only keeps them in memory (no I/O of its
own, so the journal never waits for the queue store), and the next round enqueues them. A
refused enqueue is retried by the next round, never reaches a request, and holds back the saved
audit time. At start, `recover` publishes again what the journal holds from (a margin before)
that time: a crash between the journal and the queue loses nothing, and may repeat a few.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
RECOVER_MARGIN_S = 10
UNSENT_MAX = 10_000  # API call events kept until a round queues them


@dataclass(frozen=True)
class Positions:
    """How far the publisher got: the newest compliance change and configuration item (store
    positions) and the audit time (CloudTrail's eventTime) through which every API call event
    is queued; the newest function state event moved from the store's outbox."""

    compliance: int
    items: int
    audit_through: str = ""
    function_states: int = 0


class PublishCursor(Protocol):
    """Where the positions are kept across restarts."""

    def load(self) -> Positions | None:
        """None before the first save."""
        ...

    def save(self, positions: Positions) -> None:
        """Durable once this returns."""
        ...


class FileCursor:
    def __init__(self, path: Path) -> None:
        self._path = path

    def load(self) -> Positions | None:
        try:
            found = json.loads(self._path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return Positions(int(found["compliance"]), int(found["items"]),
                         str(found.get("auditThrough", "")),
                         int(found.get("functionStates", 0)))  # fmt: skip

    def save(self, positions: Positions) -> None:
        document = {"compliance": positions.compliance, "items": positions.items,
                    "auditThrough": positions.audit_through,
                    "functionStates": positions.function_states}  # fmt: skip
        write_file(self._path, json.dumps(document, sort_keys=True).encode())


class MemoryCursor:
    def __init__(self) -> None:
        self.positions: Positions | None = None

    def load(self) -> Positions | None:
        return self.positions

    def save(self, positions: Positions) -> None:
        self.positions = positions


class OwnEventPublisher:
    def __init__(self, store: Store, queues: QueueEngine, cursor: PublishCursor) -> None:
        self._store = store
        self._queues = queues
        self._cursor = cursor
        self._ready: set[QueueId] = set()
        self._stopping = False
        # The trail's writer thread and the background round share what follows.
        self._lock = threading.Lock()
        self._unsent: list[dict[str, Any]] = []  # refused by the queue store: retried
        self._through = ""  # every API call event up to this eventTime is queued

    # -- audit records (the trail's writer thread, once they are on disk: memory only) -------
    def audit_records(self, records: Sequence[Mapping[str, Any]]) -> None:
        events = [event for record in records if (event := api_call_event(record)) is not None]
        if not events:
            return
        with self._lock:
            room = UNSENT_MAX - len(self._unsent)
            if room < len(events):  # past that, a restart publishes them again from the journal
                LOG.error("could not keep %d API call events to publish", len(events) - room)
            self._unsent += events[:room]

    def recover(self, journalled: Iterable[Mapping[str, Any]]) -> int:
        """At start, before serving: the API call events of records the journal holds at or
        after the saved audit time, which a crash may have kept from the bus (some twice)."""
        positions = self._positions()
        if not positions.audit_through:
            return 0
        # Records reach the journal roughly, not exactly, in eventTime order: a margin.
        since = _instant(positions.audit_through) - timedelta(seconds=RECOVER_MARGIN_S)
        events = [
            event for record in journalled
            if _instant(str(record.get("eventTime", ""))) >= since
            and (event := api_call_event(record)) is not None
        ]  # fmt: skip
        if events:
            self._enqueue(events)
        return len(events)

    # -- compliance changes and configuration items ------------------------------------------
    def publish_pending(self) -> int:
        """One batch of what was committed since the last saved positions; how many events."""
        positions = self._positions()
        retried = self._retry_unsent()
        with self._store.read() as tx:
            changes = tx.compliance.changes_after(positions.compliance, BATCH)
            items = tx.configuration_items.added_after(positions.items, BATCH)
            events = [compliance_change_event(change) for _, change in changes]
            events += [configuration_item_event(item, _previous(tx, item)) for _, item in items]
            # Built (id and time included) when the change committed: a repeat is the same event.
            states = tx.function_state_events.after(positions.function_states, BATCH)
            events += [event for _, event in states]
        if events:
            self._enqueue(events)
        with self._lock:
            through = self._through
        advanced = Positions(
            changes[-1][0] if changes else positions.compliance,
            items[-1][0] if items else positions.items,
            max(through, positions.audit_through),
            states[-1][0] if states else positions.function_states,
        )
        if advanced != positions:
            self._cursor.save(advanced)  # after the enqueue: a crash between publishes twice
        if states:  # on the bus and past the saved position: the outbox lets them go
            with self._store.write() as tx:
                tx.function_state_events.prune_through(advanced.function_states)
        return len(events) + retried

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

    def _retry_unsent(self) -> int:
        """Enqueue the API call events kept since the last round (some perhaps refused by an
        earlier one); the saved audit time moves only past what is queued."""
        with self._lock:
            unsent, self._unsent = self._unsent, []
        if not unsent:
            return 0
        try:
            self._enqueue(unsent)
        except Exception:
            with self._lock:
                self._unsent = unsent + self._unsent
            raise
        with self._lock:
            if not self._unsent:
                self._through = max(self._through, *(event["time"] for event in unsent))
        return len(unsent)

    def _positions(self) -> Positions:
        found = self._cursor.load()
        if found is not None:
            return found
        # First start: what was recorded before the bus existed is history, not news.
        with self._store.read() as tx:
            start = Positions(tx.compliance.last_change_seq(),
                              tx.configuration_items.last_position(),
                              function_states=tx.function_state_events.last_seq())  # fmt: skip
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


def _instant(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return datetime.max.replace(tzinfo=UTC)  # not CloudTrail's format: recovered anyway


def _previous(tx: Transaction, item: ConfigurationItem) -> ConfigurationItem | None:
    if item.state_id <= 1:
        return None
    history = tx.configuration_items.history(item.account_id, item.resource_id,
                                             item.resource_type)  # fmt: skip
    return next((found for found in history if found.state_id == item.state_id - 1), None)
