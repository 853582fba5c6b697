"""Parameters as the API answers them: `Parameter` (GetParameter, GetParameters,
GetParametersByPath), `ParameterMetadata` (DescribeParameters) and `ParameterHistory`.

A SecureString's value is answered as stored, the key service's ciphertext (base64), unless
the caller asked WithDecryption and may decrypt it (then `Opener` decrypts it as the caller).
"""

from __future__ import annotations

from typing import Any

from stockade.domain.parameters import Parameter, ParameterType, ParameterVersion, Tier
from stockade.services.context import RequestContext
from stockade.services.ssm.names import parameter_arn
from stockade.services.ssm.secure_values import SecureValues


class Opener:
    """Values for the caller: decrypted when asked and allowed (raises Parameter Store's
    errors otherwise)."""

    def __init__(self, values: SecureValues, region: str) -> None:
        self._values = values
        self._region = region

    def value(
        self, ctx: RequestContext, parameter: Parameter, version: ParameterVersion, decrypt: bool
    ) -> str:
        if version.type is not ParameterType.SECURE_STRING or not decrypt:
            return version.value
        arn = parameter_arn(self._region, parameter.account_id, parameter.name)
        envelope = version.tier is Tier.ADVANCED
        return self._values.open(ctx, arn, version.value, envelope)

    def parameter(
        self,
        ctx: RequestContext,
        parameter: Parameter,
        version: ParameterVersion,
        decrypt: bool,
        selector: str | None = None,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "Name": parameter.name,
            "Type": version.type.value,
            "Value": self.value(ctx, parameter, version, decrypt),
            "Version": version.version,
            "LastModifiedDate": version.modified,
            "ARN": parameter_arn(self._region, parameter.account_id, parameter.name),
            "DataType": version.data_type,
        }
        if selector is not None:
            out["Selector"] = selector
        return out

    def history(
        self, ctx: RequestContext, parameter: Parameter, version: ParameterVersion, decrypt: bool
    ) -> dict[str, Any]:
        out = metadata(parameter, version, self._region)
        out.pop("ARN", None)
        out.pop("DataType", None)
        out["Value"] = self.value(ctx, parameter, version, decrypt)
        out["Labels"] = list(version.labels)
        out["Policies"] = []
        out["DataType"] = version.data_type
        return out


def metadata(parameter: Parameter, version: ParameterVersion, region: str) -> dict[str, Any]:
    """ParameterMetadata (never a value)."""
    out: dict[str, Any] = {
        "Name": parameter.name,
        "ARN": parameter_arn(region, parameter.account_id, parameter.name),
        "Type": version.type.value,
        "LastModifiedDate": version.modified,
        "LastModifiedUser": version.modified_user,
        "Version": version.version,
        "Tier": version.tier.value,
        "Policies": [],
        "DataType": version.data_type,
    }
    if version.key_id is not None:
        out["KeyId"] = version.key_id
    if version.description is not None:
        out["Description"] = version.description
    if version.allowed_pattern is not None:
        out["AllowedPattern"] = version.allowed_pattern
    return out
