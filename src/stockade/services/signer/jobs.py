"""Signing jobs: SignPayload over a package's content digest, then describe, list, revoke.

AWS's StartSigningJob reads the package from S3 and writes the signed copy back; Stockade has
no S3, so `stockade sign` computes the package's content digest locally and sends only that
through SignPayload (the package never leaves the client, the key never leaves the server).
The signed statement comes back as the job's `metadata` and the signature as `signature`;
the client writes both into the package (domain/signed_package.py).
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import replace
from typing import Any

from stockade.domain.errors import SignedPackageError
from stockade.domain.signed_package import (
    PAYLOAD_FORMAT,
    SignedStatement,
    parse_digest_payload,
    statement_bytes,
)
from stockade.domain.signing import Revocation, SigningJob
from stockade.services.context import RequestContext
from stockade.services.signer.deps import (
    PLATFORM_DISPLAY_NAME,
    SignerDeps,
    decode_token,
    encode_token,
    key_context,
    load_profile,
    owner,
)
from stockade.services.signer.errors import ResourceNotFoundError, ValidationError
from stockade.services.signer.states import require_active
from stockade.shapes import signer as shapes

_PAGE_DEFAULT = 25


class Jobs:
    def __init__(self, deps: SignerDeps) -> None:
        self._deps = deps

    def sign_payload(
        self, ctx: RequestContext, request: shapes.SignPayloadRequest
    ) -> dict[str, Any]:
        deps = self._deps
        account = owner(ctx, request.get("profileOwner"))
        name = request["profileName"]
        if request["payloadFormat"] != PAYLOAD_FORMAT:
            raise ValidationError(f"Stockade signs payloads of format {PAYLOAD_FORMAT} only.")
        try:
            digest = parse_digest_payload(bytes(request["payload"]))
        except SignedPackageError as exc:
            raise ValidationError(str(exc)) from exc
        with deps.store.read() as tx:
            profile = load_profile(tx, account, name)
            require_active(profile)
            version = tx.signing_profiles.get_version(f"{profile.arn}/{profile.current_version}")
        if version is None:  # pragma: no cover - a profile is written with its version
            raise ResourceNotFoundError(f"Signing profile {name} has no current version.")
        job_id = str(uuid.uuid4())
        now = deps.clock.now().replace(microsecond=0)
        statement = SignedStatement(
            content_sha384=digest,
            platform_id=profile.platform_id,
            profile_version_arn=version.arn,
            job_arn=deps.job_arn(account, job_id),
            signed_at=now,
            expires_at=profile.validity.end(now),
        )
        signature = deps.keys.sign(
            base64.b64decode(version.wrapped_private_key_b64),
            key_context(version.arn),
            statement_bytes(statement),
        )
        job = SigningJob(
            job_id=job_id,
            account_id=account,
            arn=statement.job_arn,
            profile_name=name,
            profile_version=version.version,
            profile_version_arn=version.arn,
            platform_id=profile.platform_id,
            created=now,
            expires_at=statement.expires_at,
            requested_by=ctx.principal.arn,
            content_sha384=digest,
        )
        with deps.store.write() as tx:
            tx.signing_jobs.put(job)
        ctx.notes.add(
            "signing",
            {
                "decision": "Signed",
                "jobArn": job.arn,
                "profileVersionArn": version.arn,
                "contentSha384": digest,
                "signatureExpiresAt": statement.fields()["expiresAt"],
            },
        )
        return {
            "jobId": job_id,
            "jobOwner": account,
            "metadata": statement.fields(),
            "signature": signature,
        }

    def describe_signing_job(
        self, ctx: RequestContext, request: shapes.DescribeSigningJobRequest
    ) -> dict[str, Any]:
        job = self._job(ctx, request["jobId"])
        shown = _summary(job)
        shown.update(
            {
                "completedAt": job.created,
                "requestedBy": job.requested_by,
                "statusReason": "Signed through SignPayload",
                "jobInvoker": job.account_id,
            }
        )
        if job.revocation is not None:
            shown["revocationRecord"] = {
                "reason": job.revocation.reason,
                "revokedAt": job.revocation.revoked_at,
                "revokedBy": job.revocation.revoked_by,
            }
        del shown["isRevoked"]  # not a member of DescribeSigningJob's output
        return shown

    def list_signing_jobs(
        self, ctx: RequestContext, request: shapes.ListSigningJobsRequest
    ) -> dict[str, Any]:
        deps = self._deps
        limit = request.get("maxResults", _PAGE_DEFAULT)
        after = decode_token(request.get("nextToken"))
        wanted_revoked = request.get("isRevoked")
        with deps.store.read() as tx:
            batch = tx.signing_jobs.page(ctx.principal.account_id, after, 10_000)
        found = [
            j
            for j in batch
            if request.get("status") in (None, "Succeeded")
            and (wanted_revoked is None or (j.revocation is not None) == wanted_revoked)
            and request.get("platformId") in (None, j.platform_id)
            and request.get("requestedBy") in (None, j.requested_by)
            and request.get("jobInvoker") in (None, j.account_id)
            and (
                "signatureExpiresBefore" not in request
                or j.expires_at < request["signatureExpiresBefore"]
            )
            and (
                "signatureExpiresAfter" not in request
                or j.expires_at > request["signatureExpiresAfter"]
            )
        ]
        result: dict[str, Any] = {"jobs": [_summary(j) for j in found[:limit]]}
        if len(found) > limit:
            result["nextToken"] = encode_token(found[limit - 1].job_id)
        return result

    def revoke_signature(self, ctx: RequestContext, request: shapes.RevokeSignatureRequest) -> None:
        deps = self._deps
        owner(ctx, request.get("jobOwner"))
        job = self._job(ctx, request["jobId"])
        record = Revocation(request["reason"], deps.clock.now(), ctx.principal.arn)
        with deps.store.write() as tx:
            current = tx.signing_jobs.get(job.job_id) or job
            if current.revocation is None:
                tx.signing_jobs.put(replace(current, revocation=record))

    def _job(self, ctx: RequestContext, job_id: str) -> SigningJob:
        deps = self._deps
        account = ctx.principal.account_id
        with deps.store.read() as tx:
            job = tx.signing_jobs.get(job_id)
        if job is None or job.account_id != account:
            raise ResourceNotFoundError(f"Signing job {job_id[:64]} does not exist.")
        return job


def _summary(job: SigningJob) -> dict[str, Any]:
    return {
        "jobId": job.job_id,
        "createdAt": job.created,
        "status": "Succeeded",
        "isRevoked": job.revocation is not None,
        "profileName": job.profile_name,
        "profileVersion": job.profile_version,
        "platformId": job.platform_id,
        "platformDisplayName": PLATFORM_DISPLAY_NAME,
        "signatureExpiresAt": job.expires_at,
        "jobOwner": job.account_id,
    }
