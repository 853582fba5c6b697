"""Lambda's signature checks on a package, as a pure decision.

Lambda checks, in this order: integrity (the package is unmodified since it was signed: the
content digest and the signature match), mismatch (signed by a profile version the code signing
config allows), expiry (the signature's validity period has not ended) and revocation (neither
the signing job nor the profile version, from its effective time, is revoked). An integrity
failure blocks deployment whatever the policy (InvalidCodeSignatureException); the other checks
block it only under `Enforce` (CodeVerificationFailedException) and otherwise leave a warning.
An unsigned package fails the mismatch check: no allowed publisher signed it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from stockade.domain.signed_package import Manifest, SignedStatement, statement_bytes

# (public key PEM, signed bytes, signature) -> whether the signature verifies
SignatureCheck = Callable[[bytes, bytes, bytes], bool]


class Check(StrEnum):
    INTEGRITY = "Integrity"
    MISMATCH = "Mismatch"
    EXPIRY = "Expiry"
    REVOCATION = "Revocation"


class Outcome(StrEnum):
    VERIFIED = "Verified"
    UNTRUSTED = "Untrusted"  # expiry, mismatch or revocation failed: Warn deploys, Enforce not
    INVALID = "Invalid"  # integrity failed: never deployed


@dataclass(frozen=True)
class ProfileVersionFacts:
    """What verification needs to know of the profile version a signature names."""

    arn: str
    public_key_pem: bytes
    revoked_from: datetime | None = None  # signatures made at or after this are revoked


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    reason: str
    failed: Check | None = None
    statement: SignedStatement | None = None  # set once the package proved to be intact

    @property
    def deployable_with_warning(self) -> bool:
        return self.outcome is Outcome.UNTRUSTED


@dataclass(frozen=True)
class Evidence:
    """A package as verification sees it: its manifest (or why it has none) and its digest."""

    manifest: Manifest | None
    content_sha384: str | None  # None when the package could not be read
    malformed: str | None = None  # why the manifest could not be read


def check_integrity(
    evidence: Evidence, profile: ProfileVersionFacts | None, signature_ok: SignatureCheck
) -> Verdict | None:
    """The integrity check alone; None if the package is intact (or unsigned)."""
    if evidence.malformed is not None:
        return Verdict(Outcome.INVALID, evidence.malformed, Check.INTEGRITY)
    manifest = evidence.manifest
    if manifest is None:
        return None
    if evidence.content_sha384 != manifest.statement.content_sha384:
        return Verdict(
            Outcome.INVALID, "the package was modified after it was signed", Check.INTEGRITY
        )
    if profile is not None and not signature_ok(
        profile.public_key_pem, statement_bytes(manifest.statement), manifest.signature
    ):
        return Verdict(
            Outcome.INVALID,
            "the signature does not match the signing profile's key",
            Check.INTEGRITY,
        )
    return None


def decide(
    evidence: Evidence,
    allowed: frozenset[str],
    profile: ProfileVersionFacts | None,
    job_revoked: bool,
    now: datetime,
    signature_ok: SignatureCheck,
) -> Verdict:
    """`profile`: the facts of the profile version the manifest names, None if unknown."""
    broken = check_integrity(evidence, profile, signature_ok)
    if broken is not None:
        return broken
    manifest = evidence.manifest
    if manifest is None:
        return Verdict(Outcome.UNTRUSTED, "the package is not signed", Check.MISMATCH)
    statement = manifest.statement
    if statement.profile_version_arn not in allowed:
        return Verdict(
            Outcome.UNTRUSTED,
            "the package is not signed by an allowed publisher",
            Check.MISMATCH,
            statement,
        )
    if profile is None:
        # An allowed ARN whose key this server does not hold: nothing vouches for the package.
        return Verdict(
            Outcome.UNTRUSTED, "the signing profile version is unknown", Check.MISMATCH, statement
        )
    if now >= statement.expires_at:
        return Verdict(Outcome.UNTRUSTED, "the signature has expired", Check.EXPIRY, statement)
    if job_revoked:
        return Verdict(Outcome.UNTRUSTED, "the signature was revoked", Check.REVOCATION, statement)
    if profile.revoked_from is not None and statement.signed_at >= profile.revoked_from:
        return Verdict(
            Outcome.UNTRUSTED,
            "the signing profile version was revoked",
            Check.REVOCATION,
            statement,
        )
    return Verdict(Outcome.VERIFIED, "the signature is valid", None, statement)
