"""PutParameter's request, parsed strictly into a frozen value before anything is stored, and
the tier a new version gets.

AWS's rules (PutParameter API reference, "Managing parameter tiers", moto's AWS-verified
messages): a type is required to create a parameter; Tags cannot go with Overwrite; DataType
`text` only here (`aws:ec2:image` validates an AMI id against EC2, which has no images here:
refused with AWS's message for an unsupported type); Policies are not served (refused, not
ignored); Standard holds 4 KB, Advanced 8 KB; Intelligent-Tiering picks Standard unless the
value needs Advanced; an advanced parameter never goes back to Standard.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from stockade.domain.parameters import (
    ADVANCED_VALUE_MAX,
    STANDARD_VALUE_MAX,
    ParameterType,
    ParameterVersion,
    Tier,
)
from stockade.services.ssm.errors import (
    InvalidAllowedPatternError,
    InvalidPolicyTypeError,
    ParameterPatternMismatchError,
    ValidationError,
)

INTELLIGENT = "Intelligent-Tiering"
TAGS_WITH_OVERWRITE = (
    "Invalid request: tags and overwrite can't be used together. To create a parameter with"
    " tags, please remove overwrite flag. To update tags for an existing parameter, please use"
    " AddTagsToResource or RemoveTagsFromResource."
)
STANDARD_TOO_LARGE = (
    "Standard tier parameters support a maximum parameter value of 4096 characters. To create"
    " a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For"
    " more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/"
    "parameter-store-advanced-parameters.html"
)
ADVANCED_TOO_LARGE = (
    "Advanced tier parameters support a maximum parameter value of 8192 characters. For more"
    " information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/"
    "parameter-store-advanced-parameters.html"
)
NO_DOWNGRADE = (
    "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the"
    " advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the"
    " advanced parameter and recreate it as a standard parameter."
)


@dataclass(frozen=True)
class PutRequest:
    name: str  # as given
    value: str = field(repr=False)
    type: ParameterType | None
    overwrite: bool
    tier: str | None  # Standard, Advanced, Intelligent-Tiering, or None
    key_id: str | None
    description: str | None
    allowed_pattern: str | None
    data_type: str | None
    tags: Mapping[str, str]

    @classmethod
    def parse(cls, request: Mapping[str, Any]) -> PutRequest:
        value = str(request["Value"])
        if not value:
            raise ValidationError(
                "1 validation error detected: Value '' at 'value' failed to satisfy"
                " constraint: Member must have length greater than or equal to 1."
            )
        overwrite = bool(request.get("Overwrite", False))
        tags = {str(t["Key"]): str(t.get("Value", "")) for t in request.get("Tags") or ()}
        if overwrite and "Tags" in request:
            raise ValidationError(TAGS_WITH_OVERWRITE)
        if "Policies" in request:
            raise InvalidPolicyTypeError(
                "Parameter policies (Expiration, ExpirationNotification, NoChangeNotification)"
                " are not supported by this Parameter Store."
            )
        data_type = request.get("DataType")
        if data_type is not None and data_type != "text":
            raise ValidationError(
                f"The following data type is not supported: {data_type} (Data type names are"
                " all lowercase.)"
            )
        kind = request.get("Type")
        pattern = request.get("AllowedPattern")
        if pattern is not None:
            check_pattern(pattern, value)
        key_id = request.get("KeyId")
        # Parameter Store honours KeyId for SecureString only (the wording here is ours).
        if key_id is not None and kind is not None and kind != ParameterType.SECURE_STRING.value:
            raise ValidationError("KeyId is required for SecureString type parameter only.")
        return cls(
            name=str(request["Name"]),
            value=value,
            type=ParameterType(kind) if kind is not None else None,
            overwrite=overwrite,
            tier=request.get("Tier"),
            key_id=key_id,
            description=request.get("Description"),
            allowed_pattern=pattern,
            data_type=data_type,
            tags=tags,
        )


def check_pattern(pattern: str, value: str) -> None:
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise InvalidAllowedPatternError(
            "The request doesn't meet the regular expression requirement."
        ) from exc
    if compiled.fullmatch(value) is None:
        raise ParameterPatternMismatchError(
            f"Parameter value, cannot be validated against allowedPattern: {pattern}"
        )


def chosen_tier(request: PutRequest, previous: ParameterVersion | None) -> Tier:
    """The new version's tier, or AWS's error for a value its tier cannot hold."""
    size = len(request.value.encode())
    was_advanced = previous is not None and previous.tier is Tier.ADVANCED
    if request.tier == Tier.STANDARD.value:
        if was_advanced:
            raise ValidationError(NO_DOWNGRADE)
        tier = Tier.STANDARD
    elif request.tier == Tier.ADVANCED.value:
        tier = Tier.ADVANCED
    elif request.tier == INTELLIGENT:
        tier = Tier.ADVANCED if was_advanced or size > STANDARD_VALUE_MAX else Tier.STANDARD
    else:  # the account's default tier (Standard); an advanced parameter stays advanced
        tier = Tier.ADVANCED if was_advanced else Tier.STANDARD
    if tier is Tier.STANDARD and size > STANDARD_VALUE_MAX:
        raise ValidationError(STANDARD_TOO_LARGE)
    if size > ADVANCED_VALUE_MAX:
        raise ValidationError(ADVANCED_TOO_LARGE)
    return tier
