"""A secret's value as requests carry it, and sealing, opening and comparing versions' values.

A request carries SecretString or SecretBinary (never both: InvalidParameterException), at most
65,536 bytes either way. A ClientRequestToken names the version it creates: the same token with
the same value is the same version (nothing changes); with a different value it is refused, as
a version is never modified (ResourceExistsException, "Secret versions", Secrets Manager User
Guide). Values exist in plaintext only in memory, between the request and the cipher.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from stockade import entropy
from stockade.crypto import constant_time_equal
from stockade.domain.secrets import (
    VALUE_BYTES_MAX,
    EarlierSeal,
    Secret,
    SecretVersion,
    ValueKind,
)
from stockade.services.context import RequestContext
from stockade.services.secretsmanager.errors import (
    InvalidParameterError,
    InvalidRequestError,
    ResourceExistsError,
    SecretsError,
)
from stockade.services.secretsmanager.keys import Sealed, SecretKeys


@dataclass(frozen=True)
class Value:
    kind: ValueKind
    data: bytes = field(repr=False)

    def render(self) -> dict[str, object]:
        if self.kind is ValueKind.BINARY:
            return {"SecretBinary": self.data}
        return {"SecretString": self.data.decode()}


def value_of(request: object, required: bool) -> Value | None:
    """The value a request carries (None if it carries none and none is required)."""
    assert isinstance(request, dict)
    text, binary = request.get("SecretString"), request.get("SecretBinary")
    if text is not None and binary is not None:
        raise InvalidParameterError(
            "You can't specify both a binary secret value and a string secret value in the"
            " same secret."
        )
    if text is None and binary is None:
        if required:
            raise InvalidRequestError("You must provide either SecretString or SecretBinary.")
        return None
    if text is not None:
        value = Value(ValueKind.STRING, str(text).encode())
    else:
        assert isinstance(binary, (bytes, bytearray))
        value = Value(ValueKind.BINARY, bytes(binary))
    if not value.data or len(value.data) > VALUE_BYTES_MAX:
        raise InvalidParameterError(
            f"The secret value must be between 1 and {VALUE_BYTES_MAX} bytes long."
        )
    return value


def version_id(request: object) -> str:
    """The request's ClientRequestToken (SDKs fill one in), or a new UUID."""
    assert isinstance(request, dict)
    token = request.get("ClientRequestToken")
    return str(token) if token else str(entropy.uuid4())


def sealed_of(version: SecretVersion) -> Sealed:
    return Sealed(version.key_arn, version.data_key_b64, version.ciphertext_b64)


class ValueCipher:
    def __init__(self, keys: SecretKeys) -> None:
        self._keys = keys

    def seal(
        self,
        ctx: RequestContext,
        key_ref: str | None,
        secret_arn: str,
        new_id: str,
        value: Value,
        now: datetime,
    ) -> SecretVersion:
        sealed = self._keys.seal(ctx, key_ref, secret_arn, new_id, value.data)
        return SecretVersion(
            version_id=new_id,
            created=now,
            kind=value.kind,
            key_arn=sealed.key_arn,
            data_key_b64=sealed.data_key_b64,
            ciphertext_b64=sealed.ciphertext_b64,
        )

    def open(self, ctx: RequestContext, secret: Secret, version: SecretVersion) -> Value:
        """The value, opened with the key the version is sealed under now, or else with a key
        it was sealed under before (Secrets Manager keeps those copies after a key change)."""
        try:
            data = self._keys.open(ctx, secret.arn, version.version_id, sealed_of(version))
        except SecretsError as first:
            for earlier in version.earlier_seals:
                sealed = Sealed(earlier.key_arn, earlier.data_key_b64, earlier.ciphertext_b64)
                try:
                    data = self._keys.open(ctx, secret.arn, version.version_id, sealed)
                    break
                except SecretsError:
                    continue
            else:
                raise first
        return Value(version.kind, data)

    def resealed(
        self, ctx: RequestContext, key_ref: str | None, secret: Secret, version: SecretVersion
    ) -> SecretVersion | None:
        """The version also sealed under `key_ref` (its copies under earlier keys kept), or
        None where the caller may not decrypt it or use the new key: Secrets Manager then
        leaves it as it is ("Change the encryption key", Secrets Manager User Guide)."""
        try:
            value = self.open(ctx, secret, version)
            sealed = self._keys.seal(ctx, key_ref, secret.arn, version.version_id, value.data)
        except SecretsError:
            return None
        if sealed.key_arn == version.key_arn:
            return None
        before = EarlierSeal(version.key_arn, version.data_key_b64, version.ciphertext_b64)
        return replace(
            version,
            key_arn=sealed.key_arn,
            data_key_b64=sealed.data_key_b64,
            ciphertext_b64=sealed.ciphertext_b64,
            earlier_seals=(before, *version.earlier_seals),
        )

    def same_version(
        self, ctx: RequestContext, secret: Secret, new_id: str, value: Value
    ) -> SecretVersion | None:
        """The version `new_id` already names, if its value is `value` (a retried request);
        None if there is no such version; refused if it holds another value."""
        existing = secret.version(new_id)
        if existing is None or not existing.has_value:  # none, or a rotation's empty one
            return None
        stored = self.open(ctx, secret, existing)
        if stored.kind is not value.kind or not constant_time_equal(stored.data, value.data):
            raise ResourceExistsError(
                "You can't modify an existing version, you can only create a new version."
            )
        return existing
