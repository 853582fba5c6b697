"""Webhook signatures: what a receiver accepts and refuses."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from stockade.crypto.webhook_signature import new_secret, sign, verify

BODY = b'{"messageType":"ComplianceChangeNotification"}'
NOW = 1_795_000_000


def test_a_signature_verifies_and_is_the_documented_hmac() -> None:
    secret = new_secret()
    header = sign(secret, NOW, BODY)
    assert verify(secret, header, BODY, NOW)
    # What docs/compliance.md tells receivers to compute.
    expected = hmac.new(secret.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert header == f"t={NOW},v1={expected}"


def test_secrets_are_fresh_and_long() -> None:
    first, second = new_secret(), new_secret()
    assert first != second
    assert len(bytes.fromhex(first)) == 32


def test_a_changed_body_or_another_secret_is_refused() -> None:
    secret = new_secret()
    header = sign(secret, NOW, BODY)
    assert not verify(secret, header, BODY + b" ", NOW)
    assert not verify(new_secret(), header, BODY, NOW)


def test_a_changed_timestamp_is_refused() -> None:
    secret = new_secret()
    mac = sign(secret, NOW, BODY).split(",")[1]
    assert not verify(secret, f"t={NOW + 1},{mac}", BODY, NOW)


@pytest.mark.parametrize("age_s", [301, -301, 10_000])
def test_a_stale_or_future_delivery_is_refused(age_s: int) -> None:
    secret = new_secret()
    header = sign(secret, NOW - age_s, BODY)
    assert not verify(secret, header, BODY, NOW)
    assert verify(secret, header, BODY, NOW, tolerance_s=abs(age_s))


@pytest.mark.parametrize(
    "header",
    ["", "garbage", "t=,v1=00", f"t={NOW}", "v1=00", f"t={NOW},t={NOW},v1=00",
     f"t=-{NOW},v1=00", f"t={NOW},v1", "t=\uff11,v1=00"],
)  # fmt: skip
def test_malformed_headers_are_refused(header: str) -> None:
    assert not verify(new_secret(), header, BODY, NOW)


def test_any_matching_v1_is_accepted() -> None:
    old, new = new_secret(), new_secret()
    mac = sign(new, NOW, BODY).split(",")[1]
    stale = sign(old, NOW, BODY).split(",")[1]
    assert verify(new, f"t={NOW},{stale},{mac}", BODY, NOW)
