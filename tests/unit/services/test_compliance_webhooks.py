"""Compliance changes are recorded once per change of result and delivered to the account's
webhook later: retried with backoff on failure, given up after a bounded number of attempts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from stockade.clock import FakeClock
from stockade.crypto.webhook_signature import verify
from stockade.domain.account import Account
from stockade.domain.compliance_records import DELIVERY_ATTEMPTS_MAX, Delivery, Webhook
from stockade.domain.configuration_item import ConfigurationItem, ItemStatus, canonical
from stockade.domain.runtimes import RuntimeCatalog
from stockade.services.compliance.admin import ComplianceAdmin, ComplianceAdminError
from stockade.services.compliance.webhooks import WebhookDeliveries, WebhookDeliveryError
from stockade.store.sqlite import SqliteStore
from stockade.types import AccountId

ACCOUNT = AccountId("111122223333")
URL = "https://hooks.example/compliance?token=t0ken"
CATALOG = RuntimeCatalog.with_lifecycles({}, {"version": 1, "recommended": {}, "runtimes": {}})


class FlakyPoster:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.bodies: list[dict[str, object]] = []
        self.attempts: list[tuple[str, bytes]] = []  # (signature, body), failed ones included

    def post(self, url: str, body: bytes, signature: str) -> None:
        assert url == URL
        self.attempts.append((signature, body))
        if self.failures > 0:
            self.failures -= 1
            raise WebhookDeliveryError("HTTP 503")
        self.bodies.append(json.loads(body))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore(tmp_path / "stockade.db")
    with opened.write() as tx:
        tx.accounts.put(Account(ACCOUNT, "default", datetime(2026, 1, 1, tzinfo=UTC)))
    yield opened
    opened.close()


def with_function(store: SqliteStore, clock: FakeClock, dead_letter: str | None) -> None:
    configuration = {"runtime": "python3.14", "deadLetterConfig": {"targetArn": dead_letter}}
    with store.write() as tx:
        state = (latest.state_id if (latest := tx.configuration_items.latest(ACCOUNT, "f"))
                 else 0) + 1  # fmt: skip
        tx.configuration_items.add(ConfigurationItem(
            ACCOUNT, "us-east-1", "f", "arn:aws:lambda:us-east-1:111122223333:function:f",
            state, clock.now(), ItemStatus.OK, canonical(configuration)))  # fmt: skip


def test_a_change_is_retried_with_backoff_then_delivered(store: SqliteStore) -> None:
    clock = FakeClock()
    admin = ComplianceAdmin(store, clock, CATALOG)
    secret = admin.set_webhook(ACCOUNT, URL)
    assert secret is not None
    with_function(store, clock, None)
    admin.enable(ACCOUNT, "lambda-dlq-check", {})
    poster = FlakyPoster(failures=4)  # two changes, each failing twice
    deliveries = WebhookDeliveries(store, poster, clock, base_delay_s=1.0)
    dlq = [c for c in admin.changes(ACCOUNT) if c.rule == "lambda-dlq-check"]
    assert [(c.before, c.after.value, c.delivery) for c in dlq] == [
        (None, "NON_COMPLIANT", Delivery.PENDING)
    ]
    assert deliveries.deliver_due() == 0  # each change fails its first attempt
    assert deliveries.deliver_due() == 0  # not due again before its backoff
    clock.advance(1.0)
    assert deliveries.deliver_due() == 0  # second attempt fails too; next in 2 s
    clock.advance(1.9)
    assert deliveries.deliver_due() == 0
    clock.advance(0.1)
    assert deliveries.deliver_due() == 2  # the DLQ change and the deprecation check's first
    (after,) = [c for c in admin.changes(ACCOUNT) if c.rule == "lambda-dlq-check"]
    assert (after.delivery, after.attempts) == (Delivery.DELIVERED, 3)
    notice = next(b for b in poster.bodies if b["configRuleName"] == "lambda-dlq-check")
    assert notice["newEvaluationResult"]["complianceType"] == "NON_COMPLIANT"  # type: ignore[index]
    assert notice["cause"]["eventName"] == "StockadeComplianceRuleEnabled"  # type: ignore[index]
    # Every attempt is signed with the secret, at its own time (retries too).
    now = int(clock.now().timestamp())
    assert all(verify(secret, sig, body, now) for sig, body in poster.attempts)
    stamps = [sig.split(",")[0] for sig, body in poster.attempts if b"lambda-dlq-check" in body]
    assert len(stamps) == 3
    assert len(set(stamps)) == 3

    # The same result again is no change; a different one is.
    admin.evaluate(ACCOUNT)
    assert len(admin.changes(ACCOUNT)) == 2
    with_function(store, clock, "arn:aws:sqs:us-east-1:111122223333:dlq")
    admin.evaluate(ACCOUNT)
    last = admin.changes(ACCOUNT)[-1]
    assert (last.before, last.after.value) == (after.after, "COMPLIANT")


def test_delivery_gives_up_after_the_last_attempt(store: SqliteStore) -> None:
    clock = FakeClock()
    admin = ComplianceAdmin(store, clock, CATALOG)
    admin.set_webhook(ACCOUNT, URL)
    with_function(store, clock, None)
    admin.enable(ACCOUNT, "lambda-dlq-check", {})
    deliveries = WebhookDeliveries(store, FlakyPoster(failures=1000), clock, base_delay_s=1.0)
    for _ in range(DELIVERY_ATTEMPTS_MAX + 2):
        deliveries.deliver_due()
        clock.advance(60)
    assert {(c.delivery, c.attempts, c.last_error) for c in admin.changes(ACCOUNT)} == {
        (Delivery.FAILED, DELIVERY_ATTEMPTS_MAX, "HTTP 503")
    }


def test_without_a_webhook_changes_are_recorded_not_queued(store: SqliteStore) -> None:
    clock = FakeClock()
    admin = ComplianceAdmin(store, clock, CATALOG)
    with_function(store, clock, None)
    admin.enable(ACCOUNT, "lambda-dlq-check", {})
    assert {c.delivery for c in admin.changes(ACCOUNT)} == {Delivery.NOT_CONFIGURED}


def test_the_webhook_is_sealed_and_checked(store: SqliteStore) -> None:
    admin = ComplianceAdmin(store, FakeClock(), CATALOG)
    with pytest.raises(ComplianceAdminError, match="http:// or https://"):
        admin.set_webhook(ACCOUNT, "file:///etc/passwd")
    with pytest.raises(ComplianceAdminError, match="No account"):
        admin.set_webhook(AccountId("999999999999"), URL)
    first = admin.set_webhook(ACCOUNT, URL)
    assert admin.webhook_origin(ACCOUNT) == "https://hooks.example"
    assert "t0ken" not in repr(Webhook(ACCOUNT, URL, "5ecret"))
    assert "5ecret" not in repr(Webhook(ACCOUNT, URL, "5ecret"))
    # Setting the webhook again rotates its secret; removing it removes the secret too.
    second = admin.set_webhook(ACCOUNT, URL)
    assert first is not None
    assert second is not None
    assert first != second
    assert admin.set_webhook(ACCOUNT, None) is None
    assert admin.webhook_origin(ACCOUNT) is None
