"""The Signer service's declared operations.

Signing profiles and jobs have no resource policies: each operation needs `signer:<Action>` on
the profile's or job's ARN (or `*` for listings and platforms), in the caller's own account;
a `profileOwner`/`jobOwner` naming another account is refused (cross-account signing is not
offered).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from stockade.clock import Clock
from stockade.crypto import CodeSigningKeys
from stockade.services.context import RequestContext
from stockade.services.declaration import (
    READ,
    WRITE,
    Need,
    Operation,
    ServiceErrors,
    ServiceTable,
    operation,
)
from stockade.services.signer.deps import SignerDeps, owner
from stockade.services.signer.errors import AccessDeniedError, InternalServiceError, ValidationError
from stockade.services.signer.jobs import Jobs
from stockade.services.signer.profiles import Profiles
from stockade.store.ports import Store
from stockade.types import Region

ERRORS = ServiceErrors(AccessDeniedError, ValidationError, InternalServiceError)


class SignerService:
    def __init__(self, store: Store, keys: CodeSigningKeys, clock: Clock, region: Region) -> None:
        self._deps = deps = SignerDeps(store, keys, clock, region)
        self.profiles = Profiles(deps)
        self.jobs = Jobs(deps)

    def table(self) -> ServiceTable:
        p, j = self.profiles, self.jobs
        profile, job, anything = self._on_profile, self._on_job, _on_anything
        operations: Sequence[Operation[Any]] = [
            operation("PutSigningProfile", p.put_signing_profile, profile("Put"), WRITE),
            operation("GetSigningProfile", p.get_signing_profile, profile("Get"), READ),
            operation(
                "ListSigningProfiles", p.list_signing_profiles, anything("ListSigningProfiles"),
                READ,
            ),
            operation("CancelSigningProfile", p.cancel_signing_profile, profile("Cancel"), WRITE),
            operation("RevokeSigningProfile", p.revoke_signing_profile, profile("Revoke"), WRITE),
            operation(
                "GetSigningPlatform", p.get_signing_platform, anything("GetSigningPlatform"), READ
            ),
            operation(
                "ListSigningPlatforms", p.list_signing_platforms,
                anything("ListSigningPlatforms"), READ,
            ),
            operation("SignPayload", j.sign_payload, profile("SignPayload"), WRITE),
            operation(
                "DescribeSigningJob", j.describe_signing_job, job("DescribeSigningJob"), READ
            ),
            operation("ListSigningJobs", j.list_signing_jobs, anything("ListSigningJobs"), READ),
            operation("RevokeSignature", j.revoke_signature, job("RevokeSignature"), WRITE),
        ]  # fmt: skip
        return ServiceTable.of("signer", operations, ERRORS)

    def _on_profile(self, verb: str) -> Callable[[RequestContext, Any], Sequence[Need]]:
        action = f"signer:{verb}" if verb == "SignPayload" else f"signer:{verb}SigningProfile"

        def needs(ctx: RequestContext, request: Any) -> Sequence[Need]:
            account = owner(ctx, request.get("profileOwner"))
            return [Need(action, self._deps.profile_arn(account, request["profileName"]))]

        return needs

    def _on_job(self, verb: str) -> Callable[[RequestContext, Any], Sequence[Need]]:
        def needs(ctx: RequestContext, request: Any) -> Sequence[Need]:
            account = owner(ctx, request.get("jobOwner"))
            return [Need(f"signer:{verb}", self._deps.job_arn(account, request["jobId"]))]

        return needs


def _on_anything(action: str) -> Callable[[RequestContext, Any], Sequence[Need]]:
    def needs(ctx: RequestContext, request: Any) -> Sequence[Need]:
        return [Need(f"signer:{action}", "*")]

    return needs
