"""Delivery of compliance changes to each account's webhook, off the request path: the change
is queued in its own transaction; a background round POSTs what is due, and a failed POST is
retried with exponential backoff until DELIVERY_ATTEMPTS_MAX, then marked FAILED (kept)."""

from __future__ import annotations

import json
import logging
from typing import Protocol

from stockade.clock import Clock
from stockade.crypto import webhook_signature
from stockade.domain.compliance_records import ComplianceChange
from stockade.errors import StockadeError
from stockade.store.ports import Store

LOG = logging.getLogger(__name__)
_BATCH = 50


class WebhookDeliveryError(StockadeError):
    """The receiver could not be reached or did not answer 2xx; the message names no URL."""


class WebhookPoster(Protocol):
    def post(self, url: str, body: bytes, signature: str) -> None:
        """POST `body` (JSON) with `signature` in the Stockade-Signature header; raise
        WebhookDeliveryError unless the answer is 2xx."""
        ...


class WebhookDeliveries:
    def __init__(
        self, store: Store, poster: WebhookPoster, clock: Clock, base_delay_s: float = 1.0
    ) -> None:
        self._store, self._poster, self._clock = store, poster, clock
        self._base_delay_s = base_delay_s

    def deliver_due(self) -> int:
        """One round: every due delivery attempted once; returns how many were delivered."""
        with self._store.read() as tx:
            due = tx.compliance.due_deliveries(self._clock.now(), _BATCH)
        delivered = 0
        for change in due:
            outcome = self._attempt(change)
            with self._store.write() as tx:
                tx.compliance.put_change(outcome)
            if outcome.last_error is None:
                delivered += 1
            else:
                LOG.warning("compliance webhook of account %s: attempt %d failed (%s)",
                            change.account_id, outcome.attempts, outcome.last_error)  # fmt: skip
        return delivered

    def _attempt(self, change: ComplianceChange) -> ComplianceChange:
        with self._store.read() as tx:
            webhook = tx.compliance.webhook(change.account_id)
        now = self._clock.now()
        if webhook is None:
            return change.failed_attempt("the account has no webhook any more", now,
                                         self._base_delay_s)  # fmt: skip
        body = json.dumps(change.notification(), separators=(",", ":")).encode()
        # Signed per attempt: a retry carries its own time, within the receiver's tolerance.
        signature = webhook_signature.sign(webhook.signing_secret, int(now.timestamp()), body)
        try:
            self._poster.post(webhook.url, body, signature)
        except WebhookDeliveryError as exc:
            return change.failed_attempt(str(exc), now, self._base_delay_s)
        return change.delivered()
