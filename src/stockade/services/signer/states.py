"""The signing profile lifecycle as a transition table; illegal transitions raise.

    Active --CancelSigningProfile--> Canceled
    Active | Canceled --RevokeSigningProfile (current version)--> Revoked

A Canceled profile signs nothing new, and signatures it made stay valid until they expire. A
Revoked profile signs nothing new, and its signatures made at or after the revocation's
effective time fail Lambda's revocation check. Revoked is final.
"""

from __future__ import annotations

from enum import Enum

from stockade.domain.signing import ProfileStatus, SigningProfile
from stockade.services.signer.errors import ValidationError


class ProfileEvent(Enum):
    CANCEL = "CancelSigningProfile"
    REVOKE = "RevokeSigningProfile"


TRANSITIONS: dict[tuple[ProfileStatus, ProfileEvent], ProfileStatus] = {
    (ProfileStatus.ACTIVE, ProfileEvent.CANCEL): ProfileStatus.CANCELED,
    (ProfileStatus.ACTIVE, ProfileEvent.REVOKE): ProfileStatus.REVOKED,
    (ProfileStatus.CANCELED, ProfileEvent.REVOKE): ProfileStatus.REVOKED,
}


def next_status(profile: SigningProfile, event: ProfileEvent) -> ProfileStatus:
    found = TRANSITIONS.get((profile.status, event))
    if found is None:
        raise ValidationError(
            f"Signing profile {profile.name} is {profile.status.value}; {event.value} is not"
            " allowed in that state."
        )
    return found


def require_active(profile: SigningProfile) -> None:
    """Only an Active profile signs."""
    if profile.status is not ProfileStatus.ACTIVE:
        raise ValidationError(
            f"Signing profile {profile.name} is {profile.status.value} and cannot sign."
        )
