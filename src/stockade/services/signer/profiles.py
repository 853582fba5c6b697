"""Signing profiles: put (a new version, with a new key), read, list, cancel and revoke."""

from __future__ import annotations

import base64
import secrets
import string
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from stockade.domain.signed_package import PLATFORM_ID
from stockade.domain.signing import (
    ProfileStatus,
    Revocation,
    SigningProfile,
    SigningProfileVersion,
    Validity,
    ValidityType,
)
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
from stockade.services.signer.states import ProfileEvent, next_status
from stockade.shapes import signer as shapes

_VERSION_ALPHABET = string.ascii_letters + string.digits
# Signer's longest signature validity is 135 months; the same bound in each unit.
_VALIDITY_MAX = {ValidityType.DAYS: 4100, ValidityType.MONTHS: 135, ValidityType.YEARS: 11}
_PAGE_DEFAULT = 25
PLATFORM = {
    "platformId": PLATFORM_ID,
    "displayName": PLATFORM_DISPLAY_NAME,
    "partner": "AWSLambda",
    "target": "SHA384-ECDSA",
    "category": "AWSIoT",
    "signingConfiguration": {
        "encryptionAlgorithmOptions": {"allowedValues": ["ECDSA"], "defaultValue": "ECDSA"},
        "hashAlgorithmOptions": {"allowedValues": ["SHA384"], "defaultValue": "SHA384"},
    },
    "signingImageFormat": {"supportedFormats": ["JSONDetached"], "defaultFormat": "JSONDetached"},
    "maxSizeInMB": 250,
    "revocationSupported": True,
}


class Profiles:
    def __init__(self, deps: SignerDeps) -> None:
        self._deps = deps

    def put_signing_profile(
        self, ctx: RequestContext, request: shapes.PutSigningProfileRequest
    ) -> shapes.PutSigningProfileResponse:
        deps = self._deps
        account, name = ctx.principal.account_id, request["profileName"]
        arn = deps.profile_arn(account, name)
        _refuse_unsupported(request)
        validity = _validity(request.get("signatureValidityPeriod"))
        version = _new_version()
        version_arn = f"{arn}/{version}"
        key = deps.keys.generate(key_context(version_arn))
        now = deps.clock.now()
        with deps.store.write() as tx:
            current = tx.signing_profiles.get(account, name)
            if current is not None and current.status is not ProfileStatus.ACTIVE:
                raise ValidationError(
                    f"Signing profile {name} is {current.status.value}; its name cannot be reused."
                )
            profile = SigningProfile(
                account_id=account,
                name=name,
                arn=arn,
                current_version=version,
                platform_id=PLATFORM_ID,
                validity=validity,
                created=current.created if current else now,
                tags=dict(request.get("tags", current.tags if current else {})),
            )
            tx.signing_profiles.put_version(
                SigningProfileVersion(
                    account,
                    name,
                    version,
                    version_arn,
                    key.public_key_pem.decode("ascii"),
                    _b64(key.wrapped_private_key),
                    now,
                )
            )
            tx.signing_profiles.put(profile)
        return {"arn": arn, "profileVersion": version, "profileVersionArn": version_arn}

    def get_signing_profile(
        self, ctx: RequestContext, request: shapes.GetSigningProfileRequest
    ) -> dict[str, Any]:
        deps = self._deps
        account = owner(ctx, request.get("profileOwner"))
        with deps.store.read() as tx:
            profile = load_profile(tx, account, request["profileName"])
            version = tx.signing_profiles.get_version(_version_arn(profile))
        shown = described(profile)
        if profile.revocation is not None:
            shown["revocationRecord"] = {
                "revocationEffectiveFrom": profile.revocation.effective_from,
                "revokedAt": profile.revocation.revoked_at,
                "revokedBy": profile.revocation.revoked_by,
            }
        if profile.status_reason:
            shown["statusReason"] = profile.status_reason
        if version is not None:
            # Stockade's extension: the key that verifies this version's signatures offline.
            shown["StockadePublicKey"] = version.public_key_pem
        return shown

    def list_signing_profiles(
        self, ctx: RequestContext, request: shapes.ListSigningProfilesRequest
    ) -> dict[str, Any]:
        deps = self._deps
        limit = request.get("maxResults", _PAGE_DEFAULT)
        statuses = set(request.get("statuses", ()))
        include_canceled = bool(request.get("includeCanceled")) or "Canceled" in statuses
        platform = request.get("platformId")
        after = decode_token(request.get("nextToken"))
        found: list[SigningProfile] = []
        with deps.store.read() as tx:
            while len(found) <= limit:
                batch = tx.signing_profiles.page(ctx.principal.account_id, after, 100)
                if not batch:
                    break
                after = batch[-1].name
                found.extend(
                    p
                    for p in batch
                    if (include_canceled or p.status is not ProfileStatus.CANCELED)
                    and (not statuses or p.status.value in statuses)
                    and (platform is None or p.platform_id == platform)
                )
        result: dict[str, Any] = {"profiles": [described(p) for p in found[:limit]]}
        if len(found) > limit:
            result["nextToken"] = encode_token(found[limit - 1].name)
        return result

    def cancel_signing_profile(
        self, ctx: RequestContext, request: shapes.CancelSigningProfileRequest
    ) -> None:
        deps = self._deps
        account, name = ctx.principal.account_id, request["profileName"]
        with deps.store.write() as tx:
            profile = load_profile(tx, account, name)
            status = next_status(profile, ProfileEvent.CANCEL)
            tx.signing_profiles.put(replace(profile, status=status))

    def revoke_signing_profile(
        self, ctx: RequestContext, request: shapes.RevokeSigningProfileRequest
    ) -> None:
        deps = self._deps
        account, name = ctx.principal.account_id, request["profileName"]
        arn = deps.profile_arn(account, name)
        record = Revocation(
            request["reason"], deps.clock.now(), ctx.principal.arn, request["effectiveTime"]
        )
        with deps.store.write() as tx:
            profile = load_profile(tx, account, name)
            version = tx.signing_profiles.get_version(f"{arn}/{request['profileVersion']}")
            if version is None:
                raise ResourceNotFoundError(
                    f"Signing profile {name} has no version {request['profileVersion']}."
                )
            if version.revocation is not None:
                raise ValidationError(f"{version.arn} is already revoked.")
            if version.version == profile.current_version:
                status = next_status(profile, ProfileEvent.REVOKE)
                tx.signing_profiles.put(
                    replace(profile, status=status, revocation=record, status_reason=record.reason)
                )
            tx.signing_profiles.put_version(replace(version, revocation=record))

    def get_signing_platform(
        self, ctx: RequestContext, request: shapes.GetSigningPlatformRequest
    ) -> dict[str, Any]:
        if request["platformId"] != PLATFORM_ID:
            raise ResourceNotFoundError(f"Stockade offers only the {PLATFORM_ID} signing platform.")
        return dict(PLATFORM)

    def list_signing_platforms(
        self, ctx: RequestContext, request: shapes.ListSigningPlatformsRequest
    ) -> dict[str, Any]:
        return {"platforms": [dict(PLATFORM)]}


def described(profile: SigningProfile) -> dict[str, Any]:
    """Signer's SigningProfile shape (the list item; GetSigningProfile adds to it)."""
    shown: dict[str, Any] = {
        "profileName": profile.name,
        "profileVersion": profile.current_version,
        "profileVersionArn": _version_arn(profile),
        "signatureValidityPeriod": {
            "value": profile.validity.value,
            "type": profile.validity.type.value,
        },
        "platformId": profile.platform_id,
        "platformDisplayName": PLATFORM_DISPLAY_NAME,
        "status": profile.status.value,
        "arn": profile.arn,
    }
    if profile.tags:
        shown["tags"] = dict(profile.tags)
    return shown


def _version_arn(profile: SigningProfile) -> str:
    return f"{profile.arn}/{profile.current_version}"


def _new_version() -> str:
    return "".join(secrets.choice(_VERSION_ALPHABET) for _ in range(10))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _refuse_unsupported(request: shapes.PutSigningProfileRequest) -> None:
    if request["platformId"] != PLATFORM_ID:
        raise ValidationError(f"Stockade offers only the {PLATFORM_ID} signing platform.")
    for member, why in (
        ("signingMaterial", "Stockade generates and holds each profile's signing key"),
        ("overrides", "the platform's algorithms cannot be overridden"),
        ("signingParameters", "the platform takes no signing parameters"),
    ):
        given: Mapping[str, object] = request
        if given.get(member):
            raise ValidationError(f"{member} is not supported by Stockade: {why}.")


def _validity(requested: shapes.SignatureValidityPeriod | None) -> Validity:
    if not requested:
        return Validity()
    if "value" not in requested or "type" not in requested:
        raise ValidationError("signatureValidityPeriod needs both value and type.")
    kind = ValidityType(requested["type"])
    if not 1 <= requested["value"] <= _VALIDITY_MAX[kind]:
        raise ValidationError(
            f"signatureValidityPeriod must be between 1 and {_VALIDITY_MAX[kind]} {kind.value}."
        )
    return Validity(requested["value"], kind)
