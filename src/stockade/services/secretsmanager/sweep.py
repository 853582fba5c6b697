"""The recovery-window sweep: secrets whose scheduled deletion date has passed are removed for
good (with every version). The date is stored with the secret, so a sweep after a restart
removes whatever fell due while the server was down; lookups already treat such a secret as
gone, so the sweep only frees its storage and its name's record."""

from __future__ import annotations

import uuid
from datetime import datetime

from stockade.domain.configuration_item import RelatedEvent
from stockade.services.secretsmanager.configuration_items import (
    RECOVERY_WINDOW_ENDED,
    record_item,
)
from stockade.store.ports import Store

_BATCH = 500  # per transaction, so that a large backlog never holds the writer long
_BATCHES_MAX = 100  # per run; the next run takes the rest


class DeletionSweep:
    def __init__(self, store: Store) -> None:
        self._store = store

    def run(self, now: datetime) -> int:
        removed = 0
        for _ in range(_BATCHES_MAX):
            with self._store.write() as tx:
                due = tx.secrets.due_for_deletion(now.isoformat(), _BATCH)
                for secret in due:
                    tx.secrets.delete(secret.account_id, secret.name)
                    event = RelatedEvent(RECOVERY_WINDOW_ENDED, str(uuid.uuid4()))
                    region = secret.arn.split(":")[3]
                    record_item(tx, region, secret.account_id, secret.arn, None, event, now)
            removed += len(due)
            if len(due) < _BATCH:
                break
        return removed
