"""Lambda's signature checks as a pure decision: which check fails, in which order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from stockade.domain.code_verification import (
    Check,
    Evidence,
    Outcome,
    ProfileVersionFacts,
    decide,
)
from stockade.domain.signed_package import Manifest, SignedStatement

ARN = "arn:aws:signer:us-east-1:123456789012:/signing-profiles/p/abcdefghij"
NOW = datetime(2025, 6, 1, tzinfo=UTC)
STATEMENT = SignedStatement(
    "a" * 96,
    "AWSLambda-SHA384-ECDSA",
    ARN,
    "arn:job",
    NOW - timedelta(days=1),
    NOW + timedelta(days=30),
)
SIGNED = Evidence(Manifest(STATEMENT, b"good"), "a" * 96)
PROFILE = ProfileVersionFacts(ARN, b"pem")


def signature_ok(key: bytes, data: bytes, signature: bytes) -> bool:
    return key == b"pem" and signature == b"good"


def verdict(
    evidence: Evidence = SIGNED,
    allowed: frozenset[str] = frozenset({ARN}),
    profile: ProfileVersionFacts | None = PROFILE,
    job_revoked: bool = False,
    now: datetime = NOW,
) -> tuple[Outcome, Check | None]:
    found = decide(evidence, allowed, profile, job_revoked, now, signature_ok)
    return found.outcome, found.failed


def test_a_valid_signature_by_an_allowed_profile_is_verified() -> None:
    assert verdict() == (Outcome.VERIFIED, None)


def test_an_unsigned_package_fails_the_mismatch_check() -> None:
    assert verdict(Evidence(None, "a" * 96)) == (Outcome.UNTRUSTED, Check.MISMATCH)


def test_a_modified_package_fails_integrity_before_anything_else() -> None:
    modified = Evidence(SIGNED.manifest, "b" * 96)
    assert verdict(modified, allowed=frozenset()) == (Outcome.INVALID, Check.INTEGRITY)


def test_a_forged_signature_fails_integrity() -> None:
    assert SIGNED.manifest is not None
    forged = Evidence(Manifest(SIGNED.manifest.statement, b"forged"), "a" * 96)
    assert verdict(forged) == (Outcome.INVALID, Check.INTEGRITY)


def test_a_malformed_manifest_fails_integrity() -> None:
    assert verdict(Evidence(None, None, "bad")) == (Outcome.INVALID, Check.INTEGRITY)


@pytest.mark.parametrize(
    ("changes", "failed"),
    [
        ({"allowed": frozenset({"arn:other"})}, Check.MISMATCH),
        ({"profile": None}, Check.MISMATCH),
        ({"now": NOW + timedelta(days=31)}, Check.EXPIRY),
        ({"job_revoked": True}, Check.REVOCATION),
        ({"profile": ProfileVersionFacts(ARN, b"pem", NOW - timedelta(days=2))}, Check.REVOCATION),
    ],
    ids=["other-profile", "unknown-profile", "expired", "job-revoked", "profile-revoked"],
)
def test_untrusted_signatures_name_the_failed_check(
    changes: dict[str, object], failed: Check
) -> None:
    assert verdict(**changes) == (Outcome.UNTRUSTED, failed)  # type: ignore[arg-type]


def test_a_profile_revoked_after_signing_keeps_earlier_signatures() -> None:
    later = ProfileVersionFacts(ARN, b"pem", NOW)
    assert verdict(profile=later) == (Outcome.VERIFIED, None)
