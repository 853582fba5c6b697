"""What the Signer use cases share: the store, the key holder, the clock, ARNs."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from stockade.clock import Clock
from stockade.crypto import CodeSigningKeys
from stockade.domain.signing import SigningProfile
from stockade.services.context import RequestContext
from stockade.services.signer.errors import (
    AccessDeniedError,
    ResourceNotFoundError,
    ValidationError,
)
from stockade.store.ports import Store, Transaction
from stockade.types import AccountId, Region

PLATFORM_DISPLAY_NAME = "AWS Lambda"


@dataclass(frozen=True)
class SignerDeps:
    store: Store
    keys: CodeSigningKeys
    clock: Clock
    region: Region

    def profile_arn(self, account: AccountId, name: str) -> str:
        return f"arn:aws:signer:{self.region}:{account}:/signing-profiles/{name}"

    def job_arn(self, account: AccountId, job_id: str) -> str:
        return f"arn:aws:signer:{self.region}:{account}:/signing-jobs/{job_id}"


def owner(ctx: RequestContext, requested: str | None) -> AccountId:
    """The profile or job owner: the caller's account (cross-account use is not offered)."""
    account = ctx.principal.account_id
    if requested is not None and requested != account:
        raise AccessDeniedError(
            "Stockade does not offer cross-account signing: profiles and jobs are used by"
            " their own account only."
        )
    return account


def load_profile(tx: Transaction, account: AccountId, name: str) -> SigningProfile:
    found = tx.signing_profiles.get(account, name)
    if found is None:
        raise ResourceNotFoundError(f"Signing profile {name} does not exist.")
    return found


def key_context(profile_version_arn: str) -> dict[str, str]:
    """Binds a wrapped private key to its profile version."""
    return {"stockade:purpose": "code-signing", "stockade:profileVersionArn": profile_version_arn}


def encode_token(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode("ascii")


def decode_token(token: str | None) -> str | None:
    if token is None:
        return None
    try:
        return base64.urlsafe_b64decode(token.encode("ascii")).decode()
    except (binascii.Error, ValueError) as exc:
        raise ValidationError("The nextToken is not valid.") from exc
