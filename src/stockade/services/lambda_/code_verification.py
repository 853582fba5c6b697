"""Code signing enforced at deployment: a function's code and its layers are checked against the
function's code signing config (domain/code_verification.py decides); the decision goes into
the request's audit record (`additionalEventData.codeSigning`), warnings included.

Integrity failures are refused whatever the policy (InvalidCodeSignatureException); expiry,
mismatch and revocation failures are refused under Enforce (CodeVerificationFailedException)
and deployed with a warning under Warn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stockade.crypto import InvalidSignatureError, verify_code_signature
from stockade.domain.code_verification import (
    Evidence,
    Outcome,
    ProfileVersionFacts,
    Verdict,
    check_integrity,
    decide,
)
from stockade.domain.errors import SignedPackageError
from stockade.domain.function import CodeSignature, LayerAttachment
from stockade.domain.signed_package import content_digest, read_manifest
from stockade.domain.signing import UntrustedArtifactPolicy
from stockade.services.context import RequestContext
from stockade.services.lambda_.code_signing_configs import load
from stockade.services.lambda_.deps import LambdaDeps
from stockade.services.lambda_.errors import (
    CodeSigningConfigNotFoundError,
    CodeVerificationFailedError,
    InvalidCodeSignatureError,
)
from stockade.store.ports import Transaction
from stockade.types import AccountId


def check_deployment(
    deps: LambdaDeps,
    ctx: RequestContext,
    account: AccountId,
    config_arn: str | None,
    code: bytes | None,
    layers: Sequence[LayerAttachment] = (),
) -> CodeSignature | None:
    """Check `code` (if given) and `layers` against the config; the code's signature if it is
    intact. Raises when the deployment must not happen. No config: nothing is checked."""
    if config_arn is None:
        return None
    artifacts = [("code", code)] if code is not None else []
    artifacts += [(layer.arn, deps.artifacts.get(layer.code.sha256)) for layer in layers]
    now = deps.clock.now()
    with deps.store.read() as tx:
        config = load(tx, account, config_arn, CodeSigningConfigNotFoundError)
        verdicts = [
            (name, _verdict(tx, data, frozenset(config.allowed_publishers), now))
            for name, data in artifacts
        ]
    enforce = config.policy is UntrustedArtifactPolicy.ENFORCE
    invalid = [(n, v) for n, v in verdicts if v.outcome is Outcome.INVALID]
    untrusted = [(n, v) for n, v in verdicts if v.outcome is Outcome.UNTRUSTED]
    blocked = bool(invalid) or (enforce and bool(untrusted))
    ctx.notes.add(
        "codeSigning",
        {
            "codeSigningConfigArn": config.arn,
            "untrustedArtifactOnDeployment": config.policy.value,
            "decision": "Blocked"
            if blocked
            else "DeployedWithWarnings"
            if untrusted
            else "Deployed",
            "checks": [_noted(name, verdict) for name, verdict in verdicts],
            "warnings": [f"{name}: {verdict.reason}" for name, verdict in untrusted],
        },
    )
    if invalid:
        name, verdict = invalid[0]
        raise InvalidCodeSignatureError(
            f"The code signature failed the integrity check for {name}: {verdict.reason}."
            " Lambda blocks the deployment whatever the code signing policy."
        )
    if enforce and untrusted:
        name, verdict = untrusted[0]
        raise CodeVerificationFailedError(
            f"The code signature failed the {verdict.failed} check for {name}: {verdict.reason};"
            " the code signing policy is Enforce, so the deployment is blocked."
        )
    code_verdict = next((v for n, v in verdicts if n == "code"), None)
    return _signature(code_verdict)


def signature_of(deps: LambdaDeps, data: bytes) -> CodeSignature | None:
    """Who signed a package, if it carries an intact signature of a profile this server holds
    (PublishLayerVersion records it; functions check it against their config when used)."""
    evidence = _evidence(data)
    if evidence.manifest is None:
        return None
    with deps.store.read() as tx:
        profile = _profile(tx, evidence)
    if profile is None or check_integrity(evidence, profile, _signature_ok) is not None:
        return None
    statement = evidence.manifest.statement
    return CodeSignature(statement.profile_version_arn, statement.job_arn)


def _verdict(tx: Transaction, data: bytes, allowed: frozenset[str], now: Any) -> Verdict:
    evidence = _evidence(data)
    revoked = False
    if evidence.manifest is not None:
        job_id = evidence.manifest.statement.job_arn.rsplit("/", 1)[-1]
        job = tx.signing_jobs.get(job_id)
        revoked = (
            job is not None
            and job.arn == evidence.manifest.statement.job_arn
            and job.revocation is not None
        )
    return decide(evidence, allowed, _profile(tx, evidence), revoked, now, _signature_ok)


def _evidence(data: bytes) -> Evidence:
    try:
        return Evidence(read_manifest(data), content_digest(data))
    except SignedPackageError as exc:
        return Evidence(None, None, malformed=str(exc))


def _profile(tx: Transaction, evidence: Evidence) -> ProfileVersionFacts | None:
    if evidence.manifest is None:
        return None
    version = tx.signing_profiles.get_version(evidence.manifest.statement.profile_version_arn)
    if version is None:
        return None
    revoked_from = version.revocation.effective_from if version.revocation else None
    return ProfileVersionFacts(version.arn, version.public_key_pem.encode("ascii"), revoked_from)


def _signature_ok(public_key_pem: bytes, data: bytes, signature: bytes) -> bool:
    try:
        verify_code_signature(public_key_pem, data, signature)
    except InvalidSignatureError:
        return False
    return True


def _signature(verdict: Verdict | None) -> CodeSignature | None:
    if verdict is None or verdict.statement is None:
        return None
    return CodeSignature(verdict.statement.profile_version_arn, verdict.statement.job_arn)


def _noted(name: str, verdict: Verdict) -> dict[str, Any]:
    noted: dict[str, Any] = {
        "artifact": name,
        "outcome": verdict.outcome.value,
        "reason": verdict.reason,
    }
    if verdict.failed is not None:
        noted["failedCheck"] = verdict.failed.value
    if verdict.statement is not None:
        noted["signingProfileVersionArn"] = verdict.statement.profile_version_arn
        noted["signingJobArn"] = verdict.statement.job_arn
    return noted
