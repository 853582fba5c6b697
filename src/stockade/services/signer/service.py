"""The Signer service's operation table for the REST-JSON endpoint."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from stockade.clock import Clock
from stockade.crypto import CodeSigningKeys
from stockade.services.authz import Authorizer
from stockade.services.context import RequestContext
from stockade.services.signer.deps import SignerDeps
from stockade.services.signer.jobs import Jobs
from stockade.services.signer.profiles import Profiles
from stockade.store.ports import Store
from stockade.types import Region

Operation = Callable[[RequestContext, Any], Any]


class SignerService:
    def __init__(
        self,
        store: Store,
        keys: CodeSigningKeys,
        clock: Clock,
        authorizer: Authorizer,
        region: Region,
    ) -> None:
        deps = SignerDeps(store, keys, clock, authorizer, region)
        self.profiles = Profiles(deps)
        self.jobs = Jobs(deps)

    def operations(self) -> Mapping[str, Operation]:
        p, j = self.profiles, self.jobs
        return {
            "PutSigningProfile": p.put_signing_profile,
            "GetSigningProfile": p.get_signing_profile,
            "ListSigningProfiles": p.list_signing_profiles,
            "CancelSigningProfile": p.cancel_signing_profile,
            "RevokeSigningProfile": p.revoke_signing_profile,
            "GetSigningPlatform": p.get_signing_platform,
            "ListSigningPlatforms": p.list_signing_platforms,
            "SignPayload": j.sign_payload,
            "DescribeSigningJob": j.describe_signing_job,
            "ListSigningJobs": j.list_signing_jobs,
            "RevokeSignature": j.revoke_signature,
        }
